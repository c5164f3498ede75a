// Quoted-printable (RFC 2045 §6.7) and RFC 2047 §4.2 "Q". See quoted_printable.hpp.
// SECURITY: untrusted input; single pass, output at most twice the (bounded) input.
#include "core/quoted_printable.hpp"

#include <string_view>

#include "core/ascii.hpp"

namespace harbor {
namespace {

constexpr std::string_view hex_upper = "0123456789ABCDEF";

int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;  // RFC 2045 §6.7 rule 1 wants upper case; readers accept lower
    }
    return -1;
}

// Decodes "=XY" at text[i] (text[i] == '='); returns the byte or -1.
int escaped_byte(std::string_view text, std::size_t i)
{
    if (i + 2 >= text.size()) {
        return -1;
    }
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) {
        return -1;
    }
    return high * 16 + low;
}

void append_escape(std::string& out, unsigned char byte)
{
    out += '=';
    out += hex_upper[byte >> 4];
    out += hex_upper[byte & 0x0f];
}

}  // namespace

QpDecoded decode_quoted_printable(std::string_view text, MimeDecodeLimits limits)
{
    QpDecoded result;
    result.truncated = text.size() > limits.max_input;
    text = text.substr(0, limits.max_input);
    result.bytes.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        // One line: [i, end) without its break; the break is CRLF, a bare LF, or end of text.
        std::size_t end = text.find('\n', i);
        const bool has_break = end != std::string_view::npos;
        if (!has_break) {
            end = text.size();
        }
        std::size_t next = has_break ? end + 1 : end;
        if (has_break && end > i && text[end - 1] == '\r') {
            --end;
        }
        // Rule 3: whitespace at the end of an encoded line was added in transport; drop it.
        while (end > i && is_wsp(text[end - 1])) {
            --end;
        }
        // Rule 5: a final "=" is a soft line break (end of text included).
        const bool soft = end > i && text[end - 1] == '=';
        if (soft) {
            --end;
        }
        for (std::size_t j = i; j < end; ++j) {
            const char c = text[j];
            if (c != '=') {
                result.bytes += c;
                continue;
            }
            const int byte = j + 2 < end ? escaped_byte(text, j) : -1;
            if (byte < 0) {
                result.saw_invalid = true;  // kept literally, as readers display it
                result.bytes += c;
                continue;
            }
            result.bytes += static_cast<char>(byte);
            j += 2;
        }
        if (has_break && !soft) {
            result.bytes += "\r\n";  // RFC 2045 §6.7 rule 4: a hard break is CRLF
        }
        i = next;
    }
    return result;
}

QpDecoded decode_q_encoding(std::string_view text, MimeDecodeLimits limits)
{
    QpDecoded result;
    result.truncated = text.size() > limits.max_input;
    text = text.substr(0, limits.max_input);
    result.bytes.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') {
            result.bytes += ' ';  // RFC 2047 §4.2 (2): "_" is SP whatever the charset
            continue;
        }
        if (c != '=') {
            result.bytes += c;
            continue;
        }
        const int byte = i + 2 < text.size() ? escaped_byte(text, i) : -1;
        if (byte < 0) {
            result.saw_invalid = true;
            result.bytes += c;
            continue;
        }
        result.bytes += static_cast<char>(byte);
        i += 2;
    }
    return result;
}

std::string encode_quoted_printable(std::string_view bytes)
{
    constexpr std::size_t max_body = mime_max_line - 1;  // room for the soft-break "="
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    std::size_t line_length = 0;
    bool line_start = true;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        if (byte == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
            out += "\r\n";  // rule 4: a line break of the text stays a line break
            ++i;
            line_length = 0;
            line_start = true;
            continue;
        }
        const bool at_line_end = i + 1 == bytes.size() ||
                                 (bytes[i + 1] == '\r' && i + 2 < bytes.size() &&
                                  bytes[i + 2] == '\n');
        bool escape = byte == '=' || byte > 126 || (byte < 33 && byte != ' ' && byte != '\t');
        // Rule 3: trailing whitespace would be stripped by the decoder, so encode it.
        escape = escape || ((byte == ' ' || byte == '\t') && at_line_end);
        // A lone "." ends SMTP DATA, "From " starts a new mbox message (RFC 2049 §3 (8)).
        escape = escape || (line_start && byte == '.') ||
                 (line_start && bytes.substr(i, 5) == "From ");
        const std::size_t width = escape ? 3 : 1;
        if (line_length + width > max_body) {
            out += "=\r\n";  // rule 5: soft line break
            line_length = 0;
            if (!escape && (byte == '.' || bytes.substr(i, 5) == "From ")) {
                escape = true;  // the soft break made this the start of a line
            }
        }
        if (escape) {
            append_escape(out, byte);
            line_length += 3;
        } else {
            out += static_cast<char>(byte);
            line_length += 1;
        }
        line_start = false;
    }
    return out;
}

std::string encode_q_encoding(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size() * 3);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        const bool alnum = (byte >= '0' && byte <= '9') || (byte >= 'A' && byte <= 'Z') ||
                           (byte >= 'a' && byte <= 'z');
        if (byte == ' ') {
            out += '_';
        } else if (alnum || byte == '!' || byte == '*' || byte == '+' || byte == '-' ||
                   byte == '/') {
            out += c;  // RFC 2047 §5 (3): the characters safe in any position
        } else {
            append_escape(out, byte);
        }
    }
    return out;
}

}  // namespace harbor
