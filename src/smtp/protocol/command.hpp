// SMTP command lines: the verb and its argument (RFC 5321 §2.4, §4.1.1), the line length limit
// (§4.5.3.1.4) and the arguments of EHLO/HELO (§4.1.1.1), BDAT (RFC 3030 §2) and AUTH
// (RFC 4954 §4). MAIL and RCPT arguments are parsed by smtp/protocol/path.hpp.
// SECURITY: every line is untrusted. parse_command() checks the length limit first and looks at
// each byte once; lines that are not SMTP at all (HTTP, POP3, header labels, binary such as a TLS
// ClientHello) are classified as Verb::Forbidden so the session can close without echoing them,
// as Postfix's smtpd_forbidden_commands does. Fuzzed by fuzz_smtp_command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/protocol/extensions.hpp"
#include "smtp/protocol/reply.hpp"

namespace harbor::smtp {

inline constexpr std::size_t max_command_line = 512;  // RFC 5321 §4.5.3.1.4, with the CRLF
// AUTH lines carry a base64 initial response; Harbor accepts them up to the SASL response line
// length of RFC 4954 §4 (the base limit may be raised by extensions, §4.5.3.1.4).
inline constexpr std::size_t max_auth_command_line = 12288;
inline constexpr std::size_t max_sasl_mechanism = 20;  // RFC 4422 §3.1: 1*20 characters

enum class Verb {
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Help,
    Vrfy,
    Expn,
    Starttls,
    Auth,
    // Not SMTP: HTTP or proxy requests, POP3/IMAP commands, a message header line, binary.
    // The session answers forbidden_command_reply() and closes the connection.
    Forbidden,
};

std::string_view verb_name(Verb verb);

struct Command {
    Verb verb = Verb::Noop;
    // Everything after the verb and its separating space(s), trailing white space removed
    // (RFC 5321 §4.1.1: receivers SHOULD tolerate trailing white space). Empty for Forbidden.
    std::string argument;
};

// The longest line accepted for verb, CRLF included: 512, raised for MAIL and RCPT by the
// advertised extensions whose parameters lengthen them, and max_auth_command_line for AUTH.
std::size_t command_line_limit(Verb verb, const Extensions& extensions);

// One command line without its CRLF. Refusals (all 500 5.5.2 unless noted):
//   empty line; NUL, CR or LF in the line (a bare CR or LF, SECURITY-CASES A.4); longer than
//   command_line_limit(); unrecognised verb; a byte >= 0x80 where the command cannot carry
//   UTF-8 (anything but MAIL and RCPT, whose addresses path.hpp judges, and VRFY/EXPN when
//   SMTPUTF8 is advertised, RFC 6531 §3.7.4); an argument given to DATA, RSET, QUIT or STARTTLS
//   (501 5.5.4); no argument where one is required (501 5.5.4).
Parsed<Command> parse_command(std::string_view line, const Extensions& extensions);

// What the session sends before closing on Verb::Forbidden (Postfix: "221 2.7.0 Error: I can
// break rules, too. Goodbye."); it does not echo the line.
Reply forbidden_command_reply();

enum class HeloForm {
    Domain,          // a syntactically valid domain (RFC 5321 §4.1.2), normalised in `domain`
    AddressLiteral,  // "[192.0.2.1]" or "[IPv6:...]" (§4.1.3), normalised in `domain`
    Other,           // anything else: accepted, as Postfix does by default, but not a name
};

struct Helo {
    std::string name;  // the first word of the argument, as written (printable ASCII)
    HeloForm form = HeloForm::Other;
    std::string domain;  // lower-case A-label domain or canonical literal; empty for Other
};

// EHLO/HELO argument (RFC 5321 §4.1.1.1). Lenient: any printable ASCII word is accepted and
// classified; words after the first are ignored. Empty: 501 5.5.4.
Parsed<Helo> parse_helo(std::string_view argument);

struct Bdat {
    std::uint64_t size = 0;  // octets of the chunk that follows the command line
    bool last = false;       // end-marker "LAST"
};

// bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ]; chunk-size = 1*DIGIT (RFC 3030 §2).
// Malformed: 501 5.5.4 (the session cannot know how many octets follow and must close).
// A size that does not fit in 64 bits, or exceeds extensions.max_message_size when that is set:
// 552 5.3.4 (RFC 3463 §3.4 "message too big for system").
Parsed<Bdat> parse_bdat(std::string_view argument, const Extensions& extensions);

struct AuthCommand {
    std::string mechanism;  // upper case (SASL mechanism names are case-insensitive)
    // The decoded initial response: nullopt when absent, empty for "=" (RFC 4954 §4).
    std::optional<std::string> initial_response;
};

// "AUTH" SP sasl-mech [SP initial-response] (RFC 4954 §4); sasl-mech is 1*20 of upper-case
// letters, digits, '-' and '_' (RFC 4422 §3.1), accepted in any case. Bad mechanism syntax or
// extra words: 501 5.5.4; initial response that is not base64: 501 5.5.2 (RFC 4954 §4).
Parsed<AuthCommand> parse_auth(std::string_view argument);

}  // namespace harbor::smtp
