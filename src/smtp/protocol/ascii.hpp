// Character classes shared by the smtp/protocol parsers (RFC 5234 Appendix B.1 core rules).
// Internal to smtp/protocol: not part of its public interface.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/ascii.hpp"

namespace harbor::smtp::ascii {

inline bool is_non_ascii(char c)
{
    return static_cast<unsigned char>(c) >= 0x80;
}

inline std::string upper(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        c = ascii_upper(c);
    }
    return out;
}

using harbor::iequals;  // core/ascii.hpp (RFC 5234 §2.3)

inline bool istarts_with(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

inline bool has_non_ascii(std::string_view text)
{
    for (const char c : text) {
        if (is_non_ascii(c)) {
            return true;
        }
    }
    return false;
}

struct Decimal {
    std::uint64_t value = 0;  // meaningful only without overflow
    bool overflow = false;    // more than 64 bits: callers answer "too big", not "bad syntax"
};

// 1*DIGIT: nullopt for an empty string or a non-digit; never overflows (digit-by-digit check).
inline std::optional<Decimal> parse_decimal(std::string_view digits)
{
    if (digits.empty()) {
        return std::nullopt;
    }
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    Decimal decimal;
    for (const char c : digits) {
        if (!is_ascii_digit(c)) {
            return std::nullopt;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (decimal.overflow || decimal.value > (max - digit) / 10) {
            decimal.overflow = true;
            continue;
        }
        decimal.value = decimal.value * 10 + digit;
    }
    return decimal;
}

}  // namespace harbor::smtp::ascii
