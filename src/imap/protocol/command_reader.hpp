// Incremental framing of IMAP client commands (RFC 9051 §2.2, §4.3, §7.5): a command is one or
// more CRLF lines joined by literals. The session feeds raw bytes; the reader splits them into
// text pieces and literals and stops at every point where the session must act: a complete
// command, a synchronising literal "{N}" that needs "+ Ready" (or a refusal) BEFORE its octets
// are sent (RFC 9051 §7.5), or a framing error.
// Literal forms: "{N}" synchronising, "{N+}" non-synchronising (RFC 7888 §3 LITERAL+; with
// LITERAL-, which IMAP4rev2 includes (RFC 9051 §4.3), at most 4096 octets, RFC 7888 §4), and
// "~{N}" / "~{N+}" literal8 (RFC 3516 §4.3, RFC 9051 §4.3.1).
// SECURITY: bytes from an unauthenticated peer. Every buffer is bounded: a line by max_line, a
// literal by its announced size (checked against max_literal BEFORE any octet is stored), a
// command by max_command and max_literals. Rejected non-synchronising literals are read and
// dropped, never stored, up to max_discard octets; beyond that, or when the framing is
// ambiguous ("{99999999999999999999+}", "{5-}"), the reader asks the session to close rather
// than risk reading literal octets as commands (command injection). Fuzzed by fuzz_imap_command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::imap {

// RFC 7888 §4: with LITERAL- "non-synchronizing literals ... 4096 octets or less".
inline constexpr std::uint64_t literal_minus_max = 4096;

enum class NonSyncLiterals {
    Refused,  // neither LITERAL+ nor LITERAL- advertised (an IMAP4rev1-only configuration)
    Minus,    // LITERAL- (RFC 7888 §4), part of IMAP4rev2 (RFC 9051 §4.3)
    Plus,     // LITERAL+ (RFC 7888 §3): any size up to max_literal
};

struct ReaderLimits {
    std::size_t max_line = 8192;                  // one line, CRLF included (Harbor's bound)
    std::uint64_t max_literal = 64ULL << 20;      // one literal (APPENDLIMIT, RFC 7889)
    std::uint64_t max_command = (64ULL << 20) + 65536;  // all lines and literals of a command
    std::size_t max_literals = 64;                // literals in one command
    std::uint64_t max_discard = 1ULL << 20;       // refused non-sync octets read and dropped
    NonSyncLiterals non_sync = NonSyncLiterals::Minus;
};

// One piece of a command. A RawCommand alternates Text, Literal, Text, ... and always begins
// and ends with Text. A Text piece holds the line without its CRLF and without the literal
// announcement ("{N}", "{N+}", "~{N}") that ended it.
struct Piece {
    enum class Kind { Text, Literal };
    Kind kind = Kind::Text;
    std::string data;
    bool binary = false;  // literal8 "~{N}" (RFC 3516 §4.3); may hold NUL octets

    bool operator==(const Piece&) const = default;
};

struct RawCommand {
    std::vector<Piece> pieces;
};

enum class ReadError {
    LineTooLong,         // a line over max_line: BAD
    BareLineFeed,        // LF without CR (RFC 9051 §2.2: lines end in CRLF): BAD
    LiteralTooBig,       // over max_literal, or non-sync over 4096 with LITERAL-: BAD [TOOBIG]
    NonSyncNotAllowed,   // "{N+}" when non-sync literals are not advertised: BAD
    TooManyLiterals,     // over max_literals: BAD
    CommandTooBig,       // over max_command: BAD [TOOBIG]
    AmbiguousLiteral,    // "{N-}", or a size too large to parse, ends a line: BYE
    DiscardTooLarge,     // a refused non-sync literal over max_discard: BYE
};

enum class Recovery {
    // The reader dropped the command and will skip whatever of it is still to come on its own
    // (the rest of the line, refused non-synchronising literals). Send the tagged BAD and go on.
    Resynchronised,
    // The byte stream cannot be trusted any more: send "* BYE" and close.
    Close,
};

struct ReadFailure {
    ReadError error = ReadError::LineTooLong;
    Recovery recovery = Recovery::Resynchronised;
    std::string tag;     // the command's tag when it could be read, else empty (untagged BAD)
    std::string reason;  // human text for the BAD/BYE response
};

struct LiteralRequest {
    std::uint64_t size = 0;
    bool binary = false;
};

struct ReadStep {
    enum class Kind {
        NeedMore,       // everything given was consumed; read more from the peer
        Command,        // take_command()
        LiteralWanted,  // literal_request(): accept_literal() then "+ ...", or refuse_literal()
        Failed,         // failure(); then go on reading unless its recovery is Close
    };
    Kind kind = Kind::NeedMore;
    std::size_t consumed = 0;  // octets of the input used; pass the rest in the next call
};

class CommandReader {
public:
    explicit CommandReader(ReaderLimits limits = {});

    // Consumes input up to the next event. Returns LiteralWanted (consuming nothing) again
    // until accept_literal() or refuse_literal(), Command until take_command().
    ReadStep read(std::string_view input);

    RawCommand take_command();

    LiteralRequest literal_request() const { return request_; }
    // The session sent "+ Ready": the literal's octets are read next.
    void accept_literal();
    // The session sent a tagged NO/BAD instead (e.g. [TOOBIG]): RFC 9051 §7.5 says the client
    // then sends neither the literal nor the rest of the command, so the reader starts afresh.
    void refuse_literal();

    const ReadFailure& failure() const { return failure_; }

    // The tag of the command being read, if its first word has been read (for a BAD).
    std::string current_tag() const;

private:
    enum class State { Line, LiteralPending, Literal, Complete, SkipLine, Discard, Closed };

    ReadStep fail(std::size_t consumed, ReadError error, Recovery recovery, std::string reason);
    ReadStep end_of_line(std::size_t consumed);
    void start_command();
    void skip_rest_of_command(std::uint64_t literal_octets);

    ReaderLimits limits_;
    State state_ = State::Line;
    RawCommand command_;
    std::size_t line_length_ = 0;       // octets of the current line so far
    std::uint64_t command_size_ = 0;    // octets of the current command so far
    std::size_t literal_count_ = 0;
    std::uint64_t literal_remaining_ = 0;
    std::uint64_t discard_remaining_ = 0;
    std::uint64_t discard_used_ = 0;
    std::string skip_tail_;             // the last octets of a skipped line
    LiteralRequest request_;
    ReadFailure failure_;
};

// The tag at the start of a command's first line (RFC 9051 §9: tag = 1*<any ASTRING-CHAR
// except "+">), or empty if the line does not start with one.
std::string_view command_tag(std::string_view first_line);

}  // namespace harbor::imap
