// Server runtime over real loopback sockets, with the greeting sessions for SMTP, IMAP and HTTP
// and the real POP3 handler (POP3 has no placeholder): every protocol's greeting and goodbye,
// STARTTLS, the POP3 timeouts before and after login, a graceful stop that tells clients, a
// taken port, and the demo configuration and demo.json contract.
#include "server/server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include <future>
#include <random>
#include <thread>

#include "directory/directory.hpp"
#include "net/login_throttle.hpp"
#include "net/self_signed.hpp"
#include "net/session.hpp"
#include "pop3/session.hpp"
#include "server/demo.hpp"
#include "server/greeting_sessions.hpp"
#include "smtp/server/session.hpp"
#include "store/store.hpp"

namespace harbor::server {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        std::random_device random;
        path = std::filesystem::temp_directory_path() /
               ("harbor-server-test-" + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

ListenerConfig listener(std::string name, Protocol protocol, TlsMode tls = TlsMode::None)
{
    ListenerConfig config;
    config.name = std::move(name);
    config.protocol = protocol;
    config.tls = tls;
    return config;
}

class Client {
public:
    explicit Client(std::uint16_t port) : socket_(context_)
    {
        socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    }
    std::string line()
    {
        std::string out;
        char c = 0;
        boost::system::error_code ec;
        while (asio::read(socket_, asio::buffer(&c, 1), ec) == 1) {
            out += c;
            if (c == '\n') {
                break;
            }
        }
        return out;
    }
    std::string rest()
    {
        std::string out;
        for (std::string l = line(); !l.empty(); l = line()) {
            out += l;
        }
        return out;
    }
    void send(std::string_view text) { asio::write(socket_, asio::buffer(text)); }
    tcp::socket& socket() { return socket_; }

private:
    asio::io_context context_;
    tcp::socket socket_;
};

class ServerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(net::generate_self_signed("mx.test", dir_.path / "c.pem", dir_.path / "k.pem"));
        config_.hostname = "mx.test";
        config_.data_dir = dir_.path;
        config_.tls = TlsConfig{dir_.path / "c.pem", dir_.path / "k.pem"};
        config_.listeners = {listener("smtp", Protocol::Smtp, TlsMode::StartTls),
                             listener("imap", Protocol::Imap, TlsMode::StartTls),
                             listener("pop3", Protocol::Pop3), listener("http", Protocol::Http)};
        config_.listeners[2].trusted_plaintext = pop3_trusted_plaintext_;
        // The real POP3 handler over the fixture's store: only the autologout test logs in
        // (with USER/PASS, the protocol scripts and tests/interop cover the rest of the
        // sessions), so a default throttle and no mock secret are enough.
        auto store = store::open_store(store::StoreOptions{dir_.path / "store"});
        ASSERT_TRUE(store.has_value()) << store.error().to_string();
        store_ = std::move(*store);
        HandlerMap handlers = greeting_handlers();
        pop3::Pop3Settings pop3;
        pop3.pre_auth_timeout = 2s;  // short, for Pop3ClosesAnIdleUnauthenticatedClient
        pop3.idle_timeout = pop3_idle_timeout_;
        handlers[Protocol::Pop3] = std::make_shared<pop3::Pop3Handler>(
            *store_, pop3, std::make_shared<net::LoginThrottle>());
        if (smtp_recipient_cache_) {
            smtp::server::SmtpSettings smtp;
            smtp.hostname = "mx.test";
            smtp.recipient_cache_ttl = *smtp_recipient_cache_;
            handlers[Protocol::Smtp] = std::make_shared<smtp::server::SmtpHandler>(*store_, smtp);
        }
        server_ = std::make_unique<Server>(config_, std::move(handlers),
                                           ServerOptions{2, 1000ms, 1000ms, false});
        auto started = server_->start();
        ASSERT_TRUE(started.has_value()) << started.error().to_string();
        waiter_ = std::async(std::launch::async, [this] { server_->wait(); });
    }
    void TearDown() override
    {
        if (server_) {
            server_->request_stop();
            if (waiter_.valid()) {
                waiter_.get();
            }
        }
    }
    std::uint16_t port(std::string_view name) { return server_->port(name).value_or(0); }

    // Knobs read by SetUp; a derived fixture changes them in its constructor.
    std::chrono::seconds pop3_idle_timeout_{pop3::Pop3Settings{}.idle_timeout};
    bool pop3_trusted_plaintext_ = false;  // USER/PASS without TLS on the pop3 listener
    // Set: the real SMTP handler, with this RCPT cache ttl, instead of the greeting one.
    std::optional<std::chrono::milliseconds> smtp_recipient_cache_;

    TempDir dir_;
    Config config_;
    std::unique_ptr<store::Store> store_;  // outlives the server and its POP3 handler
    std::unique_ptr<Server> server_;
    std::future<void> waiter_;
};

TEST_F(ServerTest, SmtpGreetsRefusesAndQuits)
{
    Client c(port("smtp"));
    EXPECT_EQ(c.line(), "220 mx.test ESMTP Harbor\r\n");
    c.send("EHLO client.example\r\n");
    EXPECT_EQ(c.line(), "250-mx.test\r\n");
    EXPECT_EQ(c.line(), "250 STARTTLS\r\n");
    c.send("XYZZY\r\n");
    EXPECT_EQ(c.line(), "502 5.5.1 Command not implemented\r\n");
    c.send(std::string(600, 'a') + "\r\n");
    EXPECT_EQ(c.line(), "500 5.5.2 Line too long\r\n");
    c.send("quit\r\n");
    EXPECT_EQ(c.line(), "221 2.0.0 Bye\r\n");
    EXPECT_EQ(c.line(), "");
}

TEST_F(ServerTest, SmtpStartTlsUpgrades)
{
    Client c(port("smtp"));
    EXPECT_EQ(c.line(), "220 mx.test ESMTP Harbor\r\n");
    c.send("STARTTLS\r\n");
    EXPECT_EQ(c.line(), "220 2.0.0 Ready to start TLS\r\n");
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, c.socket().native_handle());
    ASSERT_EQ(SSL_connect(ssl), 1);
    SSL_write(ssl, "EHLO x\r\n", 8);
    char buf[128] = {};
    int n = SSL_read(ssl, buf, sizeof buf - 1);
    EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "250 mx.test\r\n")
        << "no second STARTTLS offered over TLS";
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

TEST_F(ServerTest, ImapGreetsAndLogsOut)
{
    Client c(port("imap"));
    EXPECT_EQ(c.line(), "* OK [CAPABILITY IMAP4rev2] Harbor ready\r\n");
    c.send("a1 CAPABILITY\r\n");
    EXPECT_EQ(c.line(), "* CAPABILITY IMAP4rev2 IMAP4rev1 STARTTLS\r\n");
    EXPECT_EQ(c.line(), "a1 OK CAPABILITY completed\r\n");
    c.send("a2 SELECT INBOX\r\n");
    EXPECT_EQ(c.line(), "a2 BAD not implemented yet\r\n");
    c.send("a3 LOGOUT\r\n");
    EXPECT_EQ(c.line(), "* BYE Harbor logging out\r\n");
    EXPECT_EQ(c.line(), "a3 OK LOGOUT completed\r\n");
    EXPECT_EQ(c.line(), "");
}

// RFC 1939 §4 greeting, §6 QUIT in the AUTHORIZATION state; RFC 2595 §4: STLS only where the
// listener offers it.
TEST_F(ServerTest, Pop3GreetsAndQuits)
{
    Client c(port("pop3"));
    EXPECT_EQ(c.line(), "+OK mx.test Harbor POP3 ready\r\n");
    c.send("STLS\r\n");
    EXPECT_EQ(c.line(), "-ERR STLS not available\r\n") << "a plaintext listener offers no STLS";
    c.send("QUIT\r\n");
    EXPECT_EQ(c.line(), "+OK Bye\r\n");
    EXPECT_EQ(c.line(), "");
}

// SECURITY-CASES 68, RFC 1939 §3: a client that says nothing after the greeting is
// disconnected at the pre-authentication timeout (2 s in this fixture). If it never were, the
// read below would wait until ctest's timeout fails the test.
TEST_F(ServerTest, Pop3ClosesAnIdleUnauthenticatedClient)
{
    Client c(port("pop3"));
    EXPECT_EQ(c.line(), "+OK mx.test Harbor POP3 ready\r\n");
    EXPECT_EQ(c.rest(), "") << "nothing but the close";
}

// The POP3 listener trusted for plaintext passwords (the loopback demo's setting) and an
// authenticated autologout of 3 s, distinct from the 2 s before authentication.
class ServerPop3AutologoutTest : public ServerTest {
protected:
    ServerPop3AutologoutTest()
    {
        pop3_idle_timeout_ = 3s;
        pop3_trusted_plaintext_ = true;
    }
};

// SECURITY-CASES 68, RFC 1939 §3 and §6: an authenticated client that stays silent is logged
// out at the idle timeout "without entering the UPDATE state", so the message it marked with
// DELE is still in the maildrop. If the session never timed out, rest() would wait until
// ctest's timeout fails the test.
TEST_F(ServerPop3AutologoutTest, Pop3AutologoutOfAnIdleAuthenticatedClientRemovesNothing)
{
    directory::Directory directory(*store_);
    ASSERT_TRUE(directory.add_domain("example.org"));
    Result<store::Account> account = directory.add_user("carol@example.org", "correct horse");
    ASSERT_TRUE(account) << account.error().to_string();
    for (const std::string_view bytes :
         {std::string_view("Subject: one\r\n\r\nfirst\r\n"),
          std::string_view("Subject: two\r\n\r\nsecond\r\n")}) {
        store::AppendRequest append;
        append.account = account->id;
        append.mailbox = "INBOX";
        append.bytes = bytes;
        Result<store::MessageRecord> appended = store_->append(std::move(append));
        ASSERT_TRUE(appended) << appended.error().to_string();
    }

    Client idle(port("pop3"));
    EXPECT_EQ(idle.line(), "+OK mx.test Harbor POP3 ready\r\n");
    idle.send("USER carol@example.org\r\n");
    EXPECT_EQ(idle.line(), "+OK Send PASS\r\n");
    idle.send("PASS correct horse\r\n");
    ASSERT_EQ(idle.line(), "+OK Logged in, 2 messages\r\n");
    idle.send("UIDL 1\r\n");
    const std::string uidl_before = idle.line();
    ASSERT_TRUE(uidl_before.starts_with("+OK 1 ")) << uidl_before;
    idle.send("DELE 1\r\n");
    EXPECT_EQ(idle.line(), "+OK Message 1 deleted\r\n");
    // Silence: the server closes without a response (no "+OK Bye", no UPDATE).
    EXPECT_EQ(idle.rest(), "") << "nothing but the close";

    // The session ended (and released the maildrop) before its socket was closed, so the
    // store and a new session see its end.
    Result<store::Mailbox> inbox = store_->find_mailbox(account->id, "INBOX");
    ASSERT_TRUE(inbox) << inbox.error().to_string();
    Result<std::vector<store::MessageRecord>> records = store_->list_messages(inbox->id);
    ASSERT_TRUE(records) << records.error().to_string();
    EXPECT_EQ(records->size(), 2U) << "the message marked by DELE was removed";

    Client again(port("pop3"));
    EXPECT_EQ(again.line(), "+OK mx.test Harbor POP3 ready\r\n");
    again.send("USER carol@example.org\r\nPASS correct horse\r\n");
    EXPECT_EQ(again.line(), "+OK Send PASS\r\n");
    ASSERT_EQ(again.line(), "+OK Logged in, 2 messages\r\n");
    again.send("UIDL 1\r\n");
    EXPECT_EQ(again.line(), uidl_before) << "the same message, under the same unique id";
    again.send("QUIT\r\n");
    EXPECT_EQ(again.line(), "+OK Bye\r\n");
    EXPECT_EQ(again.line(), "");
}

// The RCPT cache (smtp/server/recipient_cache.hpp) with a ttl of an hour and with none: an
// account removed after an accepted RCPT is still accepted while the answer lives, and refused
// at once without it. Unknown addresses are never answered from the cache.
class ServerSmtpRecipientCacheTest : public ServerTest,
                                     public ::testing::WithParamInterface<std::chrono::milliseconds> {
protected:
    ServerSmtpRecipientCacheTest() { smtp_recipient_cache_ = GetParam(); }
};

TEST_P(ServerSmtpRecipientCacheTest, RcptAfterTheAccountWentFollowsTheTtl)
{
    directory::Directory directory(*store_);
    ASSERT_TRUE(directory.add_domain("example.org"));
    ASSERT_TRUE(directory.add_user("dave@example.org", "correct horse"));
    Client c(port("smtp"));
    EXPECT_EQ(c.line(), "220 mx.test ESMTP Harbor\r\n");
    c.send("HELO client.test\r\n");
    EXPECT_TRUE(c.line().starts_with("250 ")) << "HELO";
    c.send("MAIL FROM:<sender@client.test>\r\n");
    EXPECT_EQ(c.line(), "250 2.1.0 Ok\r\n");
    c.send("RCPT TO:<dave@example.org>\r\n");
    EXPECT_EQ(c.line(), "250 2.1.5 Ok\r\n");
    c.send("RCPT TO:<nobody@example.org>\r\n");
    EXPECT_TRUE(c.line().starts_with("550 5.1.1 ")) << "unknown";

    ASSERT_TRUE(directory.remove_user("dave@example.org"));
    c.send("RCPT TO:<dave@example.org>\r\n");
    const std::string again = c.line();
    if (GetParam().count() > 0) {
        EXPECT_EQ(again, "250 2.1.5 Ok\r\n") << "answered from the cache";
    } else {
        EXPECT_TRUE(again.starts_with("550 5.1.1 ")) << again;
    }
    ASSERT_TRUE(directory.add_user("nobody@example.org", "correct horse"));
    c.send("RCPT TO:<nobody@example.org>\r\n");
    EXPECT_EQ(c.line(), "250 2.1.5 Ok\r\n") << "a refusal is not kept";
    c.send("QUIT\r\n");
    EXPECT_TRUE(c.line().starts_with("221 "));
}

INSTANTIATE_TEST_SUITE_P(Ttl, ServerSmtpRecipientCacheTest,
                         ::testing::Values(std::chrono::milliseconds(3'600'000),
                                           std::chrono::milliseconds(0)));

TEST_F(ServerTest, HttpAnswersGetSlash)
{
    Client c(port("http"));
    c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    std::string response = c.rest();
    EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
    EXPECT_TRUE(response.ends_with("\r\n\r\nHarbor is running.\n")) << response;
    Client missing(port("http"));
    missing.send("GET /nope HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(missing.rest().starts_with("HTTP/1.1 404 Not Found\r\n"));
}

TEST_F(ServerTest, StopTellsConnectedClientsAndReturnsQuickly)
{
    Client smtp(port("smtp"));
    Client imap(port("imap"));
    Client pop3(port("pop3"));
    EXPECT_EQ(smtp.line(), "220 mx.test ESMTP Harbor\r\n");
    EXPECT_EQ(imap.line(), "* OK [CAPABILITY IMAP4rev2] Harbor ready\r\n");
    EXPECT_EQ(pop3.line(), "+OK mx.test Harbor POP3 ready\r\n");
    server_->request_stop();
    waiter_.get();
    EXPECT_EQ(smtp.line(), "421 4.3.2 mx.test Service shutting down\r\n");
    EXPECT_EQ(imap.line(), "* BYE Harbor shutting down\r\n");
    EXPECT_EQ(pop3.line(), "-ERR [SYS/TEMP] Server shutting down\r\n");  // RFC 2449 §8.1.2
    boost::system::error_code ec;
    tcp::socket probe(smtp.socket().get_executor());
    probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port("smtp")), ec);
    EXPECT_TRUE(ec) << "listener closed";
}

TEST_F(ServerTest, ReloadServesTheNewCertificate)
{
    auto common_name = [&] {
        Client c(port("imap"));
        c.line();
        c.send("a STARTTLS\r\n");
        c.line();
        SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
        SSL* ssl = SSL_new(ctx);
        SSL_set_fd(ssl, c.socket().native_handle());
        std::string cn;
        if (SSL_connect(ssl) == 1) {
            X509* cert = SSL_get1_peer_certificate(ssl);
            char buf[128] = {};
            X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
            X509_free(cert);
            cn = buf;
        }
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        return cn;
    };
    EXPECT_EQ(common_name(), "mx.test");
    ASSERT_TRUE(net::generate_self_signed("new.test", dir_.path / "c.pem", dir_.path / "k.pem"));
    ASSERT_TRUE(server_->reload_tls().has_value());
    EXPECT_EQ(common_name(), "new.test");
}

TEST_F(ServerTest, TakenPortFailsWithTheAddress)
{
    Config clash = config_;
    clash.listeners = {listener("smtp", Protocol::Smtp)};
    clash.listeners[0].port = port("smtp");
    Server second(clash, greeting_handlers(), ServerOptions{1, 100ms, 100ms, false});
    auto started = second.start();
    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(started.error().detail, "cannot listen on 127.0.0.1:" + std::to_string(port("smtp")) +
                                          " (smtp): Address already in use");
}

// A session that ignores the stop: it waits on a timer, which aborting the socket does not
// cancel, so its frame is still pending when the pool is destroyed.
class StubbornHandler : public net::SessionHandler {
public:
    net::Awaitable<void> run(net::Connection&, net::SessionContext&) override
    {
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(30));
        co_await timer.async_wait(net::use_tuple);
    }
};

// Frames pending on any context may hold the last reference to the listener, whose acceptor
// lives on context 0, and a pending accept references the context it accepts for. Under ASan
// destroying the server here was a heap-use-after-free until the pool destroyed context 0 last
// and Listener::stop() waited for the accept loop to end.
TEST_F(ServerTest, DestroyingWithSessionsPendingOnEveryContextIsSafe)
{
    Config config = config_;
    config.listeners = {listener("imap", Protocol::Imap)};
    HandlerMap handlers{{Protocol::Imap, std::make_shared<StubbornHandler>()}};
    auto server = std::make_unique<Server>(config, handlers, ServerOptions{2, 50ms, 1000ms, false});
    ASSERT_TRUE(server->start().has_value());
    std::uint16_t imap = server->port("imap").value_or(0);
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(std::make_unique<Client>(imap));
    }
    std::this_thread::sleep_for(50ms);  // let the accepts land on both contexts
    server->request_stop();
    server->wait();
    server.reset();
    SUCCEED();
}

TEST(Server, TlsListenerWithoutCertificateIsAConfigError)
{
    Config config;
    config.listeners = {listener("imaps", Protocol::Imap, TlsMode::Implicit)};
    Server server(config, greeting_handlers(), ServerOptions{1, 100ms, 100ms, false});
    auto started = server.start();
    ASSERT_FALSE(started.has_value());
    EXPECT_NE(started.error().detail.find("imaps"), std::string::npos);
}

TEST(Demo, ConfigHasTheEightLoopbackListeners)
{
    auto config = make_demo_config("/tmp/harbor-demo-x", 21000);
    ASSERT_TRUE(config.has_value());
    ASSERT_EQ(config->listeners.size(), 8u);
    std::map<std::string, std::pair<int, TlsMode>> expected = {
        {"smtp", {21025, TlsMode::StartTls}},        {"submission", {21587, TlsMode::StartTls}},
        {"submissions", {21465, TlsMode::Implicit}}, {"imap", {21143, TlsMode::StartTls}},
        {"imaps", {21993, TlsMode::Implicit}},       {"pop3", {21110, TlsMode::StartTls}},
        {"pop3s", {21995, TlsMode::Implicit}},       {"http", {21080, TlsMode::None}}};
    for (const auto& l : config->listeners) {
        ASSERT_TRUE(expected.count(l.name)) << l.name;
        EXPECT_EQ(l.port, expected[l.name].first) << l.name;
        EXPECT_EQ(l.tls, expected[l.name].second) << l.name;
        EXPECT_EQ(l.address, "127.0.0.1");
        EXPECT_TRUE(l.trusted_plaintext);
    }
    EXPECT_EQ(config->tls->certificate, "/tmp/harbor-demo-x/tls/cert.pem");
    EXPECT_FALSE(make_demo_config("/tmp/x", 64541).has_value());
    EXPECT_FALSE(make_demo_config("/tmp/x", -1).has_value());
}

TEST(Demo, JsonHasExactlyTheContractKeys)
{
    DemoInstallation installation{{{"admin@example.test", "pw-admin-123456", "admin"},
                                   {"alice@example.test", "pw-alice-123456", "user"}},
                                  {"demo", "example.test", "v=DKIM1; k=rsa; p=AB"}};
    std::string text =
        format_demo_json(installation, {{"smtp", 21025}, {"http", 21080}}, "/tmp/d/tls/cert.pem");
    auto json = nlohmann::json::parse(text);
    EXPECT_EQ(json.size(), 5u);
    EXPECT_EQ(json["domain"], "example.test");
    ASSERT_EQ(json["accounts"].size(), 2u);
    EXPECT_EQ(json["accounts"][1]["address"], "alice@example.test");
    EXPECT_EQ(json["accounts"][1]["password"], "pw-alice-123456");
    EXPECT_EQ(json["accounts"][1]["role"], "user");
    EXPECT_EQ(json["accounts"][0].size(), 3u);
    EXPECT_EQ(json["ports"], nlohmann::json({{"smtp", 21025}, {"http", 21080}}));
    EXPECT_EQ(json["certificate"], "/tmp/d/tls/cert.pem");
    EXPECT_EQ(json["dkim"], nlohmann::json({{"selector", "demo"},
                                            {"domain", "example.test"},
                                            {"txt", "v=DKIM1; k=rsa; p=AB"}}));
}

}  // namespace
}  // namespace harbor::server
