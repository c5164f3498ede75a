// POP3 command lines (RFC 1939 §3, RFC 2449 §3): a keyword of three or four letters, any case,
// then arguments separated by single spaces. Also the numeric arguments: message numbers
// (RFC 1939 §5 "msg") and TOP's line count.
// SECURITY: the line is untrusted. The caller has bounded it (max_command_line, or the AUTH
// bound); parsing is a single pass without allocation beyond the arguments, numbers are
// range-checked digit by digit (no overflow), and every malformed form is an error, never a
// guess. Fuzzed by fuzz_pop3_command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace harbor::pop3 {

// RFC 2449 §4: a command line is at most 255 octets, CRLF included.
inline constexpr std::size_t max_command_line = 255;

enum class Verb {
    // AUTHORIZATION state (RFC 1939 §4, §7; RFC 2449 §5; RFC 2595 §4; RFC 5034 §4)
    User,
    Pass,
    Auth,
    Stls,
    Capa,
    Quit,
    // TRANSACTION state (RFC 1939 §5, §7)
    Stat,
    List,
    Retr,
    Dele,
    Noop,
    Rset,
    Top,
    Uidl,
};

struct Command {
    Verb verb = Verb::Noop;
    // PASS: one argument, the rest of the line (RFC 1939 §7: a password may hold spaces).
    std::vector<std::string> args;
};

// Errc::Unsupported for an unknown keyword (APOP included: Harbor keeps no plaintext
// passwords to compute its digest), Errc::Invalid with the reason for a known keyword with
// the wrong arguments.
Result<Command> parse_command(std::string_view line);

std::string_view verb_name(Verb verb);  // "RETR"

// A message number: decimal digits only, 1 to 4294967295 (RFC 1939 §5). nullopt otherwise
// ("0", "-1", "+1", "1x", "4294967296", "").
std::optional<std::uint32_t> parse_message_number(std::string_view text);
// TOP's line count: a non-negative decimal (RFC 1939 §7), capped at 4294967295.
std::optional<std::uint32_t> parse_line_count(std::string_view text);

}  // namespace harbor::pop3
