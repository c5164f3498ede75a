// Connection over real loopback sockets: bounded CRLF framing, bare LF/CR flags, limits,
// deadlines, read_exact and shutdown aborts. RFC 5321 §4.5.3.1.4 (line length).
#include "net/connection.hpp"

#include <boost/asio/post.hpp>

#include <thread>

#include "net/deflate_stream.hpp"
#include "net/test_util.hpp"

namespace harbor::net {
namespace {

using namespace std::chrono_literals;
using test::run_until_done;
using test::SocketPair;

struct ReadAll {
    std::vector<Result<Line>> lines;
};

Awaitable<ReadAll> read_lines(Connection& connection, int count, std::size_t max_length)
{
    ReadAll all;
    for (int i = 0; i < count; ++i) {
        all.lines.push_back(co_await connection.read_line(max_length, deadline_after(2s)));
    }
    co_return all;
}

constexpr std::string_view mixed_input = "HELO a\r\nNOOP\nX\rY\r\nlast\r\n";

void expect_mixed_lines(const ReadAll& all)
{
    ASSERT_EQ(all.lines.size(), 4u);
    for (const auto& line : all.lines) {
        ASSERT_TRUE(line.has_value()) << line.error().to_string();
    }
    EXPECT_EQ(all.lines[0]->text, "HELO a");
    EXPECT_FALSE(all.lines[0]->bare_lf);
    EXPECT_FALSE(all.lines[0]->bare_cr);
    EXPECT_EQ(all.lines[1]->text, "NOOP");
    EXPECT_TRUE(all.lines[1]->bare_lf);
    EXPECT_EQ(all.lines[2]->text, "X\rY");
    EXPECT_FALSE(all.lines[2]->bare_lf);
    EXPECT_TRUE(all.lines[2]->bare_cr);
    EXPECT_EQ(all.lines[3]->text, "last");
}

TEST(Connection, ReadsLinesSentInOneChunk)
{
    asio::io_context context;
    SocketPair pair(context);
    pair.send(mixed_input);
    Connection connection(std::move(pair.server), nullptr);
    expect_mixed_lines(run_until_done(context, read_lines(connection, 4, 512)));
}

TEST(Connection, ReadsLinesSentByteAtATime)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    std::thread writer([&] {
        for (char c : mixed_input) {
            pair.send(std::string_view(&c, 1));
        }
    });
    ReadAll all = run_until_done(context, read_lines(connection, 4, 512));
    writer.join();
    expect_mixed_lines(all);
}

TEST(Connection, LineAtTheLimitPassesOneOverFails)
{
    asio::io_context context;
    SocketPair pair(context);
    // max_length counts CRLF: 14 + 2 = 16 fits, 15 + 2 = 17 does not.
    pair.send(std::string(14, 'a') + "\r\n" + std::string(15, 'b') + "\r\nnext\r\n");
    Connection connection(std::move(pair.server), nullptr);
    ReadAll all = run_until_done(context, read_lines(connection, 3, 16));
    ASSERT_TRUE(all.lines[0].has_value());
    EXPECT_EQ(all.lines[0]->text, std::string(14, 'a'));
    ASSERT_FALSE(all.lines[1].has_value());
    EXPECT_EQ(all.lines[1].error().code, Errc::Limit);
    ASSERT_TRUE(all.lines[2].has_value());
    EXPECT_EQ(all.lines[2]->text, "next");
}

TEST(Connection, OverlongLineByteAtATimeIsBoundedAndSkipped)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    const std::string input = std::string(100'000, 'x') + "\r\nQUIT\r\n";
    std::thread writer([&] {
        // Small writes so the reader sees the long line arrive in many pieces.
        for (std::size_t i = 0; i < input.size(); i += 997) {
            pair.send(std::string_view(input).substr(i, 997));
        }
    });
    struct Outcome {
        Result<Line> first;
        std::size_t buffered_after_limit;
        Result<Line> second;
    };
    auto outcome = run_until_done(context, [&]() -> Awaitable<Outcome> {
        auto first = co_await connection.read_line(512, deadline_after(2s));
        std::size_t buffered = connection.buffered_bytes();
        auto second = co_await connection.read_line(512, deadline_after(2s));
        co_return Outcome{std::move(first), buffered, std::move(second)};
    }());
    writer.join();
    ASSERT_FALSE(outcome.first.has_value());
    EXPECT_EQ(outcome.first.error().code, Errc::Limit);
    EXPECT_LE(outcome.buffered_after_limit, 512u + 4096u);
    ASSERT_TRUE(outcome.second.has_value()) << outcome.second.error().to_string();
    EXPECT_EQ(outcome.second->text, "QUIT");
}

// A read with nothing to read ends in Timeout, not before `timeout`; the upper bound only tells
// "at the deadline" from "never" (loaded CI, ASan).
void expect_read_times_out(asio::io_context& context, Connection& connection,
                           std::chrono::milliseconds timeout)
{
    const auto started = Clock::now();
    auto line = run_until_done(context, connection.read_line(512, deadline_after(timeout)));
    const auto elapsed = Clock::now() - started;
    ASSERT_FALSE(line.has_value());
    EXPECT_EQ(line.error().code, Errc::Timeout);
    EXPECT_GE(elapsed, timeout);
    EXPECT_LT(elapsed, 10s);
}

TEST(Connection, ReadTimesOutAtTheDeadline)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    expect_read_times_out(context, connection, 50ms);
}

TEST(Connection, PartialLineThenTimeoutThenRestArrives)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    pair.send("par");
    auto first = run_until_done(context, connection.read_line(512, deadline_after(30ms)));
    ASSERT_FALSE(first.has_value());
    EXPECT_EQ(first.error().code, Errc::Timeout);
    pair.send("tial\r\n");
    auto second = run_until_done(context, connection.read_line(512, deadline_after(1s)));
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->text, "partial");
}

// The deadline wait outlives each operation (connection.cpp, TimerState): a later, shorter
// deadline must still end a read on time, and a wait left from an earlier, shorter deadline
// must not end a read that has a later one.
TEST(Connection, AShorterDeadlineAfterALongerOneIsKept)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    pair.send("first\r\n");
    auto first = run_until_done(context, connection.read_line(512, deadline_after(60s)));
    ASSERT_TRUE(first.has_value()) << first.error().to_string();
    expect_read_times_out(context, connection, 50ms);
}

TEST(Connection, AnEarlierShorterDeadlineDoesNotEndALaterRead)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    pair.send("first\r\n");
    auto first = run_until_done(context, connection.read_line(512, deadline_after(20ms)));
    ASSERT_TRUE(first.has_value()) << first.error().to_string();
    // The wait for 20 ms ends while this read is pending; the line comes well after it.
    std::thread late([&pair] {
        std::this_thread::sleep_for(150ms);
        pair.send("second\r\n");
    });
    auto second = run_until_done(context, connection.read_line(512, deadline_after(30s)));
    late.join();
    ASSERT_TRUE(second.has_value()) << second.error().to_string();
    EXPECT_EQ(second->text, "second");
    // And the re-armed wait still ends a read at its own deadline.
    expect_read_times_out(context, connection, 80ms);
}

TEST(Connection, ReadExactTakesBufferedBytesFirst)
{
    asio::io_context context;
    SocketPair pair(context);
    pair.send("APPEND {10}\r\n0123");
    Connection connection(std::move(pair.server), nullptr);
    std::thread writer([&] { pair.send("456789\r\n"); });
    auto [line, literal, rest] = run_until_done(
        context, [&]() -> Awaitable<std::tuple<Result<Line>, Result<std::string>, Result<Line>>> {
            auto l = co_await connection.read_line(512, deadline_after(1s));
            auto b = co_await connection.read_exact(10, deadline_after(1s));
            auto r = co_await connection.read_line(512, deadline_after(1s));
            co_return std::make_tuple(std::move(l), std::move(b), std::move(r));
        }());
    writer.join();
    ASSERT_TRUE(line && literal && rest);
    EXPECT_EQ(line->text, "APPEND {10}");
    EXPECT_EQ(*literal, "0123456789");
    EXPECT_EQ(rest->text, "");
}

// A stream (SMTP DATA) is read buffered bytes first, then in pieces that double while the
// reads fill them, and the line framing takes over where the stream's reader stopped.
TEST(Connection, ReadStreamReadsInGrowingPieces)
{
    asio::io_context context;
    SocketPair pair(context);
    std::string body(40 * 1024, 'x');
    for (std::size_t i = 0; i < body.size(); i += 100) {
        body[i] = static_cast<char>('a' + i % 26);
    }
    pair.send("DATA\r\n" + body + "QUIT\r\n");
    Connection connection(std::move(pair.server), nullptr);
    auto [line, reads, rest] = run_until_done(
        context,
        [&]() -> Awaitable<std::tuple<Result<Line>, std::vector<std::string>, Result<Line>>> {
            auto l = co_await connection.read_line(512, deadline_after(1s));
            std::vector<std::string> got;
            std::size_t taken = 0;
            while (taken < body.size()) {
                auto bytes = co_await connection.read_stream(deadline_after(1s));
                if (!bytes) {
                    break;
                }
                const std::size_t use = std::min(bytes->size(), body.size() - taken);
                got.emplace_back(bytes->substr(0, use));
                connection.consume(use);
                taken += use;
            }
            auto r = co_await connection.read_line(512, deadline_after(1s));
            co_return std::make_tuple(std::move(l), std::move(got), std::move(r));
        }());
    ASSERT_TRUE(line && rest);
    EXPECT_EQ(line->text, "DATA");
    // What the line's 4 KiB read left over, then 4, 8 and 16 KiB, then the rest at once.
    ASSERT_EQ(reads.size(), 5u);
    EXPECT_EQ(reads[0].size(), 4096u - 6u);
    EXPECT_EQ(reads[1].size(), 4096u);
    EXPECT_EQ(reads[2].size(), 8192u);
    EXPECT_EQ(reads[3].size(), 16384u);
    EXPECT_EQ(reads[0] + reads[1] + reads[2] + reads[3] + reads[4], body);
    EXPECT_EQ(rest->text, "QUIT");
}

TEST(Connection, PeerCloseIsClosed)
{
    asio::io_context context;
    SocketPair pair(context);
    pair.send("incomplete");
    pair.client.close();
    Connection connection(std::move(pair.server), nullptr);
    auto line = run_until_done(context, connection.read_line(512, deadline_after(1s)));
    ASSERT_FALSE(line.has_value());
    EXPECT_EQ(line.error().code, Errc::Closed);
}

TEST(Connection, WriteReachesPeerAndPeerIsKnown)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    EXPECT_EQ(connection.peer_ip(), "127.0.0.1");
    EXPECT_EQ(connection.peer_string(),
              "127.0.0.1:" + std::to_string(pair.client.local_endpoint().port()));
    auto written = run_until_done(context, connection.write("220 hello\r\n"));
    ASSERT_TRUE(written.has_value());
    EXPECT_EQ(test::read_client_line(pair.client), "220 hello\r\n");
}

TEST(Connection, AbortEndsPendingReadButAllowsAGoodbye)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    asio::post(context, [&] { connection.abort(); });
    auto started = Clock::now();
    auto line = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    EXPECT_LT(Clock::now() - started, 2s);  // the abort, not the 5 s deadline, ended the read
    ASSERT_FALSE(line.has_value());
    EXPECT_EQ(line.error().code, Errc::Closed);
    EXPECT_TRUE(connection.shutting_down());
    auto again = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    EXPECT_FALSE(again.has_value());
    ASSERT_TRUE(run_until_done(context, connection.write("421 bye\r\n")).has_value());
    EXPECT_EQ(test::read_client_line(pair.client), "421 bye\r\n");
}

// IMAP IDLE waits for "DONE" and for mailbox changes: wake() ends the read and loses nothing.
TEST(Connection, WakeEndsPendingReadAndKeepsLaterBytes)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    asio::post(context, [&] { connection.wake(); });
    auto first = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    ASSERT_FALSE(first.has_value());
    EXPECT_EQ(first.error().code, Errc::TempFail);
    EXPECT_TRUE(connection.take_wake());
    EXPECT_FALSE(connection.take_wake());
    EXPECT_FALSE(connection.shutting_down());

    connection.wake();  // no read in flight: the next read ends at once
    auto second = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    ASSERT_FALSE(second.has_value());
    EXPECT_TRUE(connection.take_wake());

    pair.send("DONE\r\n");
    auto third = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    ASSERT_TRUE(third.has_value()) << third.error().to_string();
    EXPECT_EQ(third->text, "DONE");
    EXPECT_FALSE(connection.take_wake());
}

TEST(Connection, StartTlsWithoutCertificateIsUnsupported)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    EXPECT_FALSE(connection.can_start_tls());
    auto result = run_until_done(context, connection.start_tls(deadline_after(1s)));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, Errc::Unsupported);
}

// COMPRESS=DEFLATE (RFC 4978 §3): the client's side of the stream, built from the same
// Deflater/Inflater (their interoperability with another zlib user is deflate_stream_test's).
struct CompressingClient {
    Deflater deflater;
    Inflater inflater;

    std::string compress(std::string_view text)
    {
        std::string out;
        for (;;) {
            Result<Deflater::Step> step = deflater.compress(text, out, 4096);
            if (!step) {
                ADD_FAILURE() << step.error().to_string();
                return out;
            }
            text.remove_prefix(step->consumed);
            if (step->flushed) {
                return out;
            }
        }
    }

    // Reads from the server until `size` inflated octets have come.
    std::string receive(SocketPair& pair, std::size_t size)
    {
        std::string text;
        while (text.size() < size) {
            if (!inflater.has_pending()) {
                char raw[512];
                boost::system::error_code ec;
                const std::size_t n = pair.client.read_some(asio::buffer(raw), ec);
                if (ec) {
                    ADD_FAILURE() << ec.message();
                    return text;
                }
                inflater.add_input(std::string_view(raw, n));
            }
            Result<std::size_t> produced = inflater.inflate(text, size - text.size());
            if (!produced) {
                ADD_FAILURE() << produced.error().to_string();
                return text;
            }
        }
        return text;
    }
};

TEST(Connection, CompressionInflatesPipelinedBytesAndDeflatesWrites)
{
    asio::io_context context;
    SocketPair pair(context);
    CompressingClient client;
    // The command and what the client compressed after it arrive in one segment: the octets
    // buffered behind the command line must be inflated, not read as plaintext.
    pair.send("a COMPRESS DEFLATE\r\n" + client.compress("b NOOP\r\nc APPEND {10}\r\n01"));
    Connection connection(std::move(pair.server), nullptr);
    std::thread writer([&] { pair.send(client.compress("23456789\r\nd LOGOUT\r\n")); });
    struct Outcome {
        Result<Line> command;
        Result<void> started;
        Result<void> again;
        Result<Line> noop;
        Result<Line> append;
        Result<std::string> literal;
        Result<Line> literal_end;
        Result<Line> logout;
        Result<void> written;
    };
    Outcome got = run_until_done(context, [&]() -> Awaitable<Outcome> {
        Outcome o;
        o.command = co_await connection.read_line(512, deadline_after(2s));
        o.started = connection.start_compression();
        o.again = connection.start_compression();
        o.noop = co_await connection.read_line(512, deadline_after(2s));
        o.append = co_await connection.read_line(512, deadline_after(2s));
        o.literal = co_await connection.read_exact(10, deadline_after(2s));
        o.literal_end = co_await connection.read_line(512, deadline_after(2s));
        o.logout = co_await connection.read_line(512, deadline_after(2s));
        o.written = co_await connection.write("* BYE\r\nd OK LOGOUT completed\r\n");
        co_return o;
    }());
    writer.join();
    ASSERT_TRUE(got.command.has_value());
    EXPECT_EQ(got.command->text, "a COMPRESS DEFLATE");
    EXPECT_TRUE(got.started.has_value());
    ASSERT_FALSE(got.again.has_value());
    EXPECT_EQ(got.again.error().code, Errc::Invalid);
    EXPECT_TRUE(connection.is_compressed());
    ASSERT_TRUE(got.noop && got.append && got.literal && got.literal_end && got.logout);
    EXPECT_EQ(got.noop->text, "b NOOP");
    EXPECT_EQ(got.append->text, "c APPEND {10}");
    EXPECT_EQ(*got.literal, "0123456789");
    EXPECT_EQ(got.literal_end->text, "");
    EXPECT_EQ(got.logout->text, "d LOGOUT");
    ASSERT_TRUE(got.written.has_value());
    const std::string goodbye = "* BYE\r\nd OK LOGOUT completed\r\n";
    EXPECT_EQ(client.receive(pair, goodbye.size()), goodbye);
}

TEST(Connection, CompressedLargeLiteralAndLargeWrite)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    ASSERT_TRUE(connection.start_compression().has_value());
    std::string literal;
    for (int i = 0; literal.size() < 300'000; ++i) {
        literal += "line " + std::to_string(i) + " of a message body\r\n";
    }
    CompressingClient client;
    std::thread writer([&] { pair.send(client.compress(literal + "tail\r\n")); });
    auto [body, tail] = run_until_done(
        context, [&]() -> Awaitable<std::pair<Result<std::string>, Result<Line>>> {
            auto b = co_await connection.read_exact(literal.size(), deadline_after(5s));
            auto t = co_await connection.read_line(512, deadline_after(5s));
            co_return std::make_pair(std::move(b), std::move(t));
        }());
    writer.join();
    ASSERT_TRUE(body.has_value()) << body.error().to_string();
    EXPECT_TRUE(*body == literal);
    ASSERT_TRUE(tail.has_value());
    EXPECT_EQ(tail->text, "tail");

    // A write larger than one deflated chunk arrives whole, flushed at its end.
    std::thread reader([&] { EXPECT_TRUE(client.receive(pair, literal.size()) == literal); });
    auto written = run_until_done(context, connection.write(literal, deadline_after(5s)));
    reader.join();
    EXPECT_TRUE(written.has_value());
}

TEST(Connection, CompressionBombMeetsTheLineLimit)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    ASSERT_TRUE(connection.start_compression().has_value());
    CompressingClient client;
    // 8 MiB without a line end compresses to a few KiB; the framing buffer stays bounded.
    std::string bomb = client.compress(std::string(8 << 20, 'x'));
    bomb += client.compress("\r\nNEXT\r\n");
    EXPECT_LT(bomb.size(), 64u * 1024);
    std::thread writer([&] { pair.send(bomb); });
    struct Outcome {
        Result<Line> first;
        std::size_t buffered_after_limit;
        Result<Line> second;
    };
    auto outcome = run_until_done(context, [&]() -> Awaitable<Outcome> {
        auto first = co_await connection.read_line(512, deadline_after(5s));
        std::size_t buffered = connection.buffered_bytes();
        auto second = co_await connection.read_line(512, deadline_after(10s));
        co_return Outcome{std::move(first), buffered, std::move(second)};
    }());
    writer.join();
    ASSERT_FALSE(outcome.first.has_value());
    EXPECT_EQ(outcome.first.error().code, Errc::Limit);
    EXPECT_LE(outcome.buffered_after_limit, 512u + 4096u);
    ASSERT_TRUE(outcome.second.has_value()) << outcome.second.error().to_string();
    EXPECT_EQ(outcome.second->text, "NEXT");
}

TEST(Connection, CorruptCompressedInputIsInvalid)
{
    asio::io_context context;
    SocketPair pair(context);
    pair.send("a COMPRESS DEFLATE\r\n" + std::string(32, '\xff'));
    Connection connection(std::move(pair.server), nullptr);
    auto first = run_until_done(context, connection.read_line(512, deadline_after(2s)));
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(connection.start_compression().has_value());
    auto second = run_until_done(context, connection.read_line(512, deadline_after(2s)));
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, Errc::Invalid);
}

// IDLE under COMPRESS: wake() still ends the read, and compressed octets the inflater holds
// wait for the next read, as plaintext in the socket would.
TEST(Connection, WakeWorksWithCompression)
{
    asio::io_context context;
    SocketPair pair(context);
    CompressingClient client;
    pair.send("a IDLE\r\n" + client.compress("DONE\r\n"));
    Connection connection(std::move(pair.server), nullptr);
    auto idle = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    ASSERT_TRUE(idle.has_value());
    EXPECT_EQ(idle->text, "a IDLE");
    ASSERT_TRUE(connection.start_compression().has_value());  // the inflater holds "DONE"
    EXPECT_EQ(connection.buffered_bytes(), 0u);
    EXPECT_TRUE(connection.has_pending_input());

    connection.wake();  // no read in flight: the next read ends at once, losing nothing
    auto woken = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    ASSERT_FALSE(woken.has_value());
    EXPECT_EQ(woken.error().code, Errc::TempFail);
    EXPECT_TRUE(connection.take_wake());
    auto done = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    ASSERT_TRUE(done.has_value()) << done.error().to_string();
    EXPECT_EQ(done->text, "DONE");

    // A read waiting on the socket for compressed octets is woken too.
    asio::post(context, [&] { connection.wake(); });
    auto waiting = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    ASSERT_FALSE(waiting.has_value());
    EXPECT_EQ(waiting.error().code, Errc::TempFail);
    EXPECT_TRUE(connection.take_wake());
    pair.send(client.compress("b NOOP\r\n"));
    auto after = run_until_done(context, connection.read_line(512, deadline_after(5s)));
    ASSERT_TRUE(after.has_value()) << after.error().to_string();
    EXPECT_EQ(after->text, "b NOOP");
    EXPECT_FALSE(connection.take_wake());
}

}  // namespace
}  // namespace harbor::net
