// Listener over real sockets: port 0, address-in-use errors, per-IP caps answered by the
// handler's refuse(), implicit TLS, IPv6, and graceful shutdown of running sessions.
#include "net/listener.hpp"

#include <openssl/ssl.h>

#include "net/connection.hpp"
#include "net/io_pool.hpp"
#include "net/self_signed.hpp"
#include "net/session.hpp"
#include "net/session_tracker.hpp"
#include "net/test_util.hpp"
#include "net/tls_context.hpp"

namespace harbor::net {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

// Says hello, then echoes lines until "bye", EOF or shutdown.
class EchoHandler : public SessionHandler {
public:
    Awaitable<void> run(Connection& connection, SessionContext& context) override
    {
        EXPECT_EQ(context.cid.size(), 12u);
        if (!co_await connection.write("hello " + context.hostname + "\r\n")) {
            co_return;
        }
        for (;;) {
            auto line = co_await connection.read_line(512, deadline_after(5s));
            if (!line) {
                if (connection.shutting_down()) {
                    shutdown_seen = true;
                    (void)co_await connection.write("bye: shutting down\r\n");
                }
                co_return;
            }
            if (line->text == "bye") {
                co_return;
            }
            (void)co_await connection.write(line->text + "\r\n");
        }
    }
    Awaitable<void> refuse(Connection& connection, SessionContext& context) override
    {
        (void)co_await connection.write("421 4.7.0 too many connections (" +
                                        std::string(admission_name(context.admission)) + ")\r\n");
    }
    std::atomic<bool> shutdown_seen{false};
};

struct Fixture {
    // The tracker outlives the pool: a session still ending on the pool's thread when the test
    // returns (its client just closed) removes itself from the tracker.
    SessionTracker tracker;
    IoPool pool{1};
    std::shared_ptr<EchoHandler> handler = std::make_shared<EchoHandler>();

    std::unique_ptr<Listener> make(ListenerConfig config, std::shared_ptr<TlsContext> tls = nullptr,
                                   std::chrono::milliseconds handshake_timeout = 2000ms)
    {
        return std::make_unique<Listener>(std::move(config), pool, std::move(tls), handler, tracker,
                                          ListenerOptions{"mx.test", handshake_timeout});
    }
};

ListenerConfig config_for(std::string address = "127.0.0.1")
{
    ListenerConfig config;
    config.name = "test";
    config.address = std::move(address);
    config.port = 0;
    return config;
}

tcp::socket connect_to(asio::io_context& context, const std::string& address, std::uint16_t port)
{
    tcp::socket socket(context);
    socket.connect(tcp::endpoint(asio::ip::make_address(address), port));
    return socket;
}

TEST(Listener, BindsPortZeroAndServes)
{
    Fixture f;
    auto listener = f.make(config_for());
    ASSERT_TRUE(listener->bind().has_value());
    ASSERT_NE(listener->port(), 0);
    listener->start();
    f.pool.start();

    asio::io_context client_context;
    auto client = connect_to(client_context, "127.0.0.1", listener->port());
    EXPECT_EQ(test::read_client_line(client), "hello mx.test\r\n");
    asio::write(client, asio::buffer(std::string_view("ping\r\nbye\r\n")));
    EXPECT_EQ(test::read_client_line(client), "ping\r\n");
    EXPECT_EQ(test::read_client_line(client), "") << "closed after bye";
    listener->stop();
}

TEST(Listener, PortInUseNamesTheAddress)
{
    Fixture f;
    auto first = f.make(config_for());
    ASSERT_TRUE(first->bind().has_value());
    ListenerConfig taken = config_for();
    taken.port = first->port();
    auto second = f.make(taken);
    auto result = second->bind();
    ASSERT_FALSE(result.has_value());
    EXPECT_NE(result.error().detail.find("127.0.0.1:" + std::to_string(first->port())),
              std::string::npos)
        << result.error().detail;
}

TEST(Listener, AllowedNetworksCloseOthersBeforeAByte)
{
    Fixture f;
    ListenerConfig elsewhere = config_for();
    elsewhere.allowed_networks = {"10.0.0.0/8", "2001:db8::/32"};
    auto refusing = f.make(elsewhere);
    ASSERT_TRUE(refusing->bind().has_value());
    ListenerConfig loopback = config_for();
    loopback.allowed_networks = {"127.0.0.0/8"};
    auto admitting = f.make(loopback);
    ASSERT_TRUE(admitting->bind().has_value());
    refusing->start();
    admitting->start();
    f.pool.start();

    asio::io_context client_context;
    auto refused = connect_to(client_context, "127.0.0.1", refusing->port());
    EXPECT_EQ(test::read_client_line(refused), "") << "closed without a greeting";
    auto admitted = connect_to(client_context, "127.0.0.1", admitting->port());
    EXPECT_EQ(test::read_client_line(admitted), "hello mx.test\r\n");
    refusing->stop();
    admitting->stop();
}

TEST(Listener, BadAllowedNetworkFailsTheBind)
{
    Fixture f;
    ListenerConfig config = config_for();
    config.allowed_networks = {"10.0.0.0/33"};
    auto listener = f.make(config);
    auto bound = listener->bind();
    ASSERT_FALSE(bound.has_value());
    EXPECT_NE(bound.error().detail.find("allowed_networks"), std::string::npos)
        << bound.error().detail;
}

TEST(Listener, PerAddressLimitIsAnsweredAndReleased)
{
    Fixture f;
    ListenerConfig config = config_for();
    config.max_connections_per_ip = 1;
    auto listener = f.make(config);
    ASSERT_TRUE(listener->bind().has_value());
    listener->start();
    f.pool.start();

    asio::io_context client_context;
    auto first = connect_to(client_context, "127.0.0.1", listener->port());
    EXPECT_EQ(test::read_client_line(first), "hello mx.test\r\n");
    auto second = connect_to(client_context, "127.0.0.1", listener->port());
    EXPECT_EQ(test::read_client_line(second),
              "421 4.7.0 too many connections (too-many-from-address)\r\n");
    EXPECT_EQ(test::read_client_line(second), "");

    asio::write(first, asio::buffer(std::string_view("bye\r\n")));
    EXPECT_EQ(test::read_client_line(first), "");
    ASSERT_TRUE(f.tracker.wait_idle(1s));
    auto third = connect_to(client_context, "127.0.0.1", listener->port());
    EXPECT_EQ(test::read_client_line(third), "hello mx.test\r\n");
}

TEST(Listener, TotalLimitIsAnswered)
{
    Fixture f;
    ListenerConfig config = config_for();
    config.max_connections = 1;
    auto listener = f.make(config);
    ASSERT_TRUE(listener->bind().has_value());
    listener->start();
    f.pool.start();
    asio::io_context client_context;
    auto first = connect_to(client_context, "127.0.0.1", listener->port());
    EXPECT_EQ(test::read_client_line(first), "hello mx.test\r\n");
    auto second = connect_to(client_context, "127.0.0.1", listener->port());
    EXPECT_EQ(test::read_client_line(second),
              "421 4.7.0 too many connections (too-many-connections)\r\n");
}

TEST(Listener, Ipv6Loopback)
{
    Fixture f;
    auto listener = f.make(config_for("::1"));
    auto bound = listener->bind();
    if (!bound) {
        GTEST_SKIP() << "no IPv6 loopback here: " << bound.error().detail;
    }
    listener->start();
    f.pool.start();
    asio::io_context client_context;
    auto client = connect_to(client_context, "::1", listener->port());
    EXPECT_EQ(test::read_client_line(client), "hello mx.test\r\n");
}

TEST(Listener, ImplicitTlsHandshakesFirst)
{
    test::TempDir dir;
    ASSERT_TRUE(generate_self_signed("mx.test", dir.path / "c.pem", dir.path / "k.pem"));
    auto tls = TlsContext::load(dir.path / "c.pem", dir.path / "k.pem");
    ASSERT_TRUE(tls.has_value());
    Fixture f;
    ListenerConfig config = config_for();
    config.tls = TlsMode::Implicit;
    auto listener = f.make(config, *tls);
    ASSERT_TRUE(listener->bind().has_value());
    listener->start();
    auto impatient = f.make(config, *tls, 100ms);
    ASSERT_TRUE(impatient->bind().has_value());
    impatient->start();
    f.pool.start();

    asio::io_context client_context;
    auto client = connect_to(client_context, "127.0.0.1", listener->port());
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, client.native_handle());
    ASSERT_EQ(SSL_connect(ssl), 1);
    char buf[64] = {};
    int n = SSL_read(ssl, buf, sizeof buf - 1);
    EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "hello mx.test\r\n");
    SSL_free(ssl);
    SSL_CTX_free(ctx);

    // A client that never starts the handshake is dropped at the handshake deadline.
    auto silent = connect_to(client_context, "127.0.0.1", impatient->port());
    EXPECT_EQ(test::read_client_line(silent), "");  // closed, without a word
}

TEST(Listener, ShutdownAbortsSessionsAndWaits)
{
    Fixture f;
    auto listener = f.make(config_for());
    ASSERT_TRUE(listener->bind().has_value());
    listener->start();
    f.pool.start();
    asio::io_context client_context;
    auto client = connect_to(client_context, "127.0.0.1", listener->port());
    EXPECT_EQ(test::read_client_line(client), "hello mx.test\r\n");
    EXPECT_EQ(f.tracker.size(), 1u);

    listener->stop();
    f.tracker.abort_all();
    EXPECT_TRUE(f.tracker.wait_idle(1s));
    EXPECT_TRUE(f.handler->shutdown_seen);
    EXPECT_EQ(test::read_client_line(client), "bye: shutting down\r\n");
    EXPECT_EQ(test::read_client_line(client), "");
}

}  // namespace
}  // namespace harbor::net
