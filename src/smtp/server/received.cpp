// Received field construction. See received.hpp.
#include "smtp/server/received.hpp"

#include <vector>

#include "mime/builder/header_encoding.hpp"

namespace harbor::smtp::server {
namespace {

// Client-given words end up in a header: keep printable ASCII without parentheses or '\', so a
// HELO name cannot open or close a comment or fold the field (RFC 5322 §3.2.2 ccontent).
// UTF-8 bytes are kept where allowed: an SMTPUTF8 transaction's addresses, already validated
// by the path parser (RFC 6531 §3.7.3 lets the trace fields carry them).
std::string printable(std::string_view text, bool spaces = false, bool utf8 = false)
{
    constexpr std::size_t max_length = 255;
    std::string out;
    for (const char c : text.substr(0, max_length)) {
        const auto byte = static_cast<unsigned char>(c);
        const bool ok = (byte > 32 && byte < 127 && c != '(' && c != ')' && c != '\\' &&
                         c != ';') ||
                        (spaces && c == ' ') || (utf8 && byte >= 0x80);
        out += ok ? c : '?';
    }
    return out.empty() ? "unknown" : out;
}

}  // namespace

std::string with_protocol(const ReceivedInfo& info)
{
    if (!info.esmtp) {
        return "SMTP";
    }
    std::string type = info.smtputf8 ? "UTF8SMTP" : "ESMTP";
    if (!info.tls.empty()) {
        type += 'S';
    }
    if (!info.authenticated.empty()) {
        type += 'A';
    }
    return type;
}

std::string received_field(const ReceivedInfo& info)
{
    std::vector<std::string> parts;
    // RFC 5321 §4.4 TCP-info is an address-literal; §4.1.3 tags IPv6 ones "IPv6:".
    const bool ipv6 = info.peer_ip.find(':') != std::string::npos;
    parts.push_back("from " + printable(info.helo) + " ([" + (ipv6 ? "IPv6:" : "") +
                    printable(info.peer_ip) + "])");
    parts.push_back("by " + printable(info.hostname) + " (Harbor)");
    parts.push_back("with " + with_protocol(info));
    if (!info.tls.empty()) {
        parts.push_back("(" + printable(info.tls, true) + ")");
    }
    if (!info.authenticated.empty()) {
        parts.push_back("(authenticated as " + printable(info.authenticated, false, info.smtputf8) +
                        ")");
    }
    parts.push_back("id " + printable(info.id));
    if (!info.recipient.empty()) {
        parts.push_back("for <" + printable(info.recipient, false, info.smtputf8) + ">");
    }
    std::string field = "Received:";
    std::size_t line = field.size();
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string part = parts[i];
        if (i + 1 == parts.size()) {
            part += ';';
        }
        if (line + 1 + part.size() > 78 && line > 9) {
            field += "\r\n\t";
            line = 8;
        } else {
            field += ' ';
            ++line;
        }
        field += part;
        line += part.size();
    }
    field += "\r\n\t" + mime::format_date(info.unix_seconds, 0) + "\r\n";
    return field;
}

}  // namespace harbor::smtp::server
