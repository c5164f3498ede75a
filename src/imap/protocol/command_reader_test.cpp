// Unit tests for imap/protocol/command_reader: CRLF lines (RFC 9051 §2.2), synchronising
// literals and the continuation request (§4.3, §7.5), LITERAL+ and LITERAL- (RFC 7888 §3-§4),
// literal8 (RFC 3516 §4.3), Harbor's limits and resynchronisation after errors. Each framing
// case is also fed one byte at a time.
#include "imap/protocol/command_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::imap {
namespace {

// What a session would observe: commands, literal requests and failures, in order.
struct Trace {
    std::vector<RawCommand> commands;
    std::vector<LiteralRequest> requests;
    std::vector<ReadFailure> failures;
    bool closed = false;
};

enum class Decision { Accept, Refuse };

Trace run(CommandReader& reader, std::string_view wire, std::size_t chunk,
          Decision decision = Decision::Accept)
{
    Trace trace;
    std::size_t offset = 0;
    std::string_view pending;
    while (true) {
        if (pending.empty()) {
            if (offset >= wire.size()) {
                return trace;
            }
            pending = wire.substr(offset, chunk);
            offset += pending.size();
        }
        const ReadStep step = reader.read(pending);
        pending.remove_prefix(step.consumed);
        switch (step.kind) {
        case ReadStep::Kind::NeedMore:
            EXPECT_TRUE(pending.empty());
            break;
        case ReadStep::Kind::Command:
            trace.commands.push_back(reader.take_command());
            break;
        case ReadStep::Kind::LiteralWanted:
            trace.requests.push_back(reader.literal_request());
            if (decision == Decision::Accept) {
                reader.accept_literal();
            } else {
                reader.refuse_literal();
            }
            break;
        case ReadStep::Kind::Failed:
            trace.failures.push_back(reader.failure());
            if (reader.failure().recovery == Recovery::Close) {
                trace.closed = true;
                return trace;
            }
            break;
        }
    }
}

Piece text(std::string data)
{
    return Piece{Piece::Kind::Text, std::move(data), false};
}

Piece literal(std::string data, bool binary = false)
{
    return Piece{Piece::Kind::Literal, std::move(data), binary};
}

// Runs the wire whole and byte by byte; both must give the same trace.
Trace run_both(std::string_view wire, ReaderLimits limits = {},
               Decision decision = Decision::Accept)
{
    CommandReader whole(limits);
    Trace a = run(whole, wire, wire.size() + 1, decision);
    CommandReader bytes(limits);
    Trace b = run(bytes, wire, 1, decision);
    EXPECT_EQ(a.commands.size(), b.commands.size());
    for (std::size_t i = 0; i < a.commands.size() && i < b.commands.size(); ++i) {
        EXPECT_EQ(a.commands[i].pieces, b.commands[i].pieces);
    }
    EXPECT_EQ(a.failures.size(), b.failures.size());
    EXPECT_EQ(a.requests.size(), b.requests.size());
    EXPECT_EQ(a.closed, b.closed);
    return a;
}

TEST(ImapCommandReader, SplitsPipelinedLines)
{
    // RFC 9051 §2.2: every command is a line ending in CRLF; clients may pipeline (§5.5).
    const Trace trace = run_both("a1 NOOP\r\na2 CAPABILITY\r\n");
    ASSERT_EQ(trace.commands.size(), 2U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("a1 NOOP")});
    EXPECT_EQ(trace.commands[1].pieces, std::vector<Piece>{text("a2 CAPABILITY")});
    EXPECT_TRUE(trace.failures.empty());
}

TEST(ImapCommandReader, SynchronisingLiteralStopsBeforeItsOctets)
{
    // RFC 9051 §7.5: the server answers "{N}" with a continuation request before the octets.
    CommandReader reader;
    const std::string_view wire = "a LOGIN {4}\r\nuser {6}\r\nsecret\r\n";
    ReadStep step = reader.read(wire);
    EXPECT_EQ(step.kind, ReadStep::Kind::LiteralWanted);
    EXPECT_EQ(step.consumed, 13U);  // up to and including the CRLF after "{4}"
    EXPECT_EQ(reader.literal_request().size, 4U);
    EXPECT_FALSE(reader.literal_request().binary);
    EXPECT_EQ(reader.read(wire.substr(13)).kind, ReadStep::Kind::LiteralWanted);  // waits
    reader.accept_literal();
    const Trace rest = run(reader, wire.substr(13), 64);
    ASSERT_EQ(rest.commands.size(), 1U);
    EXPECT_EQ(rest.commands[0].pieces,
              (std::vector<Piece>{text("a LOGIN "), literal("user"), text(" "),
                                  literal("secret"), text("")}));
    EXPECT_EQ(rest.requests.size(), 1U);
}

TEST(ImapCommandReader, NonSynchronisingLiteralReadsOn)
{
    // RFC 7888 §3: "{N+}" needs no continuation request.
    const Trace trace = run_both("a LOGIN {4+}\r\nuser {2+}\r\npw\r\n");
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_TRUE(trace.requests.empty());
    EXPECT_EQ(trace.commands[0].pieces,
              (std::vector<Piece>{text("a LOGIN "), literal("user"), text(" "), literal("pw"),
                                  text("")}));
}

TEST(ImapCommandReader, Literal8IsBinary)
{
    // RFC 3516 §4.3: literal8 = "~{" number "}" CRLF *OCTET, NUL allowed.
    const std::string wire = std::string("a APPEND x ~{3+}\r\n\0\1\2\r\n", 23);
    const Trace trace = run_both(wire);
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces,
              (std::vector<Piece>{text("a APPEND x "), literal(std::string("\0\1\2", 3), true),
                                  text("")}));
}

TEST(ImapCommandReader, ZeroLengthLiteral)
{
    const Trace trace = run_both("a LOGIN {0}\r\n {0+}\r\n\r\n");
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces,
              (std::vector<Piece>{text("a LOGIN "), literal(""), text(" "), literal(""),
                                  text("")}));
}

TEST(ImapCommandReader, LiteralMinusRefusesLargeNonSyncAndResynchronises)
{
    // RFC 7888 §4: with LITERAL- a non-synchronising literal is at most 4096 octets; a larger
    // one is refused, its octets are read and dropped, and the next command is read normally.
    const std::string wire =
        "a APPEND x {5000+}\r\n" + std::string(5000, 'x') + " more {2+}\r\nzz\r\nb NOOP\r\n";
    const Trace trace = run_both(wire);
    ASSERT_EQ(trace.failures.size(), 1U);
    EXPECT_EQ(trace.failures[0].error, ReadError::LiteralTooBig);
    EXPECT_EQ(trace.failures[0].recovery, Recovery::Resynchronised);
    EXPECT_EQ(trace.failures[0].tag, "a");
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("b NOOP")});
}

TEST(ImapCommandReader, LiteralPlusAllowsLargeNonSync)
{
    ReaderLimits limits;
    limits.non_sync = NonSyncLiterals::Plus;
    const std::string wire = "a APPEND x {5000+}\r\n" + std::string(5000, 'x') + "\r\n";
    const Trace trace = run_both(wire, limits);
    EXPECT_TRUE(trace.failures.empty());
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces[1].data.size(), 5000U);
}

TEST(ImapCommandReader, NonSyncRefusedWhenNotAdvertised)
{
    ReaderLimits limits;
    limits.non_sync = NonSyncLiterals::Refused;
    const Trace trace = run_both("a LOGIN {3+}\r\nabc x\r\nb NOOP\r\n", limits);
    ASSERT_EQ(trace.failures.size(), 1U);
    EXPECT_EQ(trace.failures[0].error, ReadError::NonSyncNotAllowed);
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("b NOOP")});
}

TEST(ImapCommandReader, TooBigSynchronisingLiteralIsRefusedBeforeItsOctets)
{
    // RFC 9051 §7.5: after a refusal the client sends neither the literal nor the rest of the
    // command, so the next line is a new command.
    ReaderLimits limits;
    limits.max_literal = 10;
    const Trace trace = run_both("a APPEND x {11}\r\nb NOOP\r\n", limits);
    ASSERT_EQ(trace.failures.size(), 1U);
    EXPECT_EQ(trace.failures[0].error, ReadError::LiteralTooBig);
    EXPECT_EQ(trace.failures[0].tag, "a");
    EXPECT_TRUE(trace.requests.empty());
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("b NOOP")});
}

TEST(ImapCommandReader, SessionRefusesALiteral)
{
    const Trace trace = run_both("a APPEND x {5}\r\nb NOOP\r\n", {}, Decision::Refuse);
    ASSERT_EQ(trace.requests.size(), 1U);
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("b NOOP")});
}

TEST(ImapCommandReader, LongLineIsSkippedToItsEnd)
{
    ReaderLimits limits;
    limits.max_line = 64;
    const std::string wire = "t1 LOGIN " + std::string(200, 'a') + "\r\nt2 NOOP\r\n";
    const Trace trace = run_both(wire, limits);
    ASSERT_EQ(trace.failures.size(), 1U);
    EXPECT_EQ(trace.failures[0].error, ReadError::LineTooLong);
    EXPECT_EQ(trace.failures[0].tag, "t1");
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("t2 NOOP")});
}

TEST(ImapCommandReader, LineOfExactlyTheLimitIsAccepted)
{
    ReaderLimits limits;
    limits.max_line = 10;  // "a NOOP xy" + CRLF = 11 > 10; "a NOOP x" + CRLF = 10
    EXPECT_EQ(run_both("a NOOP x\r\n", limits).commands.size(), 1U);
    EXPECT_EQ(run_both("a NOOP xy\r\n", limits).failures.size(), 1U);
}

TEST(ImapCommandReader, LongLineEndingInNonSyncLiteralDropsTheLiteralToo)
{
    // The skipped line announced {5+}: those octets are not a command (command injection).
    ReaderLimits limits;
    limits.max_line = 32;
    const std::string wire =
        "t1 LOGIN " + std::string(100, 'a') + " {9+}\r\nt3 LOGOUT\r\nt2 NOOP\r\n";
    const Trace trace = run_both(wire, limits);
    ASSERT_EQ(trace.failures.size(), 1U);
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("t2 NOOP")});
}

TEST(ImapCommandReader, BareLineFeedIsRefused)
{
    // RFC 9051 §2.2: lines end in CRLF.
    const Trace trace = run_both("a NOOP\nb NOOP\r\n");
    ASSERT_EQ(trace.failures.size(), 1U);
    EXPECT_EQ(trace.failures[0].error, ReadError::BareLineFeed);
    EXPECT_EQ(trace.failures[0].tag, "a");
    ASSERT_EQ(trace.commands.size(), 1U);
}

TEST(ImapCommandReader, AmbiguousLiteralClosesTheConnection)
{
    for (const char* wire : {"a LOGIN {99999999999999999999+}\r\nxx\r\n", "a LOGIN {5-}\r\n",
                             "a LOGIN {1x}\r\n"}) {
        const Trace trace = run_both(wire);
        EXPECT_TRUE(trace.closed) << wire;
        ASSERT_EQ(trace.failures.size(), 1U) << wire;
        EXPECT_EQ(trace.failures[0].error, ReadError::AmbiguousLiteral);
        EXPECT_TRUE(trace.commands.empty());
    }
}

TEST(ImapCommandReader, BraceThatIsNotALiteral)
{
    // "}" is an ATOM-CHAR and "{x}" has no digits: plain text for the grammar to judge.
    const Trace trace = run_both("a LOGIN u pass}\r\nb LOGIN {x}\r\n");
    EXPECT_TRUE(trace.failures.empty());
    EXPECT_EQ(trace.commands.size(), 2U);
}

TEST(ImapCommandReader, TooManyLiterals)
{
    ReaderLimits limits;
    limits.max_literals = 2;
    const Trace trace = run_both("a X {1+}\r\n1 {1+}\r\n2 {1+}\r\n3\r\nb NOOP\r\n", limits);
    ASSERT_EQ(trace.failures.size(), 1U);
    EXPECT_EQ(trace.failures[0].error, ReadError::TooManyLiterals);
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("b NOOP")});
}

TEST(ImapCommandReader, CommandTooBig)
{
    ReaderLimits limits;
    limits.max_command = 40;
    const Trace trace = run_both("a X {20+}\r\n01234567890123456789 {20}\r\nb NOOP\r\n", limits);
    ASSERT_EQ(trace.failures.size(), 1U);
    EXPECT_EQ(trace.failures[0].error, ReadError::CommandTooBig);
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("b NOOP")});
}

TEST(ImapCommandReader, RefusedLiteralTooLargeToSkipCloses)
{
    ReaderLimits limits;
    limits.max_discard = 100;
    const Trace trace = run_both("a APPEND x {4097+}\r\n", limits);
    EXPECT_TRUE(trace.closed);
    ASSERT_EQ(trace.failures.size(), 1U);
    EXPECT_EQ(trace.failures[0].error, ReadError::DiscardTooLarge);
    CommandReader reader(limits);
    (void)run(reader, "a APPEND x {4097+}\r\n", 100);
    EXPECT_EQ(reader.read("b NOOP\r\n").kind, ReadStep::Kind::Failed);  // stays closed
}

TEST(ImapCommandReader, EmptyLineIsAnEmptyCommand)
{
    const Trace trace = run_both("\r\n");
    ASSERT_EQ(trace.commands.size(), 1U);
    EXPECT_EQ(trace.commands[0].pieces, std::vector<Piece>{text("")});
}

TEST(ImapCommandReader, CommandTag)
{
    // RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">
    EXPECT_EQ(command_tag("a1 NOOP"), "a1");
    EXPECT_EQ(command_tag("a]b NOOP"), "a]b");
    EXPECT_EQ(command_tag("a+b NOOP"), "");
    EXPECT_EQ(command_tag("* NOOP"), "");
    EXPECT_EQ(command_tag(" NOOP"), "");
    EXPECT_EQ(command_tag("abc"), "abc");
}

}  // namespace
}  // namespace harbor::imap
