#pragma once
// Renders a parsed template. Errors are thrown as JinjaError and placed at the innermost node that sees them;
// limits on nesting, loop iterations and text keep a hostile template from crashing or hanging the caller.

#include "tokenize/jinja/JinjaAst.h"
#include "tokenize/jinja/JinjaValue.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace lathe::tokenize::jinja {

struct Scope {
    std::unordered_map<std::string, Value> vars;
    std::shared_ptr<Scope> parent;

    const Value* lookup(const std::string& name) const;
};
using ScopePtr = std::shared_ptr<Scope>;

struct RenderLimits {
    int maxNesting = 512;                     // expressions, statements and macro calls on the stack at once
    int maxMacroDepth = 256;                  // macro calls on the stack at once
    size_t maxTextBytes = 64u << 20;          // any one string, the output included
    uint64_t maxLoopIterations = 10'000'000;  // over the whole render
    uint64_t maxElements = 50'000'000;        // list elements created over the whole render
    uint64_t maxTextWork = 1ull << 30;        // bytes of strings built over the whole render
};

class Interpreter {
public:
    explicit Interpreter(RenderLimits limits = {}) : m_limits(limits) {}
    ~Interpreter();

    // Fills `globals` with the functions every template may call (namespace, range, raise_exception, ...).
    void installGlobals(Scope& globals);
    std::string render(const Program& program, const ScopePtr& globals);

    // For builtins: account for what they build, so that limits hold everywhere.
    void chargeElements(size_t count);
    void checkText(size_t bytes);
    Value call(const Value& function, CallArgs& args, const Value* caller = nullptr);
    Value filter(const std::string& name, const Value& operand, const CallArgs& args);

private:
    enum class Flow { Normal, Break, Continue };
    struct Guard;

    Flow renderBody(const Body& body, const ScopePtr& scope, std::string& out);
    Flow renderStmt(const Stmt& stmt, const ScopePtr& scope, std::string& out);
    Flow renderFor(const Stmt& stmt, const ScopePtr& scope, std::string& out);
    void assign(const Expr& target, Value value, const ScopePtr& scope);
    Value defineMacro(const Stmt& stmt, const ScopePtr& scope);
    Value invokeMacro(const Stmt& stmt, const std::string& displayName, const ScopePtr& defining, CallArgs& args,
                      const Value* caller);
    Value renderCallBlock(const Stmt& stmt, const ScopePtr& scope);
    void append(std::string& out, std::string_view text);

    Value eval(const Expr& expr, const ScopePtr& scope);
    Value evalInner(const Expr& expr, const ScopePtr& scope);
    CallArgs evalArgs(const std::vector<Arg>& args, const ScopePtr& scope);
    Value evalCall(const Expr& expr, const ScopePtr& scope);
    Value evalBinary(const Expr& expr, const ScopePtr& scope);
    Value evalSlice(const Expr& expr, const ScopePtr& scope);
    Value member(const Value& object, const Value& key);

    RenderLimits m_limits;
    int m_nesting = 0;
    int m_macroDepth = 0;
    uint64_t m_iterations = 0;
    uint64_t m_elements = 0;
    uint64_t m_textWork = 0;
    std::vector<std::weak_ptr<Dict>> m_namespaces;
};

}  // namespace lathe::tokenize::jinja
