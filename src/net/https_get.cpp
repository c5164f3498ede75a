// HTTPS GET over net::Connection (connect, TLS, deadlines) with Boost.Beast's response parser.
// See https_get.hpp.
#include "net/https_get.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/connection.hpp"

namespace harbor::net {
namespace {

namespace http = boost::beast::http;

constexpr std::uint32_t max_header = 16 * 1024;

}  // namespace

Awaitable<Result<HttpsResponse>> https_get(asio::any_io_executor executor,
                                           asio::ip::tcp::endpoint remote, std::string host,
                                           std::string target,
                                           std::shared_ptr<ClientTlsContext> tls,
                                           std::size_t max_body, Deadline deadline)
{
    Result<asio::ip::tcp::socket> socket = co_await connect_tcp(executor, remote, deadline);
    if (!socket) {
        co_return unexpected(std::move(socket).error());
    }
    Connection connection(std::move(*socket), nullptr);
    Result<void> handshake = co_await connection.start_tls_client(tls->context(), host, deadline);
    if (!handshake) {
        co_return unexpected(std::move(handshake).error());
    }
    if (!connection.tls_peer_verified()) {
        co_return unexpected(Errc::Io, "the certificate of " + host + " did not verify");
    }
    // RFC 9112 §3.2: Host is required in HTTP/1.1; close: one request per connection.
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                                "\r\nUser-Agent: Harbor\r\nAccept: text/plain\r\n"
                                "Connection: close\r\n\r\n";
    Result<void> written = co_await connection.write(request, deadline);
    if (!written) {
        co_return unexpected(std::move(written).error());
    }

    http::response_parser<http::string_body> parser;
    parser.header_limit(max_header);
    parser.body_limit(max_body);
    parser.eager(true);
    std::string pending;  // read but not yet taken by the parser; bounded by its limits
    while (!parser.is_done()) {
        Result<std::string_view> got = co_await connection.read_some(deadline);
        boost::system::error_code ec;
        if (!got) {
            if (got.error().code != Errc::Closed) {
                co_return unexpected(std::move(got).error());
            }
            parser.put_eof(ec);  // a body delimited by the end of the connection
            if (ec) {
                co_return unexpected(Errc::Invalid, "HTTP response from " + host + " ended early");
            }
            break;
        }
        pending.append(*got);
        connection.consume(got->size());
        const std::size_t used = parser.put(asio::buffer(pending), ec);
        pending.erase(0, used);
        if (ec && ec != http::error::need_more) {
            co_return unexpected(Errc::Invalid, "HTTP response from " + host + ": " + ec.message());
        }
    }
    connection.close();
    HttpsResponse response;
    const auto& message = parser.get();
    response.status = message.result_int();
    if (auto type = message.find(http::field::content_type); type != message.end()) {
        response.content_type = std::string(type->value());
    }
    response.body = message.body();
    co_return response;
}

}  // namespace harbor::net
