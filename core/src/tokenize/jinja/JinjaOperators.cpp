// Binary operators, with the peer's rules for mixing types.
#include "tokenize/jinja/JinjaInterpreter.h"

#include <cmath>
#include <limits>

namespace lathe::tokenize::jinja {

namespace {

// `x in list` uses JavaScript's ===: numbers match numbers, and nothing else converts.
bool strictEquals(const Value& a, const Value& b)
{
    const bool aNum = a.isNumber();
    const bool bNum = b.isNumber();
    if (aNum || bNum) return aNum && bNum && a.asDouble() == b.asDouble();
    if (a.kind != b.kind) return false;
    return valuesEqual(a, b);
}

Value arithmetic(const std::string& op, const Value& l, const Value& r)
{
    const bool isFloat = l.kind == Kind::Float || r.kind == Kind::Float;
    if (op == "/") {
        if (r.asDouble() == 0) fail("division by zero");
        return Value::fromFloat(l.asDouble() / r.asDouble());
    }
    if (!isFloat) {
        const int64_t a = l.integer;
        const int64_t b = r.integer;
        int64_t result = 0;
        if (op == "+" && !__builtin_add_overflow(a, b, &result)) return Value::fromInt(result);
        if (op == "-" && !__builtin_sub_overflow(a, b, &result)) return Value::fromInt(result);
        if (op == "*" && !__builtin_mul_overflow(a, b, &result)) return Value::fromInt(result);
        if (op == "//" || op == "%") {
            if (b == 0) fail(op == "//" ? "integer division by zero" : "modulo by zero");
            if (b == -1) return Value::fromInt(op == "%" ? 0 : a == std::numeric_limits<int64_t>::min() ? a : -a);
            if (op == "%") return Value::fromInt(a % b);  // the sign of the dividend, like JavaScript
            int64_t q = a / b;
            if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
            return Value::fromInt(q);
        }
    }
    const double a = l.asDouble();
    const double b = r.asDouble();
    if (op == "+") return Value::fromFloat(a + b);
    if (op == "-") return Value::fromFloat(a - b);
    if (op == "*") return Value::fromFloat(a * b);
    if (b == 0) fail(op == "//" ? "division by zero" : "modulo by zero");
    if (op == "//") return Value::fromFloat(std::floor(a / b));
    return Value::fromFloat(std::fmod(a, b));
}

Value power(const Value& l, const Value& r)
{
    const double a = l.asDouble();
    const double b = r.asDouble();
    if (a == 0 && b < 0) fail("0.0 cannot be raised to a negative power");
    const double result = std::pow(a, b);
    if (!std::isfinite(result)) fail("exponentiation result is not a finite real number");
    const bool isFloat = l.kind == Kind::Float || r.kind == Kind::Float || b < 0;
    if (!isFloat && std::fabs(result) < 9.2e18) return Value::fromInt(static_cast<int64_t>(result));
    return Value::fromFloat(result);
}

}  // namespace

Value Interpreter::evalBinary(const Expr& expr, const ScopePtr& scope)
{
    const std::string& op = expr.name;
    const Value left = eval(*expr.children[0], scope);
    if (op == "and") return truthy(left) ? eval(*expr.children[1], scope) : left;
    if (op == "or") return truthy(left) ? left : eval(*expr.children[1], scope);
    const Value right = eval(*expr.children[1], scope);
    if (op == "==") return Value::fromBool(valuesEqual(left, right));
    if (op == "!=") return Value::fromBool(!valuesEqual(left, right));

    const bool isIn = op == "in" || op == "not in";
    if (left.isNumber() && right.isNumber() && op != "~" && op != "**") {
        if (op == "<" || op == ">" || op == "<=" || op == ">=") {
            const int c = compareValues(left, right, true);
            return Value::fromBool(op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0);
        }
        if (op == "+" || op == "-" || op == "*" || op == "/" || op == "//" || op == "%")
            return arithmetic(op, left, right);
    } else if (left.isUndefined() || right.isUndefined()) {
        if (right.isUndefined() && isIn) return Value::fromBool(op == "not in");
        if (op == "~" && !left.isNone() && !right.isNone()) {
            std::string s =
                (left.isUndefined() ? "" : concatText(left)) + (right.isUndefined() ? "" : concatText(right));
            checkText(s.size());
            return Value::fromString(std::move(s));
        }
        fail("cannot apply '" + op + "' to an undefined value");
    } else if (left.isNone() || right.isNone()) {
        fail("cannot apply '" + op + "' to none");
    } else if (op == "~") {
        std::string s = concatText(left) + concatText(right);
        checkText(s.size());
        return Value::fromString(std::move(s));
    } else if (op == "**" && left.isNumericLike() && right.isNumericLike()) {
        return power(left, right);
    } else if (left.isList() && right.isList()) {
        if (op == "+") {
            std::vector<Value> items = left.list->items;
            items.insert(items.end(), right.list->items.begin(), right.list->items.end());
            chargeElements(items.size());
            return Value::makeList(std::move(items));
        }
    } else if (right.isList() && isIn) {
        bool found = false;
        for (const Value& item : right.list->items)
            if (strictEquals(item, left)) {
                found = true;
                break;
            }
        return Value::fromBool(found == (op == "in"));
    }
    if ((left.isString() || right.isString()) && op == "+") {
        std::string s = concatText(left) + concatText(right);
        checkText(s.size());
        return Value::fromString(std::move(s));
    }
    if (left.isString() && right.isString()) {
        if (isIn) return Value::fromBool((right.text.find(left.text) != std::string::npos) == (op == "in"));
        // Python orders strings by code point; the peer has no string ordering at all.
        if (op == "<" || op == ">" || op == "<=" || op == ">=") {
            const int c = left.text.compare(right.text);
            return Value::fromBool(op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0);
        }
    }
    if (left.isString() && right.isMapping() && isIn)
        return Value::fromBool(right.dict->contains(left.text) == (op == "in"));
    fail("operator '" + op + "' is not defined between a value of type " + typeName(left) + " and a value of type " +
         typeName(right));
}

}  // namespace lathe::tokenize::jinja
