#pragma once

#include "lathe/common/Error.h"

#include <optional>
#include <stdexcept>
#include <utility>
#include <variant>

namespace lathe {

// Either a value or an Error. The core API returns this instead of throwing.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_data); }
    const T& value() const& { return std::get<0>(m_data); }
    T&& value() && { return std::get<0>(std::move(m_data)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

inline Error makeError(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace lathe

// Propagates an error from an expression returning Result<T>; yields nothing on success.
#define LATHE_TRY(expr)                                     \
    do {                                                    \
        auto lathe_try_result_ = (expr);                    \
        if (!lathe_try_result_) return lathe_try_result_.error(); \
    } while (0)

// Moves the value of an expression returning Result<T> into `dst`, or propagates its error.
#define LATHE_ASSIGN(dst, expr)                                         \
    do {                                                                \
        auto lathe_assign_result_ = (expr);                             \
        if (!lathe_assign_result_) return lathe_assign_result_.error(); \
        dst = std::move(lathe_assign_result_).value();                  \
    } while (0)
