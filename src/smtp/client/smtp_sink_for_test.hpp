// Peers for the SMTP client's tests, all on loopback: a private Postfix smtp-sink (its own dump
// directory, a free high port, started with posix_spawn and stopped by its PID; never the
// system's Postfix), and a relay that records how the client's bytes arrived (to see whether
// commands were pipelined, RFC 2920). Test-only.
#pragma once

#include <sys/types.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "net/awaitable.hpp"
#include "smtp/client/client_session.hpp"

namespace harbor::smtp::client::test {

// A scratch directory that another user may write to (smtp-sink drops privileges), removed
// with its contents.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A loopback TCP port that was free a moment ago.
std::uint16_t free_port();

// Runs `coro` on a fresh io_context in this thread until it finishes.
template <typename T>
T run(boost::asio::awaitable<T> coro)
{
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, std::move(coro), boost::asio::use_future);
    io.run();
    return future.get();
}

// Polls `condition` every 20 ms until it holds or `limit` passes; its last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(15))
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

// Client settings for loopback tests: our EHLO name "client.test" and every timeout 10 s.
inline ClientSettings test_settings()
{
    using namespace std::chrono_literals;
    ClientSettings settings;
    settings.helo_name = "client.test";
    settings.connect_timeout = 10s;
    settings.greeting_timeout = 10s;
    settings.command_timeout = 10s;
    settings.tls_handshake_timeout = 10s;
    settings.mail_timeout = 10s;
    settings.rcpt_timeout = 10s;
    settings.data_init_timeout = 10s;
    settings.data_block_timeout = 10s;
    settings.data_end_timeout = 10s;
    settings.quit_timeout = 10s;
    return settings;
}

// A message for the client's tests: recipients without DSN parameters.
inline OutboundMessage make_message(std::string sender, std::vector<std::string> recipients,
                                    std::string_view content, std::string params = "{}")
{
    OutboundMessage message;
    message.sender = std::move(sender);
    message.params = std::move(params);
    for (std::string& address : recipients) {
        message.recipients.push_back(OutboundRecipient{std::move(address), "{}"});
    }
    message.content = content;
    return message;
}

// One connection's deliveries on the calling coroutine's executor (run() it).
inline net::Awaitable<DeliveryReport> deliver_here(boost::asio::ip::tcp::endpoint remote,
                                                   ClientSettings settings,
                                                   std::vector<OutboundMessage> messages)
{
    auto executor = co_await boost::asio::this_coro::executor;
    co_return co_await deliver(executor, remote, std::move(settings), messages);
}

// One transaction as smtp-sink's -d dump shows it (smtp-sink(1) "DUMP FILE FORMAT").
struct SinkDump {
    std::string helo;                // X-Helo-Args
    std::string mail;                // X-Mail-Args: "<a@b> BODY=8BITMIME ..."
    std::vector<std::string> rcpts;  // X-Rcpt-Args, in order
    std::string content;             // the message as received, dot-unstuffed, LF line ends
};

// "127.A.B.<host>" with A.B from this process's id: an address no other test process uses.
// smtp-sink listens with SO_REUSEPORT, so two tests that drew the same free port at once
// would otherwise share one port and receive each other's mail.
std::string process_loopback(int host);

class SmtpSink {
public:
    // `options`: smtp-sink flags before the address (e.g. {"-p"} hides PIPELINING,
    // {"-r", "DATA"} answers DATA with 4xx). Every transaction is dumped under `dir`. It listens
    // on `address` (a loopback one; empty: process_loopback(1)) at `port`, or at a free port
    // for 0.
    static Result<std::unique_ptr<SmtpSink>> start(const std::filesystem::path& dir,
                                                   std::vector<std::string> options = {},
                                                   std::string address = "",
                                                   std::uint16_t port = 0);
    ~SmtpSink();

    std::uint16_t port() const { return port_; }
    boost::asio::ip::tcp::endpoint endpoint() const;
    // The dumped transactions (in no particular order).
    std::vector<SinkDump> dumps() const;

private:
    SmtpSink(std::filesystem::path dumps, std::string address, std::uint16_t port, pid_t pid)
        : dumps_(std::move(dumps)), address_(std::move(address)), port_(port), pid_(pid)
    {
    }

    std::filesystem::path dumps_;
    std::string address_;
    std::uint16_t port_;
    pid_t pid_;
};

// Relays one connection at a time between a client and `upstream`, recording every read from
// the client's side; a single write of a few hundred octets arrives as one read on loopback.
class RecordingProxy {
public:
    enum class Fault {
        None,
        // On the first connection, hang up on the client's first bytes after its STARTTLS
        // (the ClientHello): a TLS handshake that fails after the server said 220.
        BreakFirstTlsHandshake,
    };

    explicit RecordingProxy(boost::asio::ip::tcp::endpoint upstream, Fault fault = Fault::None);
    ~RecordingProxy();

    std::uint16_t port() const { return port_; }
    boost::asio::ip::tcp::endpoint endpoint() const;
    std::vector<std::string> client_reads() const;
    int connections() const { return connections_; }

private:
    void serve();

    boost::asio::ip::tcp::endpoint upstream_;
    Fault fault_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> reads_;
    std::thread thread_;
};

}  // namespace harbor::smtp::client::test
