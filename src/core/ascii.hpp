// ASCII case for protocol tokens (header and parameter names, SMTP verbs, SASL mechanisms,
// domains): locale-free, bytes >= 0x80 untouched (RFC 5234 §2.3: ABNF strings are
// case-insensitive in ASCII only). The one place for these; modules do not keep their own.
#pragma once

#include <string>
#include <string_view>

namespace harbor {

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

inline std::string ascii_lowercase(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

}  // namespace harbor
