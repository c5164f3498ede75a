// ASCII case for protocol tokens (header and parameter names, SMTP verbs, SASL mechanisms,
// domains): locale-free, bytes >= 0x80 untouched (RFC 5234 §2.3: ABNF strings are
// case-insensitive in ASCII only). The one place for these; modules do not keep their own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace harbor {

// RFC 5234 Appendix B.1 core rules.
constexpr bool is_ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

constexpr bool is_ascii_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

// No byte of `bytes` is 0x80 or above. Blocks of 64 bytes are ORed together without an early
// exit, a loop compilers vectorise: message bodies of 100 KiB pass through here.
constexpr bool is_ascii(std::string_view bytes)
{
    constexpr std::size_t block = 64;
    std::size_t i = 0;
    for (; i + block <= bytes.size(); i += block) {
        unsigned char seen = 0;
        for (std::size_t j = 0; j < block; ++j) {
            seen |= static_cast<unsigned char>(bytes[i + j]);
        }
        if (seen >= 0x80) {
            return false;
        }
    }
    for (; i < bytes.size(); ++i) {
        if (static_cast<unsigned char>(bytes[i]) >= 0x80) {
            return false;
        }
    }
    return true;
}

// `text` without the WSP at either end.
constexpr std::string_view trim_wsp(std::string_view text)
{
    while (!text.empty() && is_wsp(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_wsp(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

constexpr char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr char ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

// In one pass the compiler can vectorise (no push_back): folds 100 KiB message bodies.
inline std::string ascii_uppercase(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        c = ascii_upper(c);
    }
    return out;
}

inline std::string ascii_lowercase(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

}  // namespace harbor
