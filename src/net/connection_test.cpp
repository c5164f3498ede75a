// Connection over real loopback sockets: bounded CRLF framing, bare LF/CR flags, limits,
// deadlines, read_exact and shutdown aborts. RFC 5321 §4.5.3.1.4 (line length).
#include "net/connection.hpp"

#include <boost/asio/post.hpp>

#include <thread>

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

TEST(Connection, ReadTimesOutAtTheDeadline)
{
    asio::io_context context;
    SocketPair pair(context);
    Connection connection(std::move(pair.server), nullptr);
    auto started = Clock::now();
    auto line = run_until_done(context, connection.read_line(512, deadline_after(50ms)));
    auto elapsed = Clock::now() - started;
    ASSERT_FALSE(line.has_value());
    EXPECT_EQ(line.error().code, Errc::Timeout);
    // Not early; the upper bound only tells "at the deadline" from "never" (loaded CI, ASan).
    EXPECT_GE(elapsed, 50ms);
    EXPECT_LT(elapsed, 2s);
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

}  // namespace
}  // namespace harbor::net
