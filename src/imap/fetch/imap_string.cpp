// IMAP string forms (RFC 9051 §4.3, §4.5; RFC 3516 §4.1), see imap_string.hpp.
#include "imap/fetch/imap_string.hpp"

#include <algorithm>

namespace harbor::imap {
namespace {

bool quotable(std::string_view value)
{
    if (value.size() > max_quoted_length) {
        return false;
    }
    // RFC 9051 §4.3: QUOTED-CHAR is TEXT-CHAR (no CR, LF, NUL); 8-bit only under UTF8=ACCEPT,
    // so an IMAP4rev1 client never sees raw 8-bit outside a literal.
    return std::all_of(value.begin(), value.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte != 0 && byte != '\r' && byte != '\n' && byte < 0x80;
    });
}

void append_literal_header(std::string& out, std::string_view prefix, std::size_t size)
{
    out += prefix;
    out += '{';
    out += std::to_string(size);
    out += "}\r\n";
}

}  // namespace

void append_string(std::string& out, std::string_view value)
{
    if (quotable(value)) {
        out += '"';
        for (char c : value) {
            if (c == '"' || c == '\\') {
                out += '\\';  // RFC 9051 §4.3 quoted-specials
            }
            out += c;
        }
        out += '"';
        return;
    }
    append_literal_header(out, "", value.size());
    const std::size_t start = out.size();
    out += value;
    std::replace(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), '\0', '\x80');
}

void append_nstring(std::string& out, std::optional<std::string_view> value)
{
    if (!value) {
        append_nil(out);
        return;
    }
    append_string(out, *value);
}

void append_nil(std::string& out)
{
    out += "NIL";
}

void append_binary(std::string& out, std::string_view bytes)
{
    const bool has_nul = bytes.find('\0') != std::string_view::npos;
    append_literal_header(out, has_nul ? "~" : "", bytes.size());
    out += bytes;
}

std::string format_string(std::string_view value)
{
    std::string out;
    append_string(out, value);
    return out;
}

}  // namespace harbor::imap
