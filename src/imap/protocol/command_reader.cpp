// IMAP command framing: RFC 9051 §2.2 (CRLF lines), §4.3 and §7.5 (literals and the command
// continuation request), RFC 7888 §3-§4 (LITERAL+, LITERAL-), RFC 3516 §4.3 (literal8).
// SECURITY: see command_reader.hpp. Every path that stores octets checks a limit first; the
// skip states keep only a 32-octet tail of the line they drop.
#include "imap/protocol/command_reader.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace harbor::imap {
namespace {

constexpr std::size_t skip_tail_size = 32;     // enough for "~{18446744073709551615+}"
constexpr std::size_t max_literal_digits = 19;  // below 2^63: no overflow while parsing

// ATOM-CHAR (RFC 9051 §9): CHAR except atom-specials "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]".
bool is_tag_char(char c)
{
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
        return false;
    }
    return std::string_view("(){%*\"\\+").find(c) == std::string_view::npos;
}

enum class Announcement { None, Literal, Ambiguous };

struct LiteralAnnouncement {
    Announcement kind = Announcement::None;
    std::uint64_t size = 0;
    bool non_sync = false;
    bool binary = false;
    std::size_t length = 0;  // octets of "{N}" / "~{N+}" at the end of the line
};

// Looks for literal = "{" number64 ["+"] "}" (RFC 9051 §9, RFC 7888 §8) or literal8 "~{"
// (RFC 3516 §4.3) at the end of a line without its CRLF. "{" is an atom-special, so outside a
// quoted string it can only start a literal; a '{' followed by a digit whose shape or size
// cannot be read is Ambiguous: the client may be about to send octets we cannot count.
LiteralAnnouncement find_announcement(std::string_view line)
{
    LiteralAnnouncement out;
    if (line.empty() || line.back() != '}') {
        return out;
    }
    const std::size_t open = line.rfind('{');
    if (open == std::string_view::npos || open + 1 >= line.size() - 1 ||
        !is_ascii_digit(line[open + 1])) {
        return out;
    }
    std::string_view inside = line.substr(open + 1, line.size() - open - 2);
    if (inside.back() == '+') {
        out.non_sync = true;
        inside.remove_suffix(1);
    }
    if (inside.empty() || inside.size() > max_literal_digits ||
        !std::all_of(inside.begin(), inside.end(), is_ascii_digit)) {
        out.kind = Announcement::Ambiguous;
        return out;
    }
    for (const char c : inside) {
        out.size = out.size * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out.kind = Announcement::Literal;
    out.length = line.size() - open;
    if (open > 0 && line[open - 1] == '~') {
        out.binary = true;
        ++out.length;
    }
    return out;
}

}  // namespace

std::string_view command_tag(std::string_view first_line)
{
    std::size_t end = 0;
    while (end < first_line.size() && (is_tag_char(first_line[end]) || first_line[end] == ']')) {
        ++end;
    }
    if (end == 0 || (end < first_line.size() && first_line[end] != ' ')) {
        return {};
    }
    return first_line.substr(0, end);
}

CommandReader::CommandReader(ReaderLimits limits) : limits_(limits)
{
    limits_.max_line = std::max<std::size_t>(limits_.max_line, 3);  // room for "x" CRLF
    start_command();
}

void CommandReader::start_command()
{
    command_ = RawCommand{};
    command_.pieces.push_back(Piece{});
    state_ = State::Line;
    line_length_ = 0;
    command_size_ = 0;
    literal_count_ = 0;
    literal_remaining_ = 0;
    discard_remaining_ = 0;
    discard_used_ = 0;
    skip_tail_.clear();
}

std::string CommandReader::current_tag() const
{
    if (command_.pieces.empty()) {
        return {};
    }
    const std::string& first = command_.pieces.front().data;
    // Only a first line that reached a space after the tag (a complete word) gives a tag.
    if (command_.pieces.size() == 1 && first.find(' ') == std::string::npos) {
        return {};
    }
    return std::string(command_tag(first));
}

ReadStep CommandReader::fail(std::size_t consumed, ReadError error, Recovery recovery,
                             std::string reason)
{
    failure_ = ReadFailure{error, recovery, current_tag(), std::move(reason)};
    if (recovery == Recovery::Close) {
        state_ = State::Closed;
    }
    return ReadStep{ReadStep::Kind::Failed, consumed};
}

// Drops the command being read. literal_octets > 0: a non-synchronising literal the client is
// sending anyway, read and dropped first; then the rest of its line is skipped.
void CommandReader::skip_rest_of_command(std::uint64_t literal_octets)
{
    command_ = RawCommand{};
    command_.pieces.push_back(Piece{});
    skip_tail_.clear();
    discard_remaining_ = literal_octets;
    discard_used_ += literal_octets;
    state_ = literal_octets > 0 ? State::Discard : State::SkipLine;
}

ReadStep CommandReader::end_of_line(std::size_t consumed)
{
    Piece& piece = command_.pieces.back();
    if (piece.data.empty() || piece.data.back() != '\r') {
        const std::string tag = current_tag();
        start_command();
        failure_ = ReadFailure{ReadError::BareLineFeed, Recovery::Resynchronised, tag,
                               "line not terminated by CRLF"};
        return ReadStep{ReadStep::Kind::Failed, consumed};
    }
    piece.data.pop_back();
    line_length_ = 0;
    const LiteralAnnouncement literal = find_announcement(piece.data);
    if (literal.kind == Announcement::None) {
        state_ = State::Complete;
        return ReadStep{ReadStep::Kind::Command, consumed};
    }
    if (literal.kind == Announcement::Ambiguous) {
        return fail(consumed, ReadError::AmbiguousLiteral, Recovery::Close,
                    "unreadable literal length");
    }
    // A failed check either refuses a synchronising literal (the client sends nothing more of
    // this command, RFC 9051 §7.5) or drops a non-synchronising one as it arrives.
    const auto refuse = [&](ReadError error, std::string reason) {
        const std::string tag = current_tag();
        if (!literal.non_sync) {
            start_command();
        } else if (discard_used_ + literal.size > limits_.max_discard) {
            failure_ = ReadFailure{ReadError::DiscardTooLarge, Recovery::Close, tag,
                                   "literal too large to skip"};
            state_ = State::Closed;
            return ReadStep{ReadStep::Kind::Failed, consumed};
        } else {
            skip_rest_of_command(literal.size);
        }
        failure_ = ReadFailure{error, Recovery::Resynchronised, tag, std::move(reason)};
        return ReadStep{ReadStep::Kind::Failed, consumed};
    };
    if (literal.non_sync && limits_.non_sync == NonSyncLiterals::Refused) {
        return refuse(ReadError::NonSyncNotAllowed, "non-synchronizing literals not supported");
    }
    if (literal.size > limits_.max_literal ||
        (literal.non_sync && limits_.non_sync == NonSyncLiterals::Minus &&
         literal.size > literal_minus_max)) {
        return refuse(ReadError::LiteralTooBig, "literal too big");
    }
    if (literal_count_ >= limits_.max_literals) {
        return refuse(ReadError::TooManyLiterals, "too many literals in command");
    }
    if (command_size_ + literal.size > limits_.max_command) {
        return refuse(ReadError::CommandTooBig, "command too big");
    }
    piece.data.resize(piece.data.size() - literal.length);
    ++literal_count_;
    request_ = LiteralRequest{literal.size, literal.binary};
    command_.pieces.push_back(Piece{Piece::Kind::Literal, {}, literal.binary});
    if (literal.non_sync) {
        accept_literal();
        return ReadStep{ReadStep::Kind::NeedMore, consumed};  // caller loops; see read()
    }
    state_ = State::LiteralPending;
    return ReadStep{ReadStep::Kind::LiteralWanted, consumed};
}

void CommandReader::accept_literal()
{
    // SECURITY: reserve at most 64 KiB up front; an announced size costs memory only as its
    // octets arrive, so "{67108864}" followed by silence does not pin 64 MiB.
    command_.pieces.back().data.reserve(
        static_cast<std::size_t>(std::min<std::uint64_t>(request_.size, 65536)));
    literal_remaining_ = request_.size;
    command_size_ += request_.size;
    state_ = State::Literal;
    if (literal_remaining_ == 0) {
        command_.pieces.push_back(Piece{});
        state_ = State::Line;
    }
}

void CommandReader::refuse_literal()
{
    start_command();
}

RawCommand CommandReader::take_command()
{
    RawCommand out = std::move(command_);
    start_command();
    return out;
}

ReadStep CommandReader::read(std::string_view input)
{
    std::size_t used = 0;
    while (true) {
        const std::string_view rest = input.substr(used);
        switch (state_) {
        case State::Closed:
            return ReadStep{ReadStep::Kind::Failed, used};
        case State::Complete:
            return ReadStep{ReadStep::Kind::Command, used};
        case State::LiteralPending:
            return ReadStep{ReadStep::Kind::LiteralWanted, used};
        case State::Line: {
            if (rest.empty()) {
                return ReadStep{ReadStep::Kind::NeedMore, used};
            }
            const std::size_t lf = rest.find('\n');
            const std::size_t take = lf == std::string_view::npos ? rest.size() : lf;
            // The LF counts towards max_line, as the CRLF is part of the line.
            if (line_length_ + take + 1 > limits_.max_line) {
                // Keep what fits (bounded by max_line) so the tag can still be reported.
                const std::size_t fits = limits_.max_line - 1 - line_length_;
                command_.pieces.back().data.append(rest.substr(0, fits));
                used += fits;
                const std::string tag = current_tag();
                const std::string& data = command_.pieces.back().data;
                const std::string tail =
                    data.substr(data.size() - std::min(data.size(), skip_tail_size));
                skip_rest_of_command(0);
                skip_tail_ = tail;
                failure_ = ReadFailure{ReadError::LineTooLong, Recovery::Resynchronised, tag,
                                       "line too long"};
                return ReadStep{ReadStep::Kind::Failed, used};
            }
            if (command_size_ + take > limits_.max_command) {
                const std::string tag = current_tag();
                skip_rest_of_command(0);
                failure_ = ReadFailure{ReadError::CommandTooBig, Recovery::Resynchronised, tag,
                                       "command too big"};
                return ReadStep{ReadStep::Kind::Failed, used};
            }
            command_.pieces.back().data.append(rest.substr(0, take));
            line_length_ += take;
            command_size_ += take;
            used += take;
            if (lf == std::string_view::npos) {
                return ReadStep{ReadStep::Kind::NeedMore, used};
            }
            ++used;  // the LF
            const ReadStep step = end_of_line(used);
            if (step.kind != ReadStep::Kind::NeedMore) {
                return step;
            }
            break;  // a non-synchronising literal follows at once
        }
        case State::Literal: {
            if (rest.empty()) {
                return ReadStep{ReadStep::Kind::NeedMore, used};
            }
            const auto take = static_cast<std::size_t>(
                std::min<std::uint64_t>(literal_remaining_, rest.size()));
            command_.pieces.back().data.append(rest.substr(0, take));
            literal_remaining_ -= take;
            used += take;
            if (literal_remaining_ == 0) {
                command_.pieces.push_back(Piece{});
                state_ = State::Line;
            }
            break;
        }
        case State::Discard: {
            if (rest.empty()) {
                return ReadStep{ReadStep::Kind::NeedMore, used};
            }
            const auto take = static_cast<std::size_t>(
                std::min<std::uint64_t>(discard_remaining_, rest.size()));
            discard_remaining_ -= take;
            used += take;
            if (discard_remaining_ == 0) {
                state_ = State::SkipLine;
                skip_tail_.clear();
            }
            break;
        }
        case State::SkipLine: {
            if (rest.empty()) {
                return ReadStep{ReadStep::Kind::NeedMore, used};
            }
            const std::size_t lf = rest.find('\n');
            const std::size_t take = lf == std::string_view::npos ? rest.size() : lf;
            skip_tail_.append(rest.substr(take - std::min(take, skip_tail_size), std::min(take, skip_tail_size)));
            if (skip_tail_.size() > skip_tail_size) {
                skip_tail_.erase(0, skip_tail_.size() - skip_tail_size);
            }
            used += take;
            if (lf == std::string_view::npos) {
                return ReadStep{ReadStep::Kind::NeedMore, used};
            }
            ++used;
            std::string_view line = skip_tail_;
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            const LiteralAnnouncement literal = find_announcement(line);
            if (literal.kind == Announcement::Ambiguous) {
                return fail(used, ReadError::AmbiguousLiteral, Recovery::Close,
                            "unreadable literal length");
            }
            if (literal.kind == Announcement::Literal && literal.non_sync) {
                if (discard_used_ + literal.size > limits_.max_discard) {
                    return fail(used, ReadError::DiscardTooLarge, Recovery::Close,
                                "literal too large to skip");
                }
                skip_rest_of_command(literal.size);  // adds to discard_used_
                break;
            }
            // End of the dropped command (a synchronising literal is never sent: no "+").
            start_command();
            break;
        }
        }
    }
}

}  // namespace harbor::imap
