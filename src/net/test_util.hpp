// Helpers shared by the net unit tests: run a server coroutine to completion on an io_context,
// a blocking loopback client, a scratch directory. Test-only; not part of harbor_net.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <random>
#include <string>

#include "net/awaitable.hpp"

namespace harbor::net::test {

using tcp = asio::ip::tcp;

// Runs `coro` on `context` in this thread until it finishes, and returns its value.
template <typename T>
T run_until_done(asio::io_context& context, Awaitable<T> coro)
{
    auto future = asio::co_spawn(context, std::move(coro), asio::use_future);
    context.restart();
    // Until the coroutine is done, not until the context runs out of work: a Connection keeps
    // a deadline wait pending between its operations (connection.cpp, TimerState).
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
           context.run_one() > 0) {
    }
    return future.get();
}

// A connected pair over 127.0.0.1: `server` for a Connection, `client` driven synchronously.
struct SocketPair {
    asio::io_context client_context;
    tcp::socket client{client_context};
    tcp::socket server;

    explicit SocketPair(asio::io_context& server_context) : server(server_context)
    {
        tcp::acceptor acceptor(server_context,
                               tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        client.connect(acceptor.local_endpoint());
        client.set_option(tcp::no_delay(true));
        acceptor.accept(server);
    }

    void send(std::string_view bytes) { asio::write(client, asio::buffer(bytes)); }
};

// Reads from a blocking socket until "\n" or EOF.
inline std::string read_client_line(tcp::socket& socket)
{
    std::string line;
    char c = 0;
    boost::system::error_code ec;
    while (asio::read(socket, asio::buffer(&c, 1), ec) == 1) {
        line += c;
        if (c == '\n') {
            break;
        }
    }
    return line;
}

struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        std::random_device random;
        path = std::filesystem::temp_directory_path() /
               ("harbor-net-test-" + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(path);
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

}  // namespace harbor::net::test
