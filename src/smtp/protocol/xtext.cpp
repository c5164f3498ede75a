// xtext encoding and decoding: RFC 3461 §4 ("xtext = *( xchar / hexchar )").
// SECURITY: strict single pass over bounded parameter values; output <= input in length.
#include "smtp/protocol/xtext.hpp"

namespace harbor::smtp {
namespace {

// xchar = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except for "+" and "=".
bool is_xchar(char c)
{
    return c >= '!' && c <= '~' && c != '+' && c != '=';
}

// hexchar = "+" followed by two upper case hexadecimal digits (RFC 3461 §4).
int upper_hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::optional<std::string> decode_xtext(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = upper_hex_value(text[i + 1]);
            const int low = upper_hex_value(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
            continue;
        }
        if (!is_xchar(c)) {
            return std::nullopt;
        }
        out += c;
    }
    return out;
}

std::string encode_xtext(std::string_view bytes)
{
    constexpr std::string_view hex_digits = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size());
    for (const char c : bytes) {
        if (is_xchar(c)) {
            out += c;
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        out += '+';
        out += hex_digits[byte >> 4];
        out += hex_digits[byte & 0x0F];
    }
    return out;
}

}  // namespace harbor::smtp
