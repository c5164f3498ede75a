// The client side of SMTP replies: a server's reply read line by line (RFC 5321 §4.2, §4.2.1
// multi-line form), its enhanced status code (RFC 2034 §3, RFC 3463 §2), and the service
// extensions an EHLO reply lists (RFC 5321 §4.1.1.1).
// SECURITY: the lines come from a remote server and are untrusted. Each line is at most
// max_reply_line octets with its CRLF (§4.5.3.1.5; the connection enforces it when reading and
// add_line() checks it again), a reply has at most max_reply_lines lines, control characters in
// the text become '?', so a reply can be logged and quoted in a DSN. Malformed input is an
// Error (Errc::Invalid or Errc::Limit), never a crash. Fuzzed by fuzz_smtp_reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "smtp/protocol/reply.hpp"

namespace harbor::smtp {

// Harbor's bound on the lines of one reply; an EHLO reply has a dozen or two (no RFC limit).
inline constexpr std::size_t max_reply_lines = 100;
// Bounds for the AUTH keyword of an EHLO reply: mechanism names are 1*20 characters
// (RFC 4422 §3.1); no server offers more than a handful.
inline constexpr std::size_t max_auth_mechanisms = 32;

// Collects one reply from its lines, in order.
class ReplyParser {
public:
    enum class Status { NeedMore, Complete };

    // One line without its CRLF: "250-text" (more follow), "250 text" or "250" (the last).
    // Errc::Invalid: no three-digit code, a code outside 200..599, a code that differs from
    // the first line's, or a fourth octet other than '-' and ' '. Errc::Limit: a line over
    // max_reply_line octets with its CRLF, or more than max_reply_lines lines. After an error
    // or Complete, call reset() before the next reply.
    Result<Status> add_line(std::string_view line);

    // The reply once add_line() answered Complete: the lines' texts joined with '\n', the
    // enhanced code of the first line (when it is well formed and of the code's class) taken
    // off every line that starts with it.
    const Reply& reply() const { return reply_; }

    void reset();

private:
    Reply reply_;
    std::size_t lines_ = 0;
    bool complete_ = false;
};

// A whole reply from its lines (tests, the fuzzer); Errc::Invalid if the last line is not the
// final one ("250 ...") or a line follows it.
Result<Reply> parse_reply(std::span<const std::string_view> lines);

// What an EHLO reply offers (RFC 5321 §4.1.1.1: one keyword and its parameters per line after
// the first). Keywords are case-insensitive; unknown ones are ignored.
struct ServerExtensions {
    bool pipelining = false;                   // PIPELINING (RFC 2920)
    bool size = false;                         // SIZE (RFC 1870)
    std::uint64_t max_size = 0;                // its value; 0: none or unknown
    bool eightbitmime = false;                 // 8BITMIME (RFC 6152)
    bool smtputf8 = false;                     // SMTPUTF8 (RFC 6531)
    bool dsn = false;                          // DSN (RFC 3461)
    bool chunking = false;                     // CHUNKING (RFC 3030 §2)
    bool binarymime = false;                   // BINARYMIME (RFC 3030 §3)
    bool starttls = false;                     // STARTTLS (RFC 3207)
    bool requiretls = false;                   // REQUIRETLS (RFC 8689)
    bool enhancedstatuscodes = false;          // ENHANCEDSTATUSCODES (RFC 2034)
    std::vector<std::string> auth_mechanisms;  // AUTH (RFC 4954 §3), upper case

    friend bool operator==(const ServerExtensions&, const ServerExtensions&) = default;
};

// The keywords of a 250 EHLO reply (its first line, the server's name, is skipped). Pure and
// total: any text gives some ServerExtensions.
ServerExtensions parse_ehlo_keywords(const Reply& ehlo);

}  // namespace harbor::smtp
