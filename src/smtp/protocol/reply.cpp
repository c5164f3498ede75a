// SMTP reply formatting: RFC 5321 §4.2 (reply-line), RFC 2034 §3 (the enhanced code on every
// line), RFC 3463 §2 (status code syntax).
// SECURITY: text is sanitised to printable ASCII and every line is capped at max_reply_line.
#include "smtp/protocol/reply.hpp"

namespace harbor::smtp {
namespace {

// textstring = 1*(%d09 / %d32-126) (RFC 5321 §4.2); anything else becomes '?'.
char reply_text_char(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\t' || (byte >= 32 && byte <= 126)) {
        return c;
    }
    return '?';
}

// "0" or 1-3 digits without a leading zero, value up to 999 (RFC 3463 §2: subject and detail
// are 1*3digit; "Leading zeros are not allowed").
bool is_status_number(std::string_view digits)
{
    if (digits.empty() || digits.size() > 3) {
        return false;
    }
    if (digits.size() > 1 && digits.front() == '0') {
        return false;
    }
    for (const char c : digits) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string reply_line(const Reply& reply)
{
    std::string line = std::to_string(reply.code);
    if (!reply.enhanced.empty()) {
        line += " " + reply.enhanced;
    }
    if (!reply.text.empty()) {
        line += " ";
        for (char c : reply.text) {
            line += c == '\n' || c == '\r' ? ' ' : c;
        }
    }
    return line;
}

std::string format_reply(const Reply& reply)
{
    HARBOR_ASSERT(reply.code >= 200 && reply.code <= 599);
    const std::string code = std::to_string(reply.code);
    std::string out;
    std::size_t start = 0;
    while (true) {
        const std::size_t newline = reply.text.find('\n', start);
        const bool last = newline == std::string::npos;
        const std::string_view line =
            std::string_view(reply.text).substr(start, last ? std::string::npos : newline - start);

        std::string wire = code;
        // Reply-code [ SP textstring ] on the last line: no lone trailing space (§4.2).
        if (!last) {
            wire += '-';
        } else if (!reply.enhanced.empty() || !line.empty()) {
            wire += ' ';
        }
        if (!reply.enhanced.empty()) {
            wire += reply.enhanced;
            if (!line.empty()) {
                wire += ' ';
            }
        }
        // Truncate so that the line with its CRLF stays within max_reply_line (§4.5.3.1.5).
        for (const char c : line) {
            if (wire.size() + 2 >= max_reply_line) {
                break;
            }
            wire += reply_text_char(c);
        }
        out += wire;
        out += "\r\n";
        if (last) {
            break;
        }
        start = newline + 1;
    }
    return out;
}

bool is_well_formed_enhanced(std::string_view enhanced)
{
    // status-code = class "." subject "." detail; class = "2" / "4" / "5" (RFC 3463 §2).
    if (enhanced.size() < 5 || enhanced[1] != '.') {
        return false;
    }
    if (enhanced[0] != '2' && enhanced[0] != '4' && enhanced[0] != '5') {
        return false;
    }
    const std::string_view rest = enhanced.substr(2);
    const std::size_t dot = rest.find('.');
    if (dot == std::string_view::npos) {
        return false;
    }
    return is_status_number(rest.substr(0, dot)) && is_status_number(rest.substr(dot + 1));
}

bool is_error_reply(const Reply& reply)
{
    if (reply.code < 400 || reply.code > 599) {
        return false;
    }
    if (!is_well_formed_enhanced(reply.enhanced)) {
        return false;
    }
    // The class of the enhanced code agrees with the reply code (RFC 3463 §2, RFC 2034 §3).
    return reply.enhanced[0] == static_cast<char>('0' + reply.code / 100);
}

}  // namespace harbor::smtp
