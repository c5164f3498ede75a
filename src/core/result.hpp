// Result<T>: a value or an Error, with the interface of std::expected (C++23) so it can become
// std::expected later; clang 14 cannot use libstdc++'s <expected> (STYLE.md §10.7).
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.hpp"

namespace harbor {

// Wraps an Error so that `return unexpected(err);` builds a failed Result of any T.
class Unexpected {
public:
    explicit Unexpected(Error error) : error_(std::move(error)) {}
    Error& error() & { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_;
};

inline Unexpected unexpected(Error error) { return Unexpected(std::move(error)); }
inline Unexpected unexpected(Errc code, std::string detail = {})
{
    return Unexpected(Error{code, std::move(detail)});
}

template <typename T>
class [[nodiscard]] Result {
public:
    using value_type = T;

    Result()
        requires std::is_default_constructible_v<T>
        : state_(std::in_place_index<0>) {}
    Result(const T& value) : state_(std::in_place_index<0>, value) {}
    Result(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}
    template <typename U>
        requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, Result> &&
                 !std::is_same_v<std::decay_t<U>, Unexpected> &&
                 !std::is_same_v<std::decay_t<U>, T>)
    Result(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}
    Result(Unexpected failure) : state_(std::in_place_index<1>, std::move(failure).error()) {}

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(state_); }
    const T& value() const& { assert(has_value()); return std::get<0>(state_); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { assert(!has_value()); return std::get<1>(state_); }
    Error&& error() && { assert(!has_value()); return std::get<1>(std::move(state_)); }

    template <typename U>
    T value_or(U&& fallback) const& { return has_value() ? value() : T(std::forward<U>(fallback)); }

private:
    std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    using value_type = void;

    Result() = default;
    Result(Unexpected failure) : error_(std::move(failure).error()), failed_(true) {}

    bool has_value() const { return !failed_; }
    explicit operator bool() const { return has_value(); }
    void value() const { assert(has_value()); }
    const Error& error() const& { assert(failed_); return error_; }
    Error&& error() && { assert(failed_); return std::move(error_); }

private:
    Error error_;
    bool failed_ = false;
};

inline Result<void> ok() { return {}; }

}  // namespace harbor

// Propagates a failed Result from the enclosing function: HARBOR_TRY(expr);
#define HARBOR_TRY(expr)                                                  \
    do {                                                                  \
        if (auto&& harbor_try_result_ = (expr); !harbor_try_result_) {      \
            return ::harbor::unexpected(std::move(harbor_try_result_).error()); \
        }                                                                 \
    } while (false)
