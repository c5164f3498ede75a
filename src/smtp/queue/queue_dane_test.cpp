// DANE in the queue runner (RFC 7672) against real peers on loopback: a private unbound serves
// dane.example signed at test time (ldns-signzone), with the resolver's trust anchor its DS, and
// an unsigned insecure.example; Harbor's own SMTP server on 127.0.0.1 plays each domain's MX
// with a certificate from a private CA. Cases: TLSA that matches (delivered), TLSA that does not
// (deferred 4.7.5, nothing delivered), a bogus TLSA answer (the host is skipped), no TLSA
// (opportunistic TLS), TLSA in an unsigned zone (ignored), and DANE turned off.
#include <gtest/gtest.h>

#include <fstream>

#include "smtp/queue/queue_peer_test_support.hpp"

namespace harbor::smtp::queue {
namespace {

using namespace std::chrono_literals;
using client::test::eventually;

class QueueDaneTest : public test::QueuePeerTest {
protected:
    void SetUp() override
    {
        make_certs({"mx.good.dane.example"});
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
        start_dns_and_store(insecure, dns::test::auth_zone(dns_dir_.path(), "dane.example"));
    }

    void start_runner(bool dane = true)
    {
        QueueSettings s = runner_settings();
        s.dane = dane;
        dns::ResolverSettings resolver = resolver_settings();
        resolver.trust_anchors = {anchor_};
        QueuePeerTest::start_runner(s, resolver);
    }

    std::string anchor_;
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
