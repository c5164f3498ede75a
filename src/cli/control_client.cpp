// control_request: Boost.Beast over a Unix stream socket, run on a private io_context with a
// deadline, since a CLI command must not hang on a daemon that does not answer.
#include "cli/control_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

#include "cli/context.hpp"
#include "core/config.hpp"

namespace harbor::cli {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

constexpr auto reply_timeout = std::chrono::seconds(30);

}  // namespace

Result<std::filesystem::path> control_socket_for(const Context& context,
                                                 const std::string& config_file)
{
    if (config_file.empty()) {
        return std::filesystem::path(context.data_dir) / "control.sock";
    }
    auto config = load_config(config_file);
    HARBOR_TRY(config);
    return config->control_socket_path();
}

Result<ControlReply> control_request(const std::filesystem::path& socket, std::string_view method,
                                     std::string_view target, std::string_view body)
{
    asio::io_context io;
    asio::local::stream_protocol::socket stream(io);
    boost::system::error_code ec;
    stream.connect(asio::local::stream_protocol::endpoint(socket.string()), ec);
    if (ec) {
        return unexpected(Errc::Closed,
                          "no harbor is running (" + socket.string() + ": " + ec.message() + ")");
    }
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "localhost");
    request.set(http::field::user_agent, "harbor-cli");
    request.keep_alive(false);
    request.body() = std::string(body);
    request.prepare_payload();

    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    boost::system::error_code failure;
    bool done = false;
    http::async_write(stream, request, [&](boost::system::error_code write_ec, std::size_t) {
        if (write_ec) {
            failure = write_ec;
            done = true;
            return;
        }
        http::async_read(stream, buffer, response,
                         [&](boost::system::error_code read_ec, std::size_t) {
                             failure = read_ec;
                             done = true;
                         });
    });
    io.run_for(reply_timeout);
    if (!done) {
        return unexpected(Errc::Timeout, "the daemon did not answer on " + socket.string());
    }
    if (failure) {
        return unexpected(Errc::Io, "control socket " + socket.string() + ": " + failure.message());
    }
    return ControlReply{response.result_int(), std::move(response.body())};
}

}  // namespace harbor::cli
