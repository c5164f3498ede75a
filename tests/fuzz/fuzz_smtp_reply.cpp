// Fuzzes the client side of SMTP replies (src/smtp/protocol/reply_parser): the input is split at
// CRLF into lines and fed to ReplyParser one line at a time, reply after reply, as the SMTP
// client reads a server; each complete reply also goes through parse_ehlo_keywords. Checks: a
// parsed reply has a code in 200..599, at most max_reply_lines lines, no CR or LF except the
// '\n' between lines, no control octets, and an enhanced code that is empty or well formed and
// of the code's class; formatting a parsed reply (format_reply, the server side) and parsing it
// again gives the same reply when the text is printable ASCII; EHLO keyword parsing never
// crashes and stays bounded.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/protocol/reply_parser.hpp"

namespace {

using namespace harbor::smtp;

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

std::vector<std::string> wire_lines(const std::string& wire)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < wire.size()) {
        const std::size_t crlf = wire.find("\r\n", start);
        check(crlf != std::string::npos);
        lines.push_back(wire.substr(start, crlf - start));
        start = crlf + 2;
    }
    return lines;
}

bool printable_ascii(std::string_view text)
{
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c != '\n' && c != '\t' && (byte < 32 || byte > 126)) {
            return false;
        }
    }
    return true;
}

void check_reply(const Reply& reply)
{
    check(reply.code >= 200 && reply.code <= 599);
    check(reply.enhanced.empty() ||
          (is_well_formed_enhanced(reply.enhanced) &&
           reply.enhanced[0] == static_cast<char>('0' + reply.code / 100)));
    std::size_t lines = 1;
    std::size_t line_length = 0;
    for (const char c : reply.text) {
        const auto byte = static_cast<unsigned char>(c);
        check(c != '\r');
        check(c == '\n' || c == '\t' || (byte >= 32 && byte != 127));
        if (c == '\n') {
            ++lines;
            line_length = 0;
        } else {
            check(++line_length + 6 <= max_reply_line);  // "ddd-" + text + CRLF
        }
    }
    check(lines <= max_reply_lines);

    // Round trip through the server-side formatter when nothing needs sanitising or cutting.
    if (printable_ascii(reply.text)) {
        const std::string wire = format_reply(reply);
        std::vector<std::string> lines_out = wire_lines(wire);
        bool cut = false;
        for (const std::string& line : lines_out) {
            cut = cut || line.size() + 2 >= max_reply_line;
        }
        if (!cut) {
            std::vector<std::string_view> views(lines_out.begin(), lines_out.end());
            harbor::Result<Reply> again = parse_reply(views);
            check(again.has_value());
            check(*again == reply);
        }
    }

    const ServerExtensions extensions = parse_ehlo_keywords(reply);
    check(extensions.auth_mechanisms.size() <= max_auth_mechanisms);
    for (const std::string& mechanism : extensions.auth_mechanisms) {
        check(!mechanism.empty() && mechanism.size() <= 20);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    ReplyParser parser;
    std::size_t start = 0;
    while (start < input.size()) {
        const std::size_t crlf = input.find("\r\n", start);
        const std::size_t end = crlf == std::string_view::npos ? input.size() : crlf;
        const harbor::Result<ReplyParser::Status> status =
            parser.add_line(input.substr(start, end - start));
        if (!status) {
            check(status.error().code == harbor::Errc::Invalid ||
                  status.error().code == harbor::Errc::Limit);
            parser.reset();  // as the client would: the session ends, a new one starts clean
        } else if (*status == ReplyParser::Status::Complete) {
            check_reply(parser.reply());
            parser.reset();
        }
        if (crlf == std::string_view::npos) {
            break;
        }
        start = crlf + 2;
    }
    return 0;
}
