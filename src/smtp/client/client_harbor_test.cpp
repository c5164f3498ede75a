// The SMTP client against Harbor's own SMTP server, run in-process on loopback (the real
// smtp::server::SmtpHandler over a real store): STARTTLS with a verified and an unverified
// certificate and a wrong name (RFC 3207), a refused and an accepted recipient in one
// transaction, BDAT (RFC 3030) with the stored bytes checked, SIZE (RFC 1870), SMTPUTF8
// (RFC 6531), BINARYMIME and REQUIRETLS (RFC 8689); AUTH PLAIN (RFC 4954, RFC 4616) against a
// submission listener: accepted over STARTTLS, a wrong password, no AUTH without TLS, a server
// that offers no AUTH.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "core/base64.hpp"
#include "core/log.hpp"

#include "smtp/client/client_session.hpp"
#include "smtp/client/harbor_peer_for_test.hpp"
#include "smtp/client/smtp_sink_for_test.hpp"

namespace harbor::smtp::client {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using test::deliver_here;
using test::make_message;

using test::dave_password;
using test::HarborPeer;
using test::PeerListener;

ClientSettings harbor_settings()
{
    ClientSettings settings = test::test_settings();
    settings.data_end_timeout = 20s;  // the server fsyncs before its reply
    return settings;
}

ClientSettings verifying_settings(const std::filesystem::path& ca, std::string server_name)
{
    ClientSettings settings = harbor_settings();
    settings.tls = TlsPolicy::Required;
    auto context = net::ClientTlsContext::create({net::TlsVerify::Peer, ca});
    EXPECT_TRUE(context.has_value()) << context.error().to_string();
    settings.tls_context = context ? *context : nullptr;
    settings.server_name = std::move(server_name);
    return settings;
}

DeliveryReport deliver_to_harbor(tcp::endpoint remote, std::vector<OutboundMessage> messages,
                                 ClientSettings settings = harbor_settings())
{
    return test::run(deliver_here(remote, std::move(settings), std::move(messages)));
}

constexpr std::string_view message_text =
    "From: s@example.net\r\n"
    "To: dave@example.org\r\n"
    "Subject: over TLS\r\n"
    "\r\n"
    ".a line with a leading dot\r\n"
    ".\r\n"
    "bye\r\n";

bool ends_with(const std::string& stored, std::string_view tail)
{
    return stored.size() >= tail.size() &&
           stored.compare(stored.size() - tail.size(), tail.size(), tail) == 0;
}

TEST(SmtpClientHarbor, StartTlsVerifiedThenOneRecipientRefusedOneDelivered)
{
    HarborPeer peer(TlsMode::StartTls);
    DeliveryReport report = deliver_to_harbor(
        peer.endpoint(),
        {make_message("s@example.net", {"nobody@example.org", "dave@example.org"}, message_text)},
        verifying_settings(peer.certificate(), "mx.test"));
    const SessionRecord& record = report.record;
    EXPECT_TRUE(record.tls_version == "TLSv1.3" || record.tls_version == "TLSv1.2") << record.tls;
    EXPECT_FALSE(record.tls_cipher.empty());
    EXPECT_EQ(record.tls, record.tls_version + " " + record.tls_cipher);
    EXPECT_TRUE(record.tls_verified);
    EXPECT_FALSE(record.extensions.starttls) << "the EHLO after TLS (RFC 3207 §4.2)";
    EXPECT_TRUE(record.extensions.requiretls) << "Harbor offers REQUIRETLS only over TLS";

    const MessageResult& result = report.messages.at(0);
    EXPECT_TRUE(result.pipelined);
    EXPECT_TRUE(result.chunked) << "Harbor offers CHUNKING";
    ASSERT_EQ(result.recipients.size(), 2u);
    EXPECT_EQ(result.recipients[0].verdict.outcome, Outcome::Permanent);
    EXPECT_EQ(result.recipients[0].verdict.reply.code, 550);
    EXPECT_EQ(result.recipients[0].verdict.reply.enhanced, "5.1.1");
    EXPECT_EQ(result.recipients[1].verdict.outcome, Outcome::Delivered);
    EXPECT_EQ(result.recipients[1].verdict.reply.code, 250);

    const std::vector<std::string> inbox = peer.inbox();
    ASSERT_EQ(inbox.size(), 1u);
    EXPECT_TRUE(ends_with(inbox[0], message_text)) << inbox[0];
}

// Three probes on one connection, then a message: no probe leaves anything behind.
struct Probes {
    bool opened = false;
    Verdict known;
    Verdict unknown;
    Verdict sub_address;
    bool ready_after = false;
    MessageResult message;
};

net::Awaitable<Probes> probe(tcp::endpoint remote)
{
    ClientSession session(co_await asio::this_coro::executor, harbor_settings());
    Probes out;
    out.opened = co_await session.open(remote);
    out.known = co_await session.verify_recipient("dave@example.org");
    out.unknown = co_await session.verify_recipient("nobody@example.org");
    out.sub_address = co_await session.verify_recipient("dave+lists@example.org");
    out.ready_after = session.ready();
    const OutboundMessage message =
        make_message("s@example.net", {"dave@example.org"}, message_text);
    out.message = co_await session.send(message);
    co_await session.quit();
    co_return out;
}

TEST(SmtpClientHarbor, VerifyRecipientAsksWithoutSendingAMessage)
{
    HarborPeer peer(TlsMode::StartTls);
    const Probes probes = test::run(probe(peer.endpoint()));
    ASSERT_TRUE(probes.opened);
    EXPECT_EQ(probes.known.outcome, Outcome::Delivered);
    EXPECT_EQ(probes.known.reply.code, 250);
    EXPECT_EQ(probes.unknown.outcome, Outcome::Permanent);
    EXPECT_EQ(probes.unknown.reply.enhanced, "5.1.1");
    EXPECT_EQ(probes.sub_address.outcome, Outcome::Delivered);
    EXPECT_TRUE(probes.ready_after);
    // The message after the probes is a transaction of its own (RSET between them).
    ASSERT_EQ(probes.message.recipients.size(), 1u);
    EXPECT_EQ(probes.message.recipients[0].verdict.outcome, Outcome::Delivered);
    EXPECT_EQ(peer.inbox().size(), 1u);
}

TEST(SmtpClientHarbor, OpportunisticTlsDoesNotNeedAVerifiedCertificate)
{
    HarborPeer peer(TlsMode::StartTls);
    DeliveryReport report = deliver_to_harbor(
        peer.endpoint(), {make_message("s@example.net", {"dave@example.org"}, message_text)});
    EXPECT_NE(report.record.tls, "none");
    EXPECT_FALSE(report.record.tls_verified) << "self-signed, not in the system store";
    EXPECT_FALSE(report.record.tls_fell_back);
    EXPECT_EQ(report.messages.at(0).recipients.at(0).verdict.outcome, Outcome::Delivered);
}

TEST(SmtpClientHarbor, AFailedOpportunisticHandshakeFallsBackToPlaintext)
{
    HarborPeer peer(TlsMode::StartTls);
    test::RecordingProxy proxy(peer.endpoint(),
                               test::RecordingProxy::Fault::BreakFirstTlsHandshake);
    DeliveryReport report = deliver_to_harbor(
        proxy.endpoint(), {make_message("s@example.net", {"dave@example.org"}, message_text)});
    EXPECT_EQ(report.messages.at(0).recipients.at(0).verdict.outcome, Outcome::Delivered);
    EXPECT_TRUE(report.record.tls_fell_back);
    EXPECT_EQ(report.record.tls, "none");
    EXPECT_EQ(proxy.connections(), 2);
    EXPECT_EQ(peer.inbox().size(), 1u);

    // Required TLS does not fall back: the recipient waits for a better time.
    test::RecordingProxy strict(peer.endpoint(),
                                test::RecordingProxy::Fault::BreakFirstTlsHandshake);
    ClientSettings required = harbor_settings();
    required.tls = TlsPolicy::Required;
    DeliveryReport refused = deliver_to_harbor(
        strict.endpoint(), {make_message("s@example.net", {"dave@example.org"}, message_text)},
        required);
    const Verdict& verdict = refused.messages.at(0).recipients.at(0).verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.enhanced, "4.7.5");
    EXPECT_EQ(strict.connections(), 1);
    EXPECT_EQ(peer.inbox().size(), 1u);
}

TEST(SmtpClientHarbor, RequiredTlsWithTheWrongNameFailsTemporarily)
{
    HarborPeer peer(TlsMode::StartTls);
    DeliveryReport report = deliver_to_harbor(
        peer.endpoint(), {make_message("s@example.net", {"dave@example.org"}, message_text)},
        verifying_settings(peer.certificate(), "other.test"));
    const Verdict& verdict = report.messages.at(0).recipients.at(0).verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.enhanced, "4.7.5");
    EXPECT_TRUE(peer.inbox().empty());
}

TEST(SmtpClientHarbor, BdatCarriesTheExactBytesAndSizeIsDeclared)
{
    HarborPeer peer(TlsMode::None);
    test::RecordingProxy proxy(peer.endpoint());
    const std::string content = "Subject: chunk\r\n\r\n.dot\r\n..\r\nbare LF\nend";
    DeliveryReport report = deliver_to_harbor(
        proxy.endpoint(), {make_message("s@example.net", {"dave@example.org"}, content)});
    const MessageResult& result = report.messages.at(0);
    EXPECT_EQ(result.recipients.at(0).verdict.outcome, Outcome::Delivered);
    EXPECT_TRUE(result.chunked);
    const std::string sent = "Subject: chunk\r\n\r\n.dot\r\n..\r\nbare LF\r\nend\r\n";
    std::string wire;
    for (const std::string& read : proxy.client_reads()) {
        wire += read;
    }
    EXPECT_NE(wire.find("MAIL FROM:<s@example.net> SIZE=" + std::to_string(sent.size())),
              std::string::npos)
        << wire;
    EXPECT_NE(wire.find("BDAT " + std::to_string(sent.size()) + " LAST\r\n" + sent),
              std::string::npos)
        << "no dot-stuffing in BDAT (RFC 3030 §2): " << wire;
    EXPECT_EQ(wire.find("\r\nDATA\r\n"), std::string::npos);
    const std::vector<std::string> inbox = peer.inbox();
    ASSERT_EQ(inbox.size(), 1u);
    EXPECT_TRUE(ends_with(inbox[0], sent)) << inbox[0];
}

TEST(SmtpClientHarbor, AMessageOverTheServersSizeIsRefusedBeforeMail)
{
    HarborPeer peer(TlsMode::None, 1000);
    test::RecordingProxy proxy(peer.endpoint());
    const std::string big = "Subject: big\r\n\r\n" + std::string(2000, 'x') + "\r\n";
    DeliveryReport report = deliver_to_harbor(
        proxy.endpoint(), {make_message("s@example.net", {"dave@example.org"}, big)});
    EXPECT_EQ(report.record.extensions.max_size, 1000u);
    const Verdict& verdict = report.messages.at(0).recipients.at(0).verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Permanent);
    EXPECT_EQ(verdict.reply.code, 552);
    EXPECT_EQ(verdict.reply.enhanced, "5.3.4");
    for (const std::string& read : proxy.client_reads()) {
        EXPECT_EQ(read.find("MAIL FROM"), std::string::npos) << "refused locally (RFC 1870 §6)";
    }
}

TEST(SmtpClientHarbor, Smtputf8AndBinarymimeGoToAServerThatOffersThem)
{
    HarborPeer peer(TlsMode::None);
    test::RecordingProxy proxy(peer.endpoint());
    const std::string utf8 = "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nK\xc3\xb6ln\r\n";
    const char raw[] = "Subject: bin\r\n\r\n\x00\x01\xff\nraw\r";
    const std::string binary(raw, sizeof raw - 1);  // NUL, bare LF, bare CR: RFC 3030 §3
    DeliveryReport report = deliver_to_harbor(
        proxy.endpoint(),
        {make_message("j\xc3\xbcrgen@example.net", {"dave@example.org"}, utf8),
         make_message("s@example.net", {"dave@example.org"}, binary, R"({"body":"BINARYMIME"})")});
    ASSERT_EQ(report.messages.size(), 2u);
    EXPECT_EQ(report.messages[0].recipients.at(0).verdict.outcome, Outcome::Delivered)
        << report.messages[0].recipients.at(0).verdict.reply.text;
    EXPECT_EQ(report.messages[1].recipients.at(0).verdict.outcome, Outcome::Delivered)
        << report.messages[1].recipients.at(0).verdict.reply.text;
    std::string wire;
    for (const std::string& read : proxy.client_reads()) {
        wire += read;
    }
    EXPECT_NE(wire.find("MAIL FROM:<j\xc3\xbcrgen@example.net> SIZE=" +
                        std::to_string(utf8.size()) + " BODY=8BITMIME SMTPUTF8\r\n"),
              std::string::npos)
        << wire;
    EXPECT_NE(wire.find("BODY=BINARYMIME"), std::string::npos) << wire;
    EXPECT_NE(wire.find("BDAT " + std::to_string(binary.size()) + " LAST\r\n" + binary),
              std::string::npos)
        << "binary octets as they are";
    const std::vector<std::string> inbox = peer.inbox();
    ASSERT_EQ(inbox.size(), 2u);
    EXPECT_TRUE(std::any_of(inbox.begin(), inbox.end(),
                            [&](const std::string& m) { return ends_with(m, binary); }));
}

TEST(SmtpClientHarbor, RequireTlsNeedsVerifiedTlsAndTheExtension)
{
    const std::string params = R"({"requiretls":true})";
    {
        HarborPeer peer(TlsMode::StartTls);
        DeliveryReport report = deliver_to_harbor(
            peer.endpoint(),
            {make_message("s@example.net", {"dave@example.org"}, message_text, params)},
            verifying_settings(peer.certificate(), "mx.test"));
        EXPECT_EQ(report.messages.at(0).recipients.at(0).verdict.outcome, Outcome::Delivered)
            << report.messages.at(0).recipients.at(0).verdict.reply.text;
        EXPECT_EQ(peer.inbox().size(), 1u);
    }
    for (const TlsMode mode : {TlsMode::None, TlsMode::StartTls}) {
        // Plaintext, and TLS whose certificate did not verify (opportunistic): RFC 8689 §4.2.1.
        HarborPeer peer(mode);
        DeliveryReport report = deliver_to_harbor(
            peer.endpoint(),
            {make_message("s@example.net", {"dave@example.org"}, message_text, params)});
        const Verdict& verdict = report.messages.at(0).recipients.at(0).verdict;
        EXPECT_EQ(verdict.outcome, Outcome::Permanent);
        EXPECT_EQ(verdict.reply.enhanced, "5.7.30");
        EXPECT_TRUE(peer.inbox().empty());
    }
}

// AUTH (RFC 4954) to a submission listener, as the queue does to a smart host.

constexpr std::string_view submitted_text =
    "From: dave@example.org\r\n"
    "To: dave@example.org\r\n"
    "Subject: through the relay\r\n"
    "\r\n"
    "relayed as dave\r\n";

ClientSettings with_dave(ClientSettings settings, std::string password = std::string(dave_password))
{
    settings.auth = ClientCredentials{"dave@example.org", std::move(password)};
    return settings;
}

std::string joined_reads(const test::RecordingProxy& proxy)
{
    std::string wire;
    for (const std::string& read : proxy.client_reads()) {
        wire += read;
    }
    return wire;
}

// What the client's credentials look like on the wire: the password, and PLAIN's base64.
std::vector<std::string> secrets(std::string_view password)
{
    std::string plain;
    plain += '\0';
    plain += "dave@example.org";
    plain += '\0';
    plain += password;
    return {std::string(password), encode_base64(plain), encode_base64(password)};
}

TEST(SmtpClientHarbor, AuthPlainOverStartTlsThenTheMessageIsAcceptedAsTheUser)
{
    HarborPeer peer(TlsMode::StartTls, PeerListener{.protocol = Protocol::Submission});
    const log::Level level = log::level();
    log::init(log::Level::Debug, log::Format::Text);
    testing::internal::CaptureStderr();
    DeliveryReport report = deliver_to_harbor(
        peer.endpoint(), {make_message("dave@example.org", {"dave@example.org"}, submitted_text)},
        with_dave(verifying_settings(peer.certificate(), "mx.test")));
    const std::string logged = testing::internal::GetCapturedStderr();
    log::init(level, log::Format::Text);

    EXPECT_TRUE(report.record.tls_verified);
    EXPECT_EQ(report.record.auth_mechanism, "PLAIN") << "PLAIN is preferred to LOGIN";
    const Verdict& verdict = report.messages.at(0).recipients.at(0).verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Delivered) << verdict.reply.text;
    const std::vector<std::string> inbox = peer.inbox();
    ASSERT_EQ(inbox.size(), 1u);
    EXPECT_TRUE(ends_with(inbox[0], "\r\n\r\nrelayed as dave\r\n")) << inbox[0];
    EXPECT_NE(logged.find("smtp.client.authenticated"), std::string::npos) << logged;
    for (const std::string& secret : secrets(dave_password)) {
        EXPECT_EQ(logged.find(secret), std::string::npos) << "logged: " << secret;
    }
}

TEST(SmtpClientHarbor, AWrongPasswordIsATemporaryFailureWithTheServersReply)
{
    HarborPeer peer(TlsMode::StartTls, PeerListener{.protocol = Protocol::Submission});
    DeliveryReport report = deliver_to_harbor(
        peer.endpoint(), {make_message("dave@example.org", {"dave@example.org"}, submitted_text)},
        with_dave(harbor_settings(), "wrong horse battery"));
    EXPECT_NE(report.record.tls, "none");
    EXPECT_EQ(report.record.auth_mechanism, "");
    EXPECT_EQ(report.record.transactions, 0u);
    const Verdict& verdict = report.messages.at(0).recipients.at(0).verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary) << "Postfix defers: SASL authentication failed";
    EXPECT_EQ(verdict.reply.code, 535);
    EXPECT_EQ(verdict.reply.enhanced, "5.7.8");
    EXPECT_EQ(verdict.reply.text, "Authentication credentials invalid");
    EXPECT_TRUE(peer.inbox().empty());
}

TEST(SmtpClientHarbor, NoAuthWithoutTls)
{
    // The server would take AUTH in plaintext (a trusted listener); the client must not offer.
    HarborPeer peer(TlsMode::None,
                    PeerListener{.protocol = Protocol::Submission, .trusted_plaintext = true});
    test::RecordingProxy proxy(peer.endpoint());
    DeliveryReport report = deliver_to_harbor(
        proxy.endpoint(), {make_message("dave@example.org", {"dave@example.org"}, submitted_text)},
        with_dave(harbor_settings()));
    EXPECT_FALSE(report.record.extensions.auth_mechanisms.empty());
    const Verdict& verdict = report.messages.at(0).recipients.at(0).verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.code, 451);
    EXPECT_EQ(verdict.reply.enhanced, "4.7.0");
    EXPECT_NE(verdict.reply.text.find("needs TLS"), std::string::npos) << verdict.reply.text;
    const std::string wire = joined_reads(proxy);
    EXPECT_NE(wire.find("EHLO client.test\r\n"), std::string::npos) << wire;
    EXPECT_EQ(wire.find("AUTH"), std::string::npos) << wire;
    EXPECT_EQ(wire.find("MAIL FROM"), std::string::npos) << wire;
    for (const std::string& secret : secrets(dave_password)) {
        EXPECT_EQ(wire.find(secret), std::string::npos) << wire;
    }
    EXPECT_TRUE(peer.inbox().empty());

    // The explicit opt-out sends it in the clear, and this server takes it: the refusal above
    // was the client's.
    test::RecordingProxy clear(peer.endpoint());
    ClientSettings plaintext = with_dave(harbor_settings());
    plaintext.auth->only_over_tls = false;
    DeliveryReport sent = deliver_to_harbor(
        clear.endpoint(), {make_message("dave@example.org", {"dave@example.org"}, submitted_text)},
        plaintext);
    EXPECT_EQ(sent.messages.at(0).recipients.at(0).verdict.outcome, Outcome::Delivered)
        << sent.messages.at(0).recipients.at(0).verdict.reply.text;
    EXPECT_EQ(sent.record.auth_mechanism, "PLAIN");
    EXPECT_NE(joined_reads(clear).find("AUTH PLAIN " + secrets(dave_password)[1] + "\r\n"),
              std::string::npos)
        << "the initial response on the AUTH line (RFC 4954 §4)";
    EXPECT_EQ(peer.inbox().size(), 1u);
}

TEST(SmtpClientHarbor, NoAuthAfterAFailedHandshakeFallsBackToPlaintext)
{
    HarborPeer peer(TlsMode::StartTls,
                    PeerListener{.protocol = Protocol::Submission, .trusted_plaintext = true});
    test::RecordingProxy proxy(peer.endpoint(),
                               test::RecordingProxy::Fault::BreakFirstTlsHandshake);
    DeliveryReport report = deliver_to_harbor(
        proxy.endpoint(), {make_message("dave@example.org", {"dave@example.org"}, submitted_text)},
        with_dave(harbor_settings()));
    EXPECT_TRUE(report.record.tls_fell_back);
    EXPECT_EQ(proxy.connections(), 2);
    const Verdict& verdict = report.messages.at(0).recipients.at(0).verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.enhanced, "4.7.0");
    EXPECT_EQ(joined_reads(proxy).find("AUTH"), std::string::npos);
    EXPECT_TRUE(peer.inbox().empty());
}

TEST(SmtpClientHarbor, AServerThatOffersNoAuthIsATemporaryFailure)
{
    // An MX listener offers STARTTLS but no AUTH, and would take this message without it.
    HarborPeer peer(TlsMode::StartTls);
    DeliveryReport report = deliver_to_harbor(
        peer.endpoint(), {make_message("s@example.net", {"dave@example.org"}, message_text)},
        with_dave(harbor_settings()));
    EXPECT_NE(report.record.tls, "none");
    EXPECT_TRUE(report.record.extensions.auth_mechanisms.empty());
    const Verdict& verdict = report.messages.at(0).recipients.at(0).verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.code, 451);
    EXPECT_EQ(verdict.reply.enhanced, "4.7.4");
    EXPECT_NE(verdict.reply.text.find("does not offer SMTP AUTH"), std::string::npos)
        << verdict.reply.text;
    EXPECT_TRUE(peer.inbox().empty());

    DeliveryReport without = deliver_to_harbor(
        peer.endpoint(), {make_message("s@example.net", {"dave@example.org"}, message_text)});
    EXPECT_EQ(without.messages.at(0).recipients.at(0).verdict.outcome, Outcome::Delivered);
}

}  // namespace
}  // namespace harbor::smtp::client
