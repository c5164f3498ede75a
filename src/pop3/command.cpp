// POP3 command line parsing (RFC 1939 §3, RFC 2449 §3). See command.hpp.
// SECURITY: see command.hpp; every argument is checked before it is returned.
#include "pop3/command.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace harbor::pop3 {
namespace {

struct VerbInfo {
    std::string_view name;
    Verb verb;
    std::size_t min_args;
    std::size_t max_args;
};

constexpr std::array<VerbInfo, 14> verbs{{
    {"USER", Verb::User, 1, 1},
    {"PASS", Verb::Pass, 1, 1},
    {"AUTH", Verb::Auth, 0, 2},  // RFC 5034 §4; no argument: the mechanism list (RFC 1734)
    {"STLS", Verb::Stls, 0, 0},
    {"CAPA", Verb::Capa, 0, 0},
    {"QUIT", Verb::Quit, 0, 0},
    {"STAT", Verb::Stat, 0, 0},
    {"LIST", Verb::List, 0, 1},
    {"RETR", Verb::Retr, 1, 1},
    {"DELE", Verb::Dele, 1, 1},
    {"NOOP", Verb::Noop, 0, 0},
    {"RSET", Verb::Rset, 0, 0},
    {"TOP", Verb::Top, 2, 2},
    {"UIDL", Verb::Uidl, 0, 1},
}};

bool equals_ignoring_case(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(a[i])) !=
            std::toupper(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::optional<std::uint32_t> parse_decimal(std::string_view text)
{
    // At most ten digits: anything longer is out of range whatever its value.
    if (text.empty() || text.size() > 10) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > 0xffffffffULL) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(value);
}

bool has_control(std::string_view text)
{
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string_view verb_name(Verb verb)
{
    for (const VerbInfo& info : verbs) {
        if (info.verb == verb) {
            return info.name;
        }
    }
    return "?";
}

Result<Command> parse_command(std::string_view line)
{
    const std::size_t space = line.find(' ');
    const std::string_view keyword = line.substr(0, space);
    std::string_view rest =
        space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    const VerbInfo* info = nullptr;
    for (const VerbInfo& candidate : verbs) {
        if (equals_ignoring_case(keyword, candidate.name)) {
            info = &candidate;
            break;
        }
    }
    if (info == nullptr) {
        return unexpected(Errc::Unsupported, "unknown command");
    }
    if (has_control(line)) {
        return unexpected(Errc::Invalid, "control characters in the command");
    }
    Command command;
    command.verb = info->verb;
    if (info->verb == Verb::Pass) {
        // RFC 1939 §7: "the password may contain spaces": the argument is the rest of the line.
        if (space == std::string_view::npos || rest.empty()) {
            return unexpected(Errc::Invalid, "PASS needs a password");
        }
        command.args.emplace_back(rest);
        return command;
    }
    if (space != std::string_view::npos) {
        // RFC 2449 §3: arguments are separated by a single space; none may be empty.
        for (;;) {
            const std::size_t next = rest.find(' ');
            const std::string_view arg = rest.substr(0, next);
            if (arg.empty()) {
                return unexpected(Errc::Invalid, "empty argument (one space between arguments)");
            }
            if (command.args.size() == info->max_args) {
                return unexpected(Errc::Invalid, std::string(info->name) + ": too many arguments");
            }
            command.args.emplace_back(arg);
            if (next == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(next + 1);
        }
    }
    if (command.args.size() < info->min_args) {
        return unexpected(Errc::Invalid, std::string(info->name) + ": missing argument");
    }
    return command;
}

std::optional<std::uint32_t> parse_message_number(std::string_view text)
{
    std::optional<std::uint32_t> number = parse_decimal(text);
    if (!number || *number == 0) {
        return std::nullopt;
    }
    return number;
}

std::optional<std::uint32_t> parse_line_count(std::string_view text)
{
    return parse_decimal(text);
}

}  // namespace harbor::pop3
