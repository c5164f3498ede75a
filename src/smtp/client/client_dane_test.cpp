// DANE on the SMTP client (RFC 7672 §2.2, §3; RFC 7671) against Harbor's own SMTP server on
// loopback: DANE-EE(3) by key or whole certificate, without a name check and whatever the CA
// store says; a DANE-EE record that does not match; DANE-TA(2) from a private CA, with the name
// checked against the TLSA base domain; TLS mandatory when STARTTLS is missing.
#include <gtest/gtest.h>

#include "smtp/client/client_session.hpp"
#include "smtp/client/dane_certs_for_test.hpp"
#include "smtp/client/harbor_peer_for_test.hpp"
#include "smtp/client/smtp_sink_for_test.hpp"

namespace harbor::smtp::client {
namespace {

using namespace std::chrono_literals;
using test::HarborPeer;
using test::make_message;
using test::PeerListener;

ClientSettings dane_settings(std::string server_name, std::vector<net::DaneRecord> records)
{
    ClientSettings settings = test::test_settings();
    settings.data_end_timeout = 20s;  // the server fsyncs before its reply
    settings.tls = TlsPolicy::Dane;
    settings.server_name = std::move(server_name);
    settings.dane = std::move(records);
    return settings;
}

DeliveryReport deliver_to(const HarborPeer& peer, ClientSettings settings)
{
    return test::run(test::deliver_here(
        peer.endpoint(), std::move(settings),
        {make_message("s@example.net", {"dave@example.org"}, "Subject: dane\r\n\r\nhi\r\n")}));
}

net::DaneRecord record_for(const std::filesystem::path& pem, std::uint8_t usage,
                           std::uint8_t selector, std::uint8_t matching_type)
{
    Result<net::DaneRecord> record = test::tlsa_for(pem, usage, selector, matching_type);
    EXPECT_TRUE(record.has_value()) << record.error().to_string();
    return record ? *record : net::DaneRecord{};
}

Outcome outcome_of(const DeliveryReport& report)
{
    return report.messages.empty() || report.messages[0].recipients.empty()
               ? Outcome::Temporary
               : report.messages[0].recipients[0].verdict.outcome;
}

TEST(SmtpClientDane, DaneEeMatchesTheKeyOrCertificateWithoutANameCheck)
{
    HarborPeer peer(TlsMode::StartTls);  // self-signed for "mx.test"
    for (auto [selector, matching_type] : {std::pair{1, 1}, std::pair{0, 0}, std::pair{1, 2}}) {
        SCOPED_TRACE(testing::Message() << "3 " << selector << " " << matching_type);
        const DeliveryReport report = deliver_to(
            peer, dane_settings("mx.other.example",  // not the certificate's name: §3.1.1
                                {record_for(peer.certificate(), 3, selector, matching_type)}));
        EXPECT_EQ(outcome_of(report), Outcome::Delivered);
        EXPECT_TRUE(report.record.dane);
        EXPECT_TRUE(report.record.tls_verified);
        EXPECT_NE(report.record.tls, "none");
    }
    EXPECT_EQ(peer.inbox().size(), 3u);
}

TEST(SmtpClientDane, ACertificateMatchingNoRecordIsNotSentTo)
{
    HarborPeer peer(TlsMode::StartTls);
    net::DaneRecord wrong = record_for(peer.certificate(), 3, 1, 1);
    wrong.data[0] ^= 0xff;
    const DeliveryReport report = deliver_to(peer, dane_settings("mx.test", {wrong}));
    EXPECT_EQ(outcome_of(report), Outcome::Temporary);
    ASSERT_FALSE(report.messages.empty());
    const Reply& reply = report.messages[0].recipients.at(0).verdict.reply;
    EXPECT_EQ(reply.code, 451);
    EXPECT_EQ(reply.enhanced, "4.7.5");
    EXPECT_NE(reply.text.find("matches none of its TLSA records"), std::string::npos) << reply.text;
    EXPECT_FALSE(report.record.dane);
    EXPECT_TRUE(peer.inbox().empty());
}

TEST(SmtpClientDane, DaneTaChecksTheChainAndTheTlsaBaseDomain)
{
    test::TempDir dir;
    Result<test::DaneCerts> certs = test::make_dane_certs(dir.path(), {"mx.dane.example"});
    ASSERT_TRUE(certs.has_value()) << certs.error().to_string();
    HarborPeer peer(TlsMode::StartTls,
                    PeerListener{.certificate = certs->chain, .key = certs->key});
    const net::DaneRecord ca = record_for(certs->ca, 2, 0, 1);

    const DeliveryReport good = deliver_to(peer, dane_settings("mx.dane.example", {ca}));
    EXPECT_EQ(outcome_of(good), Outcome::Delivered);
    EXPECT_TRUE(good.record.dane);

    // §3.2.2: a DANE-TA chain must carry the TLSA base domain.
    const DeliveryReport wrong_name = deliver_to(peer, dane_settings("mx.elsewhere.example", {ca}));
    EXPECT_EQ(outcome_of(wrong_name), Outcome::Temporary);
    EXPECT_FALSE(wrong_name.record.dane);

    EXPECT_EQ(peer.inbox().size(), 1u);
}

TEST(SmtpClientDane, NoStartTlsMeansNoDelivery)
{
    HarborPeer peer(TlsMode::None);
    const DeliveryReport report = deliver_to(
        peer, dane_settings("mx.test", {net::DaneRecord{3, 1, 1, std::vector<std::uint8_t>(32)}}));
    EXPECT_EQ(outcome_of(report), Outcome::Temporary);
    ASSERT_FALSE(report.messages.empty());
    EXPECT_EQ(report.messages[0].recipients.at(0).verdict.reply.enhanced, "4.7.4");
    EXPECT_TRUE(peer.inbox().empty());
}

}  // namespace
}  // namespace harbor::smtp::client
