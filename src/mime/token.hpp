// RFC 2045 §5.1 token characters: printable US-ASCII except SPACE and tspecials. A table, since
// every byte of every Content-* value and parameter name passes through it (content_type.cpp,
// rfc2231.cpp).
#pragma once

#include <array>
#include <string_view>

namespace harbor::mime {

inline constexpr std::array<bool, 256> token_table = [] {
    std::array<bool, 256> table{};
    for (int c = 33; c < 127; ++c) {
        table[static_cast<std::size_t>(c)] = true;
    }
    for (const char c : std::string_view("()<>@,;:\\\"/[]?=")) {  // tspecials
        table[static_cast<unsigned char>(c)] = false;
    }
    return table;
}();

constexpr bool is_token_char(char c)
{
    return token_table[static_cast<unsigned char>(c)];
}

}  // namespace harbor::mime
