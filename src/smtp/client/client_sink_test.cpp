// The SMTP client against Postfix's smtp-sink on loopback: delivery to two recipients with
// dot-stuffing checked in smtp-sink's dump (RFC 5321 §4.5.2), DSN and 8BITMIME parameters only
// when offered, refused RCPTs, a 4xx to DATA, PIPELINING seen on the wire (RFC 2920), STARTTLS
// policies against a server without it (RFC 3207), connection reuse with RSET, a server that
// hangs up in DATA or answers 421, a timeout (§4.5.3.2), SMTPUTF8 refused locally
// (RFC 6531 §3.5). smtp-sink offers neither CHUNKING, SIZE nor SMTPUTF8: client_harbor_test.cpp
// covers those against Harbor's own server.
#include <boost/asio/this_coro.hpp>

#include <gtest/gtest.h>

#include <algorithm>

#include "smtp/client/client_session.hpp"
#include "smtp/client/smtp_sink_for_test.hpp"

namespace harbor::smtp::client {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using test::deliver_here;
using test::make_message;
using test::test_settings;

DeliveryReport deliver_to(tcp::endpoint remote, std::vector<OutboundMessage> messages,
                          ClientSettings settings = test_settings())
{
    return test::run(deliver_here(remote, std::move(settings), std::move(messages)));
}

std::unique_ptr<test::SmtpSink> start_sink(const test::TempDir& dir,
                                           std::vector<std::string> options = {})
{
    auto sink = test::SmtpSink::start(dir.path(), std::move(options));
    EXPECT_TRUE(sink.has_value()) << sink.error().to_string();
    return sink ? std::move(*sink) : nullptr;
}

int count(const std::vector<std::string>& reads, std::string_view needle)
{
    int n = 0;
    for (const std::string& read : reads) {
        for (std::size_t at = read.find(needle); at != std::string::npos;
             at = read.find(needle, at + 1)) {
            ++n;
        }
    }
    return n;
}

constexpr std::string_view dotted_message =
    "From: s@example.org\r\n"
    "Subject: dots\r\n"
    "\r\n"
    ".leading dot\r\n"
    "..two dots\r\n"
    ".\r\n"
    "last line without CRLF";

TEST(SmtpClientSink, DeliversOneMessageToTwoRecipientsWithDotStuffing)
{
    test::TempDir dir;
    auto sink = start_sink(dir);
    ASSERT_TRUE(sink);
    DeliveryReport report = deliver_to(
        sink->endpoint(),
        {make_message("s@example.org", {"a@example.net", "b@example.net"}, dotted_message)});

    ASSERT_EQ(report.messages.size(), 1u);
    const MessageResult& result = report.messages[0];
    ASSERT_EQ(result.recipients.size(), 2u);
    for (const RecipientResult& recipient : result.recipients) {
        EXPECT_EQ(recipient.verdict.outcome, Outcome::Delivered) << recipient.address;
        EXPECT_EQ(recipient.verdict.reply, (Reply{250, "2.0.0", "Ok"})) << recipient.address;
    }
    EXPECT_EQ(result.recipients[0].address, "a@example.net");
    EXPECT_EQ(result.recipients[1].address, "b@example.net");
    EXPECT_TRUE(result.pipelined);
    EXPECT_FALSE(result.chunked) << "smtp-sink has no CHUNKING";
    EXPECT_EQ(report.record.remote,
              sink->endpoint().address().to_string() + ":" + std::to_string(sink->port()));
    EXPECT_EQ(report.record.tls, "none");
    EXPECT_EQ(report.record.greeting.code, 220);
    EXPECT_EQ(report.record.last_reply.code, 221) << "QUIT answered";
    EXPECT_TRUE(report.record.esmtp);
    EXPECT_TRUE(report.record.extensions.dsn);
    EXPECT_EQ(report.record.transactions, 1u);

    const std::vector<test::SinkDump> dumps = sink->dumps();
    ASSERT_EQ(dumps.size(), 1u);
    EXPECT_EQ(dumps[0].helo, "client.test");
    EXPECT_EQ(dumps[0].mail, "<s@example.org>");
    EXPECT_EQ(dumps[0].rcpts, (std::vector<std::string>{"<a@example.net>", "<b@example.net>"}));
    // smtp-sink undoes the stuffing and writes LF line ends: the content arrived as it was.
    EXPECT_EQ(dumps[0].content,
              "From: s@example.org\nSubject: dots\n\n.leading dot\n..two dots\n.\n"
              "last line without CRLF\n");
}

TEST(SmtpClientSink, SendsDsnAnd8bitmimeParametersOnlyWhenOffered)
{
    const std::string content =
        "Subject: Gr\xc3\xbc\xc3\x9f"
        "e\r\n\r\nK\xc3\xb6ln\r\n";
    auto message = [&] {
        OutboundMessage m = make_message("s@example.org", {"a@example.net"}, content,
                                         R"({"envid":"id+1","ret":"HDRS"})");
        m.recipients[0].params = R"({"notify":"FAILURE,DELAY","orcpt":"rfc822;A@example.net"})";
        return m;
    };
    {
        test::TempDir dir;
        auto sink = start_sink(dir);
        ASSERT_TRUE(sink);
        DeliveryReport report = deliver_to(sink->endpoint(), {message()});
        EXPECT_EQ(report.messages[0].recipients[0].verdict.outcome, Outcome::Delivered);
        const auto dumps = sink->dumps();
        ASSERT_EQ(dumps.size(), 1u);
        EXPECT_EQ(dumps[0].mail, "<s@example.org> BODY=8BITMIME RET=HDRS ENVID=id+2B1");
        EXPECT_EQ(dumps[0].rcpts, std::vector<std::string>{"<a@example.net> NOTIFY=FAILURE,DELAY "
                                                           "ORCPT=rfc822;A@example.net"});
        EXPECT_EQ(dumps[0].content,
                  "Subject: Gr\xc3\xbc\xc3\x9f"
                  "e\n\nK\xc3\xb6ln\n");
    }
    {
        // -N: no DSN, -8: no 8BITMIME (RFC 3461 §5.2, RFC 6152 §3: not sent then).
        test::TempDir dir;
        auto sink = start_sink(dir, {"-N", "-8"});
        ASSERT_TRUE(sink);
        DeliveryReport report = deliver_to(sink->endpoint(), {message()});
        EXPECT_EQ(report.messages[0].recipients[0].verdict.outcome, Outcome::Delivered);
        EXPECT_FALSE(report.record.extensions.dsn);
        EXPECT_FALSE(report.record.extensions.eightbitmime);
        const auto dumps = sink->dumps();
        ASSERT_EQ(dumps.size(), 1u);
        EXPECT_EQ(dumps[0].mail, "<s@example.org>");
        EXPECT_EQ(dumps[0].rcpts, std::vector<std::string>{"<a@example.net>"});
        // RFC 6152 §3: the 8-bit body went as quoted-printable; the 8-bit header field could
        // not be converted and went as it was.
        EXPECT_EQ(dumps[0].content.find("K\xc3\xb6ln"), std::string::npos) << dumps[0].content;
        EXPECT_NE(dumps[0].content.find("Content-Transfer-Encoding: quoted-printable\n"),
                  std::string::npos)
            << dumps[0].content;
        EXPECT_NE(dumps[0].content.find("K=C3=B6ln"), std::string::npos) << dumps[0].content;
    }
}

TEST(SmtpClientSink, RefusedRecipientsAreClassedByTheirReply)
{
    struct Case {
        const char* option;
        Outcome want;
        int code;
    };
    for (const Case& test :
         {Case{"-f", Outcome::Permanent, 500}, Case{"-r", Outcome::Temporary, 450}}) {
        test::TempDir dir;
        auto sink = start_sink(dir, {test.option, "RCPT"});
        ASSERT_TRUE(sink);
        test::RecordingProxy proxy(sink->endpoint());
        DeliveryReport report = deliver_to(
            proxy.endpoint(),
            {make_message("s@example.org", {"a@example.net", "b@example.net"}, dotted_message),
             make_message("s@example.org", {"c@example.net"}, dotted_message)});
        for (const MessageResult& message : report.messages) {
            for (const RecipientResult& recipient : message.recipients) {
                EXPECT_EQ(recipient.verdict.outcome, test.want) << test.option;
                EXPECT_EQ(recipient.verdict.reply.code, test.code) << test.option;
            }
        }
        // No DATA without an accepted recipient; the next message starts with RSET.
        const std::vector<std::string> reads = proxy.client_reads();
        EXPECT_EQ(count(reads, "DATA\r\n"), 0) << test.option;
        EXPECT_EQ(count(reads, "RSET\r\n"), 1) << test.option;
        EXPECT_EQ(count(reads, "RCPT TO:"), 3) << test.option;
    }
}

TEST(SmtpClientSink, A4xxToDataIsTemporaryForEveryRecipient)
{
    test::TempDir dir;
    auto sink = start_sink(dir, {"-r", "DATA"});
    ASSERT_TRUE(sink);
    DeliveryReport report = deliver_to(
        sink->endpoint(),
        {make_message("s@example.org", {"a@example.net", "b@example.net"}, dotted_message)});
    for (const RecipientResult& recipient : report.messages[0].recipients) {
        EXPECT_EQ(recipient.verdict.outcome, Outcome::Temporary);
        EXPECT_EQ(recipient.verdict.reply, (Reply{450, "4.3.0", "Error: command failed"}));
    }
}

TEST(SmtpClientSink, PipelinesMailAndRcptOnlyWhenOffered)
{
    for (const bool offered : {true, false}) {
        test::TempDir dir;
        auto sink = offered ? start_sink(dir) : start_sink(dir, {"-p"});
        ASSERT_TRUE(sink);
        test::RecordingProxy proxy(sink->endpoint());
        DeliveryReport report = deliver_to(
            proxy.endpoint(),
            {make_message("s@example.org", {"a@example.net", "b@example.net", "c@example.net"},
                          dotted_message)});
        EXPECT_EQ(report.record.extensions.pipelining, offered);
        EXPECT_EQ(report.messages[0].pipelined, offered);
        for (const RecipientResult& recipient : report.messages[0].recipients) {
            EXPECT_EQ(recipient.verdict.outcome, Outcome::Delivered);
        }
        // What arrived in one read was written at once (RFC 2920 §3.1: one group).
        const std::vector<std::string> reads = proxy.client_reads();
        const bool grouped = std::any_of(reads.begin(), reads.end(), [](const std::string& r) {
            return r.starts_with("MAIL FROM:<s@example.org>\r\n") &&
                   r.find(
                       "RCPT TO:<a@example.net>\r\nRCPT TO:<b@example.net>\r\n"
                       "RCPT TO:<c@example.net>\r\n") != std::string::npos;
        });
        EXPECT_EQ(grouped, offered);
        if (!offered) {
            // Lock-step: no read holds more than one command.
            for (const std::string& read : reads) {
                if (read.starts_with("MAIL") || read.starts_with("RCPT")) {
                    EXPECT_EQ(count({read}, "\r\n"), 1) << read;
                }
            }
        }
    }
}

TEST(SmtpClientSink, StartTlsPolicyAgainstAServerWithoutIt)
{
    test::TempDir dir;
    auto sink = start_sink(dir);
    ASSERT_TRUE(sink);
    ClientSettings required = test_settings();
    required.tls = TlsPolicy::Required;
    DeliveryReport refused =
        deliver_to(sink->endpoint(),
                   {make_message("s@example.org", {"a@example.net"}, dotted_message)}, required);
    const Verdict& verdict = refused.messages[0].recipients[0].verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.code, 451);
    EXPECT_EQ(verdict.reply.enhanced, "4.7.4");
    EXPECT_TRUE(sink->dumps().empty());

    ClientSettings opportunistic = test_settings();
    opportunistic.tls = TlsPolicy::Opportunistic;
    DeliveryReport plain = deliver_to(
        sink->endpoint(), {make_message("s@example.org", {"a@example.net"}, dotted_message)},
        opportunistic);
    EXPECT_EQ(plain.messages[0].recipients[0].verdict.outcome, Outcome::Delivered);
    EXPECT_EQ(plain.record.tls, "none");
    EXPECT_EQ(sink->dumps().size(), 1u);
}

TEST(SmtpClientSink, ReusesTheConnectionWithRsetBetweenMessages)
{
    test::TempDir dir;
    auto sink = start_sink(dir);
    ASSERT_TRUE(sink);
    test::RecordingProxy proxy(sink->endpoint());
    DeliveryReport report = deliver_to(
        proxy.endpoint(),
        {make_message("s@example.org", {"a@example.net"}, "Subject: one\r\n\r\nfirst\r\n"),
         make_message("t@example.org", {"b@example.net", "c@example.net"},
                      "Subject: two\r\n\r\nsecond\r\n")});
    ASSERT_EQ(report.messages.size(), 2u);
    for (const MessageResult& message : report.messages) {
        for (const RecipientResult& recipient : message.recipients) {
            EXPECT_EQ(recipient.verdict.outcome, Outcome::Delivered) << recipient.address;
        }
    }
    EXPECT_EQ(report.record.transactions, 2u);
    EXPECT_EQ(proxy.connections(), 1);
    const std::vector<std::string> reads = proxy.client_reads();
    EXPECT_EQ(count(reads, "EHLO client.test\r\n"), 1);
    EXPECT_EQ(count(reads, "RSET\r\n"), 1);
    EXPECT_EQ(count(reads, "QUIT\r\n"), 1);
    const auto dumps = sink->dumps();
    ASSERT_EQ(dumps.size(), 2u);
    std::vector<std::string> mails = {dumps[0].mail, dumps[1].mail};
    std::sort(mails.begin(), mails.end());
    EXPECT_EQ(mails, (std::vector<std::string>{"<s@example.org>", "<t@example.org>"}));
}

TEST(SmtpClientSink, AServerThatHangsUpInDataLeavesEveryRecipientTemporary)
{
    // -q DATA: gone without a word after DATA; -q .: gone after the end of data, unanswered.
    for (const char* command : {"DATA", "."}) {
        test::TempDir dir;
        auto sink = start_sink(dir, {"-q", command});
        ASSERT_TRUE(sink);
        DeliveryReport report = deliver_to(
            sink->endpoint(),
            {make_message("s@example.org", {"a@example.net", "b@example.net"}, dotted_message),
             make_message("s@example.org", {"c@example.net"}, dotted_message)});
        for (const MessageResult& message : report.messages) {
            for (const RecipientResult& recipient : message.recipients) {
                EXPECT_EQ(recipient.verdict.outcome, Outcome::Temporary) << command;
                EXPECT_EQ(recipient.verdict.reply.code, 451) << command;
                EXPECT_EQ(recipient.verdict.reply.enhanced, "4.4.2") << command;
            }
        }
    }
}

TEST(SmtpClientSink, A421GreetingOrNoServerIsTemporary)
{
    test::TempDir dir;
    auto sink = start_sink(dir, {"-Q", "CONNECT"});
    ASSERT_TRUE(sink);
    DeliveryReport greeted = deliver_to(
        sink->endpoint(), {make_message("s@example.org", {"a@example.net"}, dotted_message)});
    EXPECT_EQ(greeted.messages[0].recipients[0].verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(greeted.messages[0].recipients[0].verdict.reply.code, 421);

    const std::uint16_t closed_port = test::free_port();
    DeliveryReport refused =
        deliver_to(tcp::endpoint(asio::ip::make_address("127.0.0.1"), closed_port),
                   {make_message("s@example.org", {"a@example.net"}, dotted_message)});
    const Verdict& verdict = refused.messages[0].recipients[0].verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.enhanced, "4.4.1");
    EXPECT_NE(verdict.reply.text.find("refused"), std::string::npos) << verdict.reply.text;
}

TEST(SmtpClientSink, ASlowServerTimesOut)
{
    test::TempDir dir;
    auto sink = start_sink(dir, {"-w", "3"});  // 3 s before answering DATA
    ASSERT_TRUE(sink);
    ClientSettings settings = test_settings();
    settings.data_init_timeout = 1s;  // §4.5.3.2.4, shortened
    DeliveryReport report =
        deliver_to(sink->endpoint(),
                   {make_message("s@example.org", {"a@example.net"}, dotted_message)}, settings);
    const Verdict& verdict = report.messages[0].recipients[0].verdict;
    EXPECT_EQ(verdict.outcome, Outcome::Temporary);
    EXPECT_EQ(verdict.reply.enhanced, "4.4.2");
    EXPECT_NE(verdict.reply.text.find("timeout"), std::string::npos) << verdict.reply.text;
}

TEST(SmtpClientSink, Smtputf8IsRefusedLocallyWhenTheServerLacksIt)
{
    test::TempDir dir;
    auto sink = start_sink(dir);
    ASSERT_TRUE(sink);
    DeliveryReport report = deliver_to(
        sink->endpoint(),
        {make_message("j\xc3\xbcrgen@example.org", {"a@example.net", "b@example.net"},
                      dotted_message),
         make_message("s@example.org", {"m\xc3\xbcller@example.net", "ascii@example.net"},
                      dotted_message)});
    EXPECT_FALSE(report.record.extensions.smtputf8);
    // A UTF-8 sender: the whole message needs SMTPUTF8 (RFC 6531 §3.5).
    for (const RecipientResult& recipient : report.messages[0].recipients) {
        EXPECT_EQ(recipient.verdict.outcome, Outcome::Permanent);
        EXPECT_EQ(recipient.verdict.reply.enhanced, "5.6.7");
    }
    // A UTF-8 recipient only: that one fails, the other goes.
    const MessageResult& second = report.messages[1];
    EXPECT_EQ(second.recipients[0].verdict.outcome, Outcome::Permanent);
    EXPECT_EQ(second.recipients[0].verdict.reply.enhanced, "5.6.7");
    EXPECT_EQ(second.recipients[1].verdict.outcome, Outcome::Delivered);
    const auto dumps = sink->dumps();
    ASSERT_EQ(dumps.size(), 1u);
    EXPECT_EQ(dumps[0].rcpts, std::vector<std::string>{"<ascii@example.net>"});
}

}  // namespace
}  // namespace harbor::smtp::client
