// Outbound connections over loopback: connect with a deadline (refused, accepted), and the
// client TLS handshake against Harbor's server side: TLS 1.2+, verification against a given CA
// file by host name and by IP address (RFC 6125 §6), a wrong name refused only when the context
// verifies, plaintext buffered before the handshake dropped (RFC 3207 §4.2, §6).
#include "net/outbound.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <gtest/gtest.h>

#include "net/connection.hpp"
#include "net/self_signed.hpp"
#include "net/test_util.hpp"
#include "net/tls_context.hpp"

namespace harbor::net {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

std::uint16_t unused_port()
{
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();  // closed again when acceptor goes
}

// The remote port connected to (use_future needs a default-constructible value).
Awaitable<Result<std::uint16_t>> connect_here(tcp::endpoint remote)
{
    auto executor = co_await asio::this_coro::executor;
    Result<tcp::socket> socket = co_await connect_tcp(executor, remote, deadline_after(5s));
    if (!socket) {
        co_return unexpected(socket.error());
    }
    co_return socket->remote_endpoint().port();
}

TEST(NetOutbound, ConnectReportsRefusalAndSuccess)
{
    asio::io_context io;
    Result<std::uint16_t> refused = test::run_until_done(
        io, connect_here(tcp::endpoint(asio::ip::make_address("127.0.0.1"), unused_port())));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, Errc::Io);
    EXPECT_NE(refused.error().detail.find("refused"), std::string::npos) << refused.error().detail;

    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    Result<std::uint16_t> connected =
        test::run_until_done(io, connect_here(acceptor.local_endpoint()));
    ASSERT_TRUE(connected.has_value()) << connected.error().to_string();
    EXPECT_EQ(*connected, acceptor.local_endpoint().port());
}

TEST(NetOutbound, MissingCaFileIsNotFound)
{
    auto context = ClientTlsContext::create({TlsVerify::Peer, "/nonexistent/ca.pem"});
    ASSERT_FALSE(context.has_value());
    EXPECT_EQ(context.error().code, Errc::NotFound);
}

struct Outcome {
    Result<void> server = unexpected(Errc::Internal, "not run");
    Result<void> client = unexpected(Errc::Internal, "not run");
    bool verified = false;
    std::string description;
    std::string server_read;  // the first line the server read after its handshake
};

Awaitable<void> serve_once(tcp::acceptor& acceptor, std::shared_ptr<TlsContext> tls, Outcome& out)
{
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) {
        co_return;
    }
    Connection connection(std::move(socket), tls);
    // The client must not take this for a TLS reply: it comes before the handshake.
    (void)co_await connection.write("220 go ahead\r\nPLAINTEXT AFTER 220\r\n", deadline_after(5s));
    out.server = co_await connection.start_tls(deadline_after(5s));
    if (out.server) {
        Result<Line> line = co_await connection.read_line(512, deadline_after(5s));
        if (line) {
            out.server_read = line->text;
            (void)co_await connection.write("250 over tls\r\n", deadline_after(5s));
        }
    }
}

Awaitable<void> client_once(tcp::endpoint remote, std::shared_ptr<ClientTlsContext> context,
                            std::string name, Outcome& out)
{
    auto executor = co_await asio::this_coro::executor;
    Result<tcp::socket> socket = co_await connect_tcp(executor, remote, deadline_after(5s));
    if (!socket) {
        out.client = unexpected(socket.error());
        co_return;
    }
    Connection connection(std::move(*socket), nullptr);
    Result<Line> greeting = co_await connection.read_line(512, deadline_after(5s));
    if (!greeting || greeting->text != "220 go ahead") {
        out.client = unexpected(Errc::Invalid, "no greeting");
        co_return;
    }
    out.client = co_await connection.start_tls_client(context->context(), name, deadline_after(5s));
    if (!out.client) {
        co_return;
    }
    out.verified = connection.tls_peer_verified();
    out.description = connection.tls_description();
    (void)co_await connection.write("EHLO client\r\n", deadline_after(5s));
    Result<Line> reply = co_await connection.read_line(512, deadline_after(5s));
    if (!reply || reply->text != "250 over tls") {
        out.client = unexpected(Errc::Invalid,
                                "after TLS: " + (reply ? reply->text : reply.error().to_string()));
    }
}

Outcome handshake(ClientTlsOptions options, const std::string& name, bool trust_test_ca)
{
    test::TempDir dir;
    const auto cert = dir.path / "cert.pem";
    const auto key = dir.path / "key.pem";
    EXPECT_TRUE(generate_self_signed("mx.test", cert, key).has_value());
    auto tls = TlsContext::load(cert, key);
    EXPECT_TRUE(tls.has_value());
    if (trust_test_ca) {
        options.ca_file = cert;
    }
    auto context = ClientTlsContext::create(options);
    EXPECT_TRUE(context.has_value()) << context.error().to_string();
    Outcome out;
    if (!tls || !context) {
        return out;
    }
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    asio::co_spawn(io, serve_once(acceptor, *tls, out), asio::detached);
    asio::co_spawn(io, client_once(acceptor.local_endpoint(), *context, name, out), asio::detached);
    io.run();
    return out;
}

TEST(NetOutbound, OpportunisticHandshakeWithAnUntrustedCertificate)
{
    Outcome out = handshake({TlsVerify::None, {}}, "mx.test", false);
    ASSERT_TRUE(out.client.has_value()) << out.client.error().to_string();
    ASSERT_TRUE(out.server.has_value()) << out.server.error().to_string();
    EXPECT_FALSE(out.verified) << "a self-signed certificate is not in the system store";
    EXPECT_TRUE(out.description.starts_with("TLSv1.3 ") || out.description.starts_with("TLSv1.2 "))
        << out.description;
    EXPECT_EQ(out.server_read, "EHLO client") << "the plaintext after 220 was dropped";
}

TEST(NetOutbound, VerifiesAgainstAGivenCaByNameAndByAddress)
{
    for (const char* name : {"mx.test", "localhost", "127.0.0.1"}) {
        Outcome out = handshake({TlsVerify::Peer, {}}, name, true);
        ASSERT_TRUE(out.client.has_value()) << name << ": " << out.client.error().to_string();
        EXPECT_TRUE(out.verified) << name;
    }
}

TEST(NetOutbound, AWrongNameFailsOnlyWhenVerificationIsRequired)
{
    Outcome required = handshake({TlsVerify::Peer, {}}, "other.test", true);
    ASSERT_FALSE(required.client.has_value());
    EXPECT_EQ(required.client.error().code, Errc::Io) << required.client.error().to_string();
    EXPECT_NE(required.client.error().detail.find("certificate verify failed"), std::string::npos)
        << required.client.error().detail;

    Outcome opportunistic = handshake({TlsVerify::None, {}}, "other.test", true);
    ASSERT_TRUE(opportunistic.client.has_value()) << opportunistic.client.error().to_string();
    EXPECT_FALSE(opportunistic.verified) << "chain trusted, name wrong";
}

}  // namespace
}  // namespace harbor::net
