// SMTP command line splitting and the EHLO/HELO, BDAT and AUTH arguments: RFC 5321 §2.4,
// §4.1.1, §4.5.3.1.4; RFC 3030 §2; RFC 4954 §4; RFC 4422 §3.1.
// SECURITY: untrusted lines; the length limit is checked before any other work, every byte is
// classified once, numbers are range-checked digit by digit (no overflow), and base64 goes
// through the strict decoder of core/base64.
#include "smtp/protocol/command.hpp"

#include <algorithm>
#include <array>

#include "core/base64.hpp"
#include "directory/address.hpp"
#include "smtp/protocol/ascii.hpp"

namespace harbor::smtp {
namespace {

struct VerbEntry {
    std::string_view name;
    Verb verb;
};

constexpr std::array<VerbEntry, 14> verb_table = {{
    {"EHLO", Verb::Ehlo},
    {"HELO", Verb::Helo},
    {"MAIL", Verb::Mail},
    {"RCPT", Verb::Rcpt},
    {"DATA", Verb::Data},
    {"BDAT", Verb::Bdat},
    {"RSET", Verb::Rset},
    {"NOOP", Verb::Noop},
    {"QUIT", Verb::Quit},
    {"HELP", Verb::Help},
    {"VRFY", Verb::Vrfy},
    {"EXPN", Verb::Expn},
    {"STARTTLS", Verb::Starttls},
    {"AUTH", Verb::Auth},
}};

// Requests of other protocols that reach port 25 from browsers, proxies abusing the server as
// an HTTP proxy, and misconfigured POP3 clients (SECURITY-CASES A.8; Postfix's
// smtpd_forbidden_commands has CONNECT, GET and POST).
constexpr std::array<std::string_view, 12> forbidden_verbs = {
    "CONNECT", "GET",  "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH",
    "PRI",  // HTTP/2 connection preface "PRI * HTTP/2.0"
    "USER",    "PASS",
};

// Line length increases of the MAIL and RCPT parameters (RFC 5321 §4.5.3.1.4: "SMTP extensions
// may be used to increase this limit").
constexpr std::size_t size_parameter_increase = 26;        // RFC 1870
constexpr std::size_t body_parameter_increase = 16;        // " BODY=BINARYMIME"
constexpr std::size_t smtputf8_parameter_increase = 10;    // RFC 6531
constexpr std::size_t dsn_mail_increase = 100;             // RFC 3461: RET and ENVID
constexpr std::size_t dsn_rcpt_increase = 500;             // RFC 3461: NOTIFY and ORCPT
constexpr std::size_t auth_parameter_increase = 500;       // RFC 4954 §5
constexpr std::size_t requiretls_parameter_increase = 11;  // " REQUIRETLS"

Reply syntax_error(std::string text)
{
    return Reply{500, "5.5.2", std::move(text)};  // RFC 5321 §4.2.2, RFC 3463 §3.6
}

Reply argument_error(std::string text)
{
    return Reply{501, "5.5.4", std::move(text)};  // RFC 3463 §3.6 "invalid command arguments"
}

bool is_white_space(char c)
{
    return c == ' ' || c == '\t';
}

// Non-SMTP lines: a first byte that is not a letter (binary protocols such as a TLS
// ClientHello start with 0x16), a known foreign verb, or a message header label "Name:"
// (no SMTP verb contains ':').
bool is_forbidden_verb(std::string_view verb)
{
    if (verb.empty() || !is_ascii_alpha(verb.front())) {
        return true;
    }
    if (verb.find(':') != std::string_view::npos) {
        return true;
    }
    for (const std::string_view forbidden : forbidden_verbs) {
        if (ascii::iequals(verb, forbidden)) {
            return true;
        }
    }
    return false;
}

bool takes_no_argument(Verb verb)
{
    return verb == Verb::Data || verb == Verb::Rset || verb == Verb::Quit || verb == Verb::Starttls;
}

bool requires_argument(Verb verb)
{
    return verb == Verb::Ehlo || verb == Verb::Helo || verb == Verb::Mail || verb == Verb::Rcpt ||
           verb == Verb::Bdat || verb == Verb::Vrfy || verb == Verb::Expn || verb == Verb::Auth;
}

// Which commands may carry UTF-8 at this layer: MAIL and RCPT (path.hpp answers 553 5.6.7
// itself, RFC 6531 §3.5) and VRFY/EXPN once SMTPUTF8 is offered (RFC 6531 §3.7.4).
bool may_carry_utf8(Verb verb, const Extensions& extensions)
{
    if (verb == Verb::Mail || verb == Verb::Rcpt) {
        return true;
    }
    return (verb == Verb::Vrfy || verb == Verb::Expn) && extensions.smtputf8;
}

bool is_sasl_mechanism_char(char c)
{
    // sasl-mech chars are upper-case letters, digits, '-' and '_' (RFC 4422 §3.1); the name
    // is compared case-insensitively, so lower case is accepted and folded.
    return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-' || c == '_';
}

}  // namespace

std::string_view verb_name(Verb verb)
{
    for (const VerbEntry& entry : verb_table) {
        if (entry.verb == verb) {
            return entry.name;
        }
    }
    return "FORBIDDEN";
}

std::size_t command_line_limit(Verb verb, const Extensions& extensions)
{
    std::size_t limit = max_command_line;
    if (verb == Verb::Mail) {
        limit += extensions.size ? size_parameter_increase : 0;
        limit += (extensions.eightbitmime || extensions.binarymime) ? body_parameter_increase : 0;
        limit += extensions.smtputf8 ? smtputf8_parameter_increase : 0;
        limit += extensions.dsn ? dsn_mail_increase : 0;
        limit += extensions.auth ? auth_parameter_increase : 0;
        limit += extensions.requiretls ? requiretls_parameter_increase : 0;
    } else if (verb == Verb::Rcpt) {
        limit += extensions.dsn ? dsn_rcpt_increase : 0;
    } else if (verb == Verb::Auth) {
        limit = max_auth_command_line;
    }
    return limit;
}

Parsed<Command> parse_command(std::string_view line, const Extensions& extensions)
{
    // RFC 5321 §4.1.1: tolerate trailing white space before the CRLF.
    while (!line.empty() && is_white_space(line.back())) {
        line.remove_suffix(1);
    }
    if (line.empty()) {
        return syntax_error("Error: bad syntax");
    }
    // The verb ends at the first space (RFC 5321 §4.1.1: verb SP argument).
    const std::size_t verb_end = std::min(line.find(' '), line.size());
    const std::string_view verb_text = line.substr(0, verb_end);
    if (is_forbidden_verb(verb_text)) {
        return Command{Verb::Forbidden, {}};
    }

    Verb verb = Verb::Noop;
    bool known = false;
    for (const VerbEntry& entry : verb_table) {
        if (ascii::iequals(verb_text, entry.name)) {
            verb = entry.verb;
            known = true;
            break;
        }
    }
    // Limit before content: a line that is too long is refused whatever it holds (§4.5.3.1.10
    // "500 Line too long"). The limit of an unknown verb is the base one.
    if (line.size() + 2 > command_line_limit(verb, extensions)) {
        return syntax_error("Error: line too long");
    }
    if (line.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos) {
        // A NUL is never valid; a CR or LF here is a bare one (the session removed the CRLF),
        // which is how SMTP smuggling starts (SECURITY-CASES A.4).
        return syntax_error("Error: NUL, bare CR or bare LF in command");
    }
    if (!known) {
        // RFC 3463 §3.6: X.5.1 "Invalid command" (5.5.2 is a syntax error in a known one).
        return Reply{500, "5.5.1", "Error: command not recognized"};
    }

    std::string_view argument = line.substr(verb_end);
    while (!argument.empty() && argument.front() == ' ') {
        argument.remove_prefix(1);
    }
    if (!may_carry_utf8(verb, extensions) && ascii::has_non_ascii(argument)) {
        return syntax_error("Error: non-ASCII character in command");
    }
    if (takes_no_argument(verb) && !argument.empty()) {
        return argument_error("Syntax: " + std::string(verb_name(verb)));
    }
    if (requires_argument(verb) && argument.empty()) {
        return argument_error("Syntax: " + std::string(verb_name(verb)) + " needs an argument");
    }
    return Command{verb, std::string(argument)};
}

Reply forbidden_command_reply()
{
    // 221 closes the session politely; 2.7.0 "other or undefined security status"
    // (RFC 3463 §3.8), as Postfix answers smtpd_forbidden_commands.
    return Reply{221, "2.7.0", "Error: not an SMTP command; goodbye"};
}

Parsed<Helo> parse_helo(std::string_view argument)
{
    const std::size_t end = std::min(argument.find_first_of(" \t"), argument.size());
    const std::string_view name = argument.substr(0, end);
    if (name.empty()) {
        return argument_error("Syntax: EHLO hostname");
    }
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 33 || byte > 126) {
            // RFC 6531 §3.7.1: the EHLO name is ASCII (A-labels), SMTPUTF8 or not.
            return argument_error("Syntax: EHLO hostname (printable ASCII)");
        }
    }

    Helo helo;
    helo.name = std::string(name);
    if (name.front() == '[') {
        // Reuse the address literal rules of directory/address (RFC 5321 §4.1.3).
        Result<directory::Address> literal = directory::parse_address("postmaster@" + helo.name);
        if (literal && literal->is_literal) {
            helo.form = HeloForm::AddressLiteral;
            helo.domain = literal->domain;
        }
        return helo;
    }
    if (Result<std::string> domain = directory::normalize_domain(name); domain) {
        helo.form = HeloForm::Domain;
        helo.domain = std::move(*domain);
    }
    return helo;
}

Parsed<Bdat> parse_bdat(std::string_view argument, const Extensions& extensions)
{
    const std::size_t space = std::min(argument.find(' '), argument.size());
    const std::optional<ascii::Decimal> size = ascii::parse_decimal(argument.substr(0, space));
    if (!size) {
        return argument_error("Syntax: BDAT chunk-size [LAST]");
    }
    Bdat bdat;
    bdat.size = size->value;
    if (space < argument.size()) {
        std::string_view marker = argument.substr(space);
        while (!marker.empty() && marker.front() == ' ') {
            marker.remove_prefix(1);
        }
        if (!ascii::iequals(marker, "LAST")) {
            return argument_error("Syntax: BDAT chunk-size [LAST]");
        }
        bdat.last = true;
    }
    if (size->overflow ||
        (extensions.max_message_size != 0 && bdat.size > extensions.max_message_size)) {
        return Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"};
    }
    return bdat;
}

Parsed<AuthCommand> parse_auth(std::string_view argument)
{
    const std::size_t space = std::min(argument.find(' '), argument.size());
    const std::string_view mechanism = argument.substr(0, space);
    if (mechanism.empty() || mechanism.size() > max_sasl_mechanism) {
        return argument_error("Syntax: AUTH mechanism [initial-response]");
    }
    for (const char c : mechanism) {
        if (!is_sasl_mechanism_char(c)) {
            return argument_error("Syntax: AUTH mechanism [initial-response]");
        }
    }
    AuthCommand auth;
    auth.mechanism = ascii::upper(mechanism);
    if (space == argument.size()) {
        return auth;
    }
    const std::string_view response = argument.substr(space + 1);
    if (response.find(' ') != std::string_view::npos || response.empty()) {
        return argument_error("Syntax: AUTH mechanism [initial-response]");
    }
    if (response == "=") {
        auth.initial_response = std::string();  // RFC 4954 §4: "=" is an empty response
        return auth;
    }
    Result<std::string> decoded = decode_base64(response);
    if (!decoded) {
        return Reply{501, "5.5.2", "Cannot decode the initial response"};  // RFC 4954 §4
    }
    auth.initial_response = std::move(*decoded);
    return auth;
}

}  // namespace harbor::smtp
