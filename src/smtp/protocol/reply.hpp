// SMTP replies: reply codes (RFC 5321 §4.2), enhanced status codes (RFC 2034 §3, RFC 3463 §2)
// and the wire form of single- and multi-line replies. Parsed<T> is what every parser in
// smtp/protocol returns: the parsed value, or the Reply the session sends verbatim.
// SECURITY: reply text may quote client input; format_reply() replaces every byte outside
// printable ASCII (CR, LF and NUL included) and caps each line at 512 octets (§4.5.3.1.5), so a
// reply can never inject a line or a second reply.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/assert.hpp"

namespace harbor::smtp {

inline constexpr std::size_t max_reply_line = 512;  // RFC 5321 §4.5.3.1.5, with the CRLF

struct Reply {
    int code = 0;          // 200..599 (RFC 5321 §4.2.1)
    std::string enhanced;  // "5.1.3" (RFC 3463 §2), or empty for replies that carry none
    // One line per '\n'; each line of the wire form repeats code and enhanced code (RFC 2034 §3).
    std::string text;

    friend bool operator==(const Reply&, const Reply&) = default;
};

// The wire form: "250-first\r\n250 last\r\n", each line "code[-| ]enhanced text".
std::string format_reply(const Reply& reply);

// "550 5.1.1 No such user": a reply on one line (its lines joined by spaces), for logs, the
// queue's last_reply and a notice's Diagnostic-Code.
std::string reply_line(const Reply& reply);

// True for class "." subject "." detail with class 2, 4 or 5, subject 0-999 and detail 0-999
// written without leading zeros (RFC 3463 §2).
bool is_well_formed_enhanced(std::string_view enhanced);

// A failed parse of untrusted input: 4xx or 5xx with a well-formed enhanced code whose class
// matches the reply code's first digit.
bool is_error_reply(const Reply& reply);

// 2xx: the command was accepted (RFC 5321 §4.2.1).
inline bool is_positive(const Reply& reply)
{
    return reply.code >= 200 && reply.code <= 299;
}

// A parsed value, or the Reply that refuses the input. The interface follows core/result.hpp.
template <typename T>
class [[nodiscard]] Parsed {
public:
    Parsed(const T& value) : state_(std::in_place_index<0>, value) {}
    Parsed(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}
    Parsed(Reply refusal) : state_(std::in_place_index<1>, std::move(refusal)) {}

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() &
    {
        HARBOR_ASSERT(has_value());
        return std::get<0>(state_);
    }
    const T& value() const&
    {
        HARBOR_ASSERT(has_value());
        return std::get<0>(state_);
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Reply& error() const&
    {
        HARBOR_ASSERT(!has_value());
        return std::get<1>(state_);
    }

private:
    std::variant<T, Reply> state_;
};

// Parsed<void>: accepted, or the Reply that refuses.
template <>
class [[nodiscard]] Parsed<void> {
public:
    Parsed() = default;
    Parsed(Reply refusal) : refusal_(std::move(refusal)), failed_(true) {}

    bool has_value() const { return !failed_; }
    explicit operator bool() const { return has_value(); }
    const Reply& error() const&
    {
        HARBOR_ASSERT(failed_);
        return refusal_;
    }

private:
    Reply refusal_;
    bool failed_ = false;
};

// Propagates a refusal from the enclosing function: HARBOR_TRY_PARSE(expr);
#define HARBOR_TRY_PARSE(expr)                                 \
    do {                                                       \
        if (auto&& harbor_parsed_ = (expr); !harbor_parsed_) { \
            return harbor_parsed_.error();                     \
        }                                                      \
    } while (false)

}  // namespace harbor::smtp
