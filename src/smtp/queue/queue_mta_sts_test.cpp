// MTA-STS in the queue runner (RFC 8461) against real peers on loopback: a private unbound
// serves the "_mta-sts" TXT records, MX and policy hosts; an HTTPS server in the test serves
// each domain's policy (https://mta-sts.<domain>/.well-known/mta-sts.txt) with a certificate
// from a private CA; Harbor's own SMTP server is every MX. Cases: enforce with a listed MX and
// a good certificate (delivered, verified), enforce with an MX the policy does not list
// (deferred, no connection), enforce with a certificate that does not name the MX (deferred),
// testing mode (delivered anyway), a policy host that is down (no policy), MTA-STS off.
#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "net/connection.hpp"
#include "net/tls_context.hpp"
#include "smtp/queue/queue_peer_test_support.hpp"

namespace harbor::smtp::queue {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using client::test::eventually;

// HTTPS on 127.0.0.1 that answers GET with the policy for the Host asked for (404 for others).
class PolicyServer {
public:
    PolicyServer(const client::test::DaneCerts& certs, std::map<std::string, std::string> policies)
        : policies_(std::move(policies))
    {
        auto tls = net::TlsContext::load(certs.chain, certs.key);
        EXPECT_TRUE(tls.has_value()) << tls.error().to_string();
        tls_ = tls ? *tls : nullptr;
        acceptor_.open(tcp::v4());
        acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        acceptor_.listen();
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~PolicyServer()
    {
        io_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    int requests() const { return requests_; }

private:
    net::Awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(net::use_tuple);
            if (ec) {
                co_return;
            }
            asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
        }
    }
    net::Awaitable<void> serve(tcp::socket socket)
    {
        const net::Deadline deadline = net::deadline_after(10s);
        net::Connection connection(std::move(socket), tls_);
        if (!co_await connection.start_tls(deadline)) {
            co_return;
        }
        std::string host;
        std::string target;
        for (;;) {
            Result<net::Line> line = co_await connection.read_line(8192, deadline);
            if (!line) {
                co_return;
            }
            if (line->text.empty()) {
                break;
            }
            if (line->text.starts_with("GET ")) {
                target = line->text.substr(4, line->text.find(' ', 4) - 4);
            } else if (line->text.starts_with("Host: ")) {
                host = line->text.substr(6);
            }
        }
        ++requests_;
        auto found = policies_.find(host);
        std::string response;
        if (found == policies_.end() || target != "/.well-known/mta-sts.txt") {
            response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        } else {
            response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                       std::to_string(found->second.size()) + "\r\nConnection: close\r\n\r\n" +
                       found->second;
        }
        (void)co_await connection.write(response, deadline);
        connection.close();
    }

    std::map<std::string, std::string> policies_;
    std::shared_ptr<net::TlsContext> tls_;
    std::atomic<int> requests_{0};
    asio::io_context io_;
    tcp::acceptor acceptor_{io_};
    std::thread thread_;
};

std::string policy(std::string_view mode, std::string_view mx)
{
    return "version: STSv1\r\nmode: " + std::string(mode) + "\r\nmx: " + std::string(mx) +
           "\r\nmax_age: 86400\r\n";
}

// The zone data of a domain whose MX (mx.<domain>) and policy host are 127.0.0.1, or
// `policy_address` for the policy host.
std::string domain_zone(const std::string& domain, const std::string& policy_address = "127.0.0.1")
{
    return "    local-zone: \"" + domain + ".\" static\n" + "    local-data: \"" + domain +
           ". 300 IN MX 10 mx." + domain + ".\"\n" + "    local-data: \"mx." + domain +
           ". 300 IN A 127.0.0.1\"\n" + "    local-data: '_mta-sts." + domain +
           ". 300 IN TXT \"v=STSv1; id=20261130\"'\n" + "    local-data: \"mta-sts." + domain +
           ". 300 IN A " + policy_address + "\"\n";
}

class QueueMtaStsTest : public test::QueuePeerTest {
protected:
    void SetUp() override
    {
        // One certificate for every policy host and the MX hosts that should verify; not for
        // mx.badcert.example.
        make_certs({"mx.enforce.example", "mx.testing.example", "mta-sts.enforce.example",
                    "mta-sts.othermx.example", "mta-sts.badcert.example",
                    "mta-sts.testing.example"});
        https_ = std::make_unique<PolicyServer>(
            certs_, std::map<std::string, std::string>{
                        {"mta-sts.enforce.example", policy("enforce", "mx.enforce.example")},
                        {"mta-sts.othermx.example", policy("enforce", "*.elsewhere.example")},
                        {"mta-sts.badcert.example", policy("enforce", "mx.badcert.example")},
                        {"mta-sts.testing.example", policy("testing", "mx.elsewhere.example")},
                        {"mta-sts.down.example", policy("enforce", "mx.elsewhere.example")}});
        start_dns_and_store(domain_zone("enforce.example") + domain_zone("othermx.example") +
                                domain_zone("badcert.example") + domain_zone("testing.example") +
                                domain_zone("down.example", "127.0.0.9"),
                            "");
    }

    void start_runner(bool mta_sts = true)
    {
        QueueSettings s = runner_settings();
        s.mta_sts = mta_sts;
        s.mta_sts_port = https_->port();
        s.ca_file = certs_.ca;
        QueuePeerTest::start_runner(s, resolver_settings());
    }

    std::unique_ptr<PolicyServer> https_;
};

TEST_F(QueueMtaStsTest, EnforcedPolicyWithAListedMxAndAGoodCertificateDelivers)
{
    start_peer("enforce.example");
    start_runner();
    const std::int64_t id = enqueue("dave@enforce.example");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(peer_->inbox().size(), 1u);
    EXPECT_EQ(https_->requests(), 1);
    EXPECT_EQ(runner_->stats().verified, 1u);
    // A second message uses the cached policy: no second fetch (§5.1).
    const std::int64_t again = enqueue("dave@enforce.example");
    ASSERT_TRUE(eventually([&] { return gone(again); }));
    EXPECT_EQ(https_->requests(), 1);
}

TEST_F(QueueMtaStsTest, AnMxThePolicyDoesNotListIsNotTried)
{
    start_peer("othermx.example");
    start_runner();
    const std::int64_t id = enqueue("dave@othermx.example");
    const std::string reply = deferred_reply(id);
    EXPECT_TRUE(reply.starts_with("451 4.7.5 MTA-STS: mx.othermx.example is not a mail host"))
        << reply;
    EXPECT_EQ(runner_->stats().connections, 0u);
    EXPECT_TRUE(peer_->inbox().empty());
}

TEST_F(QueueMtaStsTest, ACertificateThatDoesNotNameTheMxIsRefused)
{
    start_peer("badcert.example");
    start_runner();
    const std::int64_t id = enqueue("dave@badcert.example");
    const std::string reply = deferred_reply(id);
    EXPECT_TRUE(reply.starts_with("451 4.7.5")) << reply;
    EXPECT_NE(reply.find("TLS handshake"), std::string::npos) << reply;
    EXPECT_TRUE(peer_->inbox().empty());
}

TEST_F(QueueMtaStsTest, AKeptPolicyOutlivesARestartWhoseFetchIsBlocked)
{
    start_peer("othermx.example");
    start_runner();
    const std::int64_t first = enqueue("dave@othermx.example");
    EXPECT_TRUE(deferred_reply(first).starts_with("451 4.7.5 MTA-STS"));
    ASSERT_TRUE(eventually([&] {
        auto kept = store_->list_sts_policies(0);
        return kept && kept->size() == 1;
    }));
    EXPECT_EQ(store_->list_sts_policies(0)->at(0).domain, "othermx.example");
    // A restart with the policy host out of reach, as an attacker would have it (RFC 8461
    // §10.1): the kept policy still rules the MX out.
    QueueSettings s = runner_settings();
    s.mta_sts_port = https_->port();
    s.ca_file = certs_.ca;
    runner_->stop();
    runner_.reset();
    https_.reset();
    QueuePeerTest::start_runner(s, resolver_settings());
    const std::int64_t second = enqueue("eve@othermx.example");
    const std::string reply = deferred_reply(second);
    EXPECT_TRUE(reply.starts_with("451 4.7.5 MTA-STS: mx.othermx.example is not a mail host"))
        << reply;
    EXPECT_TRUE(peer_->inbox().empty());
}

TEST_F(QueueMtaStsTest, TestingModeDeliversDespiteAMismatch)
{
    start_peer("testing.example");
    start_runner();
    const std::int64_t id = enqueue("dave@testing.example");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(peer_->inbox().size(), 1u);
    EXPECT_EQ(https_->requests(), 1);
}

TEST_F(QueueMtaStsTest, APolicyHostThatIsDownMeansNoPolicy)
{
    start_peer("down.example");
    start_runner();
    const std::int64_t id = enqueue("dave@down.example");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(peer_->inbox().size(), 1u);
    EXPECT_EQ(https_->requests(), 0);
}

TEST_F(QueueMtaStsTest, MtaStsOffIgnoresThePolicy)
{
    start_peer("othermx.example");
    start_runner(false);
    const std::int64_t id = enqueue("dave@othermx.example");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(peer_->inbox().size(), 1u);
    EXPECT_EQ(https_->requests(), 0);
}

}  // namespace
}  // namespace harbor::smtp::queue
