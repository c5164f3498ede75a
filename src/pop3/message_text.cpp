// The POP3 form of a message: CRLF line ends, sizes and byte-stuffing (RFC 1939 §3). See
// message_text.hpp.
// SECURITY: see message_text.hpp.
#include "pop3/message_text.hpp"

#include <cstring>

namespace harbor::pop3 {

std::uint64_t pop3_size(std::string_view message)
{
    std::uint64_t size = message.size();
    std::size_t pos = 0;
    while (pos < message.size()) {
        const void* found = std::memchr(message.data() + pos, '\n', message.size() - pos);
        if (found == nullptr) {
            size += 2;  // the unterminated last line gets its CRLF
            break;
        }
        const auto lf = static_cast<std::size_t>(static_cast<const char*>(found) - message.data());
        if (lf == 0 || message[lf - 1] != '\r') {
            ++size;  // a bare LF is sent as CRLF
        }
        pos = lf + 1;
    }
    return size;
}

void append_stuffed(std::string& out, std::string_view message,
                    std::optional<std::uint32_t> body_lines)
{
    out.reserve(out.size() + message.size() + message.size() / 64 + 8);
    bool in_header = true;
    std::uint32_t body_left = body_lines.value_or(0);
    std::size_t pos = 0;
    while (pos < message.size()) {
        if (body_lines && !in_header) {
            if (body_left == 0) {
                return;
            }
            --body_left;
        }
        const void* found = std::memchr(message.data() + pos, '\n', message.size() - pos);
        const std::size_t end =
            found == nullptr
                ? message.size()
                : static_cast<std::size_t>(static_cast<const char*>(found) - message.data());
        std::size_t content_end = end;
        if (found != nullptr && end > pos && message[end - 1] == '\r') {
            --content_end;  // CRLF: the CR is part of the terminator, not of the line
        }
        if (message[pos] == '.') {
            out += '.';  // RFC 1939 §3: byte-stuff a line that begins with the termination octet
        }
        out.append(message.data() + pos, content_end - pos);
        out += "\r\n";
        if (in_header && content_end == pos) {
            in_header = false;  // the blank line that ends the header (RFC 5322 §2.1)
        }
        pos = end + 1;
    }
}

}  // namespace harbor::pop3
