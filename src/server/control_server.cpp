// ControlServer: a Beast HTTP/1.1 server on a Unix stream socket, one thread, coroutines.
#include "server/control_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "core/log.hpp"
#include "net/awaitable.hpp"

namespace harbor::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using Socket = asio::local::stream_protocol::socket;
using Acceptor = asio::local::stream_protocol::acceptor;

constexpr std::size_t header_limit = 8 * 1024;
constexpr std::size_t body_limit = 64 * 1024;
constexpr auto request_timeout = std::chrono::seconds(30);
constexpr int max_requests_per_connection = 100;

}  // namespace

struct ControlServer::Impl {
    std::filesystem::path path;
    ControlHandler handler;
    asio::io_context io{1};
    std::unique_ptr<Acceptor> acceptor;
    std::thread thread;
    bool started = false;

    net::Awaitable<void> serve(Socket socket)
    {
        // The timer closes a connection that stalls mid-request or idles between requests.
        asio::steady_timer timer(io);
        beast::flat_buffer buffer;
        for (int served = 0; served < max_requests_per_connection; ++served) {
            timer.expires_after(request_timeout);
            timer.async_wait([&socket](const boost::system::error_code& ec) {
                if (!ec) {
                    boost::system::error_code ignored;
                    socket.close(ignored);
                }
            });
            http::request_parser<http::string_body> parser;
            parser.header_limit(header_limit);
            parser.body_limit(body_limit);
            auto [read_ec, n] = co_await http::async_read(socket, buffer, parser, net::use_tuple);
            if (read_ec) {
                if (read_ec != http::error::end_of_stream && socket.is_open()) {
                    http::response<http::string_body> bad{http::status::bad_request, 11};
                    bad.set(http::field::content_type, "application/json");
                    bad.body() = R"({"error":"bad request"})";
                    bad.keep_alive(false);
                    bad.prepare_payload();
                    (void)co_await http::async_write(socket, bad, net::use_tuple);
                }
                break;
            }
            const http::request<http::string_body>& request = parser.get();
            ControlResponse answer = respond(request);
            http::response<http::string_body> response{static_cast<http::status>(answer.status),
                                                       request.version()};
            response.set(http::field::server, "Harbor");
            response.set(http::field::content_type, answer.content_type);
            response.body() = std::move(answer.body);
            response.keep_alive(request.keep_alive());
            response.prepare_payload();
            auto [write_ec, written] = co_await http::async_write(socket, response, net::use_tuple);
            if (write_ec || !response.keep_alive()) {
                break;
            }
        }
        timer.cancel();
        boost::system::error_code ignored;
        socket.shutdown(Socket::shutdown_both, ignored);
        socket.close(ignored);
    }

    ControlResponse respond(const http::request<http::string_body>& request)
    {
        ControlRequest asked{std::string(request.method_string()), std::string(request.target()),
                             request.body()};
        try {
            ControlResponse answer = handler(asked);
            log::info(
                "control.request",
                {{"method", asked.method}, {"target", asked.target}, {"status", answer.status}});
            return answer;
        } catch (const std::exception& e) {
            log::error("control.exception", {{"target", asked.target}, {"error", e.what()}});
            return {500, "application/json", R"({"error":"internal error"})"};
        }
    }

    net::Awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor->async_accept(net::use_tuple);
            if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
                co_return;
            }
            if (ec) {
                asio::steady_timer pause(io, std::chrono::milliseconds(50));
                co_await pause.async_wait(net::use_tuple);
                continue;
            }
            asio::co_spawn(io, serve(std::move(socket)), asio::detached);
        }
    }
};

ControlServer::ControlServer(std::filesystem::path socket_path, ControlHandler handler)
    : impl_(std::make_unique<Impl>())
{
    impl_->path = std::move(socket_path);
    impl_->handler = std::move(handler);
}

ControlServer::~ControlServer()
{
    stop();
}

Result<void> ControlServer::start()
{
    Impl& s = *impl_;
    std::error_code removed;
    std::filesystem::remove(s.path, removed);  // a socket left by a daemon that was killed
    try {
        s.acceptor = std::make_unique<Acceptor>(s.io);
        const asio::local::stream_protocol::endpoint endpoint(s.path.string());
        s.acceptor->open(endpoint.protocol());
        s.acceptor->bind(endpoint);
        s.acceptor->listen();
    } catch (const boost::system::system_error& e) {
        return unexpected(Errc::Io, "control socket " + s.path.string() + ": " + e.what());
    }
    // Root and the daemon's group: the CLI of an administrator.
    ::chmod(s.path.c_str(), 0660);
    asio::co_spawn(s.io, s.accept_loop(), asio::detached);
    s.thread = std::thread([&s] {
        try {
            s.io.run();
        } catch (const std::exception& e) {
            log::error("control.stopped", {{"error", e.what()}});
        }
    });
    s.started = true;
    log::info("control.listen", {{"socket", s.path.string()}});
    return ok();
}

void ControlServer::stop()
{
    Impl& s = *impl_;
    if (!s.started) {
        return;
    }
    s.started = false;
    s.io.stop();
    if (s.thread.joinable()) {
        s.thread.join();
    }
    s.acceptor.reset();
    std::error_code ignored;
    std::filesystem::remove(s.path, ignored);
}

}  // namespace harbor::server
