// DANE in the queue runner (RFC 7672) against real peers on loopback: a private unbound serves
// dane.example signed at test time (ldns-signzone), with the resolver's trust anchor its DS, and
// an unsigned insecure.example; Harbor's own SMTP server on 127.0.0.1 plays each domain's MX
// with a certificate from a private CA. Cases: TLSA that matches (delivered), TLSA that does not
// (deferred 4.7.5, nothing delivered), a bogus TLSA answer (the host is skipped), no TLSA
// (opportunistic TLS), TLSA in an unsigned zone (ignored), and DANE turned off.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "directory/directory.hpp"
#include "dns/unbound_server_for_test.hpp"
#include "smtp/client/dane_certs_for_test.hpp"
#include "smtp/client/harbor_peer_for_test.hpp"
#include "smtp/queue/queue_runner.hpp"
#include "store/store.hpp"

namespace harbor::smtp::queue {
namespace {

using namespace std::chrono_literals;
using client::test::eventually;

class QueueDaneTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        port_ = client::test::free_port();
        ASSERT_NE(port_, 0);
        auto certs = client::test::make_dane_certs(certs_dir_.path(), "mx.good.dane.example");
        ASSERT_TRUE(certs.has_value()) << certs.error().to_string();
        certs_ = *certs;
        auto leaf = client::test::tlsa_for(certs_.leaf, 3, 1, 1);
        ASSERT_TRUE(leaf.has_value()) << leaf.error().to_string();
        const std::string good = client::test::tlsa_rdata_text(*leaf);
        net::DaneRecord other = *leaf;
        other.data[0] ^= 0xff;
        const std::string wrong = client::test::tlsa_rdata_text(other);
        const std::string tlsa = "_" + std::to_string(port_) + "._tcp.";

        std::string records;
        for (const char* host : {"good", "bad", "plain", "bogus"}) {
            records += std::string(host) + " IN MX 10 mx." + host + "\n";
            records += std::string("mx.") + host + " IN A 127.0.0.1\n";
        }
        records += tlsa + "mx.good IN TLSA " + good + "\n";
        records += tlsa + "mx.bad IN TLSA " + wrong + "\n";
        records += tlsa + "mx.bogus IN TLSA " + good + "\n";
        auto ds = dns::test::sign_zone(dns_dir_.path(), "dane.example", records);
        ASSERT_TRUE(ds.has_value()) << ds.error().to_string();
        anchor_ = *ds;
        // The bogus host's TLSA data changed after signing: its RRSIG no longer matches.
        const auto signed_zone = dns_dir_.path() / "dane.example.zone.signed";
        std::string text = dns::test::read_text(signed_zone);
        const std::string marker = tlsa + "mx.bogus.dane.example.";
        const std::size_t owner = text.find(marker);
        ASSERT_NE(owner, std::string::npos) << text;
        const std::size_t digest = text.find(good.substr(6, 16), owner);
        ASSERT_NE(digest, std::string::npos);
        text[digest] = text[digest] == '0' ? '1' : '0';
        std::ofstream(signed_zone) << text;

        const std::string insecure =
            "    local-zone: \"insecure.example.\" static\n"
            "    local-data: \"insecure.example. 300 IN MX 10 mx.insecure.example.\"\n"
            "    local-data: \"mx.insecure.example. 300 IN A 127.0.0.1\"\n"
            "    local-data: \"" +
            tlsa + "mx.insecure.example. 300 IN TLSA " + wrong + "\"\n";
        auto dns = dns::test::UnboundServer::start(
            dns_dir_.path(), insecure, dns::test::auth_zone(dns_dir_.path(), "dane.example"));
        ASSERT_TRUE(dns.has_value()) << dns.error().to_string();
        dns_ = std::move(*dns);

        auto store = store::open_store(store::StoreOptions{dir_.path() / "store"});
        ASSERT_TRUE(store.has_value()) << store.error().detail;
        store_ = std::move(*store);
        directory_ = std::make_unique<directory::Directory>(*store_);
        ASSERT_TRUE(directory_->add_domain("local.test").has_value());
        ASSERT_TRUE(directory_->add_user("sender@local.test", "correct horse battery"));
    }

    void TearDown() override
    {
        if (runner_) {
            runner_->stop();
        }
    }

    // The MX of `domain` on 127.0.0.1 at the port every destination is reached on.
    void start_peer(const std::string& domain)
    {
        client::test::PeerListener listener;
        listener.certificate = certs_.chain;
        listener.key = certs_.key;
        listener.at = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_);
        listener.domain = domain;
        peer_ = std::make_unique<client::test::HarborPeer>(TlsMode::StartTls, listener);
    }

    void start_runner(bool dane = true)
    {
        QueueSettings s;
        s.dane = dane;
        s.hostname = "mx.local.test";
        s.port = port_;
        s.poll_interval = 200ms;
        s.client.connect_timeout = 2s;
        s.client.command_timeout = 5s;
        s.client.greeting_timeout = 5s;
        s.client.tls_handshake_timeout = 5s;
        s.client.data_end_timeout = 20s;
        dns::ResolverSettings resolver;
        resolver.forwarders = {dns_->forwarder()};
        resolver.trust_anchors = {anchor_};
        resolver.query_timeout = 5s;
        runner_ = std::make_unique<QueueRunner>(*store_, *directory_, resolver, s);
        ASSERT_TRUE(runner_->start().has_value());
    }

    std::int64_t enqueue(const std::string& recipient)
    {
        store::DeliverRequest request;
        request.bytes = "From: <sender@local.test>\r\nSubject: dane\r\n\r\nover DANE\r\n";
        request.internal_date = static_cast<std::int64_t>(std::time(nullptr));
        store::OutboundCopy outbound;
        outbound.envelope_from = "sender@local.test";
        outbound.params = "{}";
        outbound.recipients.push_back(store::QueuedRecipient{recipient, "{}"});
        request.outbound = std::move(outbound);
        auto delivered = store_->deliver(std::move(request));
        EXPECT_TRUE(delivered && delivered->queue_id.has_value());
        runner_->wake();
        return delivered && delivered->queue_id ? *delivered->queue_id : 0;
    }

    bool gone(std::int64_t id) { return !store_->find_queue_entry(id).has_value(); }

    // The recipient's last reply once the first attempt is recorded.
    std::string deferred_reply(std::int64_t id)
    {
        std::string reply;
        EXPECT_TRUE(eventually([&] {
            auto entry = store_->find_queue_entry(id);
            if (entry && entry->attempts >= 1) {
                reply = entry->recipients.at(0).last_reply;
                return true;
            }
            return false;
        }));
        return reply;
    }

    client::test::TempDir dir_;
    client::test::TempDir certs_dir_;
    dns::test::TempDir dns_dir_;
    client::test::DaneCerts certs_;
    std::string anchor_;
    std::uint16_t port_ = 0;
    std::unique_ptr<dns::test::UnboundServer> dns_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<directory::Directory> directory_;
    std::unique_ptr<client::test::HarborPeer> peer_;
    std::unique_ptr<QueueRunner> runner_;
};

TEST_F(QueueDaneTest, MatchingTlsaRecordsLetTheMessageThrough)
{
    start_peer("good.dane.example");
    start_runner();
    const std::int64_t id = enqueue("dave@good.dane.example");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(peer_->inbox().size(), 1u);
    EXPECT_EQ(runner_->stats().delivered, 1u);
    EXPECT_EQ(runner_->stats().dane, 1u);
}

TEST_F(QueueDaneTest, ACertificateMatchingNoTlsaRecordIsDeferred)
{
    start_peer("bad.dane.example");
    start_runner();
    const std::int64_t id = enqueue("dave@bad.dane.example");
    const std::string reply = deferred_reply(id);
    EXPECT_TRUE(reply.starts_with("451 4.7.5")) << reply;
    EXPECT_NE(reply.find("matches none of its TLSA records"), std::string::npos) << reply;
    EXPECT_FALSE(gone(id));
    EXPECT_TRUE(peer_->inbox().empty());
}

TEST_F(QueueDaneTest, ABogusTlsaAnswerMakesTheHostUnreachable)
{
    start_peer("bogus.dane.example");
    start_runner();
    const std::int64_t id = enqueue("dave@bogus.dane.example");
    const std::string reply = deferred_reply(id);
    EXPECT_TRUE(reply.starts_with("451 4.7.5")) << reply;
    EXPECT_NE(reply.find("TLSA lookup of _" + std::to_string(port_) +
                         "._tcp.mx.bogus.dane.example failed"),
              std::string::npos)
        << reply;
    EXPECT_EQ(runner_->stats().connections, 0u);
    EXPECT_TRUE(peer_->inbox().empty());
}

TEST_F(QueueDaneTest, WithoutTlsaRecordsTlsStaysOpportunistic)
{
    start_peer("plain.dane.example");
    start_runner();
    const std::int64_t id = enqueue("dave@plain.dane.example");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(peer_->inbox().size(), 1u);
    EXPECT_EQ(runner_->stats().dane, 0u);
}

TEST_F(QueueDaneTest, TlsaRecordsOfAnUnsignedZoneAreIgnored)
{
    start_peer("insecure.example");
    start_runner();
    const std::int64_t id = enqueue("dave@insecure.example");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(peer_->inbox().size(), 1u);
}

TEST_F(QueueDaneTest, DaneOffIgnoresTheRecords)
{
    start_peer("bad.dane.example");
    start_runner(false);
    const std::int64_t id = enqueue("dave@bad.dane.example");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(peer_->inbox().size(), 1u);
}

}  // namespace
}  // namespace harbor::smtp::queue
