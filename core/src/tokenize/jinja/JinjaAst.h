#pragma once
// The syntax tree of a parsed template. Every node keeps its place in the source for error messages.

#include "tokenize/jinja/JinjaLexer.h"
#include "tokenize/jinja/JinjaValue.h"

#include <memory>
#include <string>
#include <vector>

namespace lathe::tokenize::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
    Literal,
    Name,
    List,
    Tuple,
    Dict,         // children: key, value, key, value, ...
    Attribute,    // a.b: children[0] object, name (or literal for a.0)
    Index,        // a[k]: children object, key
    Slice,        // a[b:c:d]: children object, start, stop, step (null when left out)
    Call,         // children[0] callee, args
    Filter,       // children[0] operand (null in {% filter %}), name, args
    Test,         // children[0] operand, name, args, negate
    Unary,        // name is the operator: not, -, +
    Binary,       // name is the operator
    Conditional,  // children: condition, then, otherwise (null: `a if c` without else)
};

struct Arg {
    enum class Kind { Positional, Keyword, Spread, KeywordSpread };
    Kind kind = Kind::Positional;
    std::string name;
    ExprPtr value;
};

struct Expr {
    ExprKind kind = ExprKind::Literal;
    SourcePos pos;
    std::string name;
    Value literal;
    std::vector<ExprPtr> children;
    std::vector<Arg> args;
    bool negate = false;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class StmtKind { Text, Output, If, For, Break, Continue, Set, Macro, CallBlock, FilterBlock };

struct Param {
    std::string name;
    ExprPtr defaultValue;
};

struct Stmt {
    StmtKind kind = StmtKind::Text;
    SourcePos pos;
    std::string text;   // Text
    ExprPtr expr;       // Output, If condition, For iterable, Set value, CallBlock call, FilterBlock filter
    ExprPtr target;     // For and Set
    ExprPtr condition;  // For ... if condition
    Body body;
    Body orelse;  // If else/elif, For else
    std::string name;
    std::vector<Param> params;  // Macro parameters, CallBlock caller parameters
    // What a macro or loop body refers to, found once at parse time.
    bool usesLoop = false;
    bool usesVarargs = false;
    bool usesKwargs = false;
    bool usesCaller = false;
};

struct Program {
    Body body;
};

}  // namespace lathe::tokenize::jinja
