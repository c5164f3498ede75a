// The queue runner against real peers on loopback: a private unbound serves the test zones
// (MX, null MX, a domain whose server refuses; under .example, since libunbound answers .test
// itself with NXDOMAIN, RFC 6761 §6.2), Postfix's smtp-sink plays the remote MTAs on
// 127.A.B.2 (answering, refusing with 4xx or 5xx, hanging up), and 127.A.B.3 is a host where
// nothing listens; A.B are this process's (process_loopback), so parallel tests never meet.
// Messages are queued through Store::deliver as the SMTP server queues them; the store then shows
// each recipient's state, and bounces arrive in the sender's INBOX.
#include "smtp/queue/queue_runner.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "directory/directory.hpp"
#include "dns/unbound_server_for_test.hpp"
#include "smtp/client/smtp_sink_for_test.hpp"
#include "smtp/queue/queue_metrics.hpp"
#include "store/store.hpp"

namespace harbor::smtp::queue {
namespace {

using namespace std::chrono_literals;
using client::test::eventually;
using client::test::SinkDump;
using client::test::SmtpSink;

constexpr std::string_view zones = R"(
    local-zone: "remote.example." static
    local-data: "remote.example. 300 IN MX 10 mx.remote.example."
    local-data: "mx.remote.example. 300 IN A SINK_IP"
    local-zone: "backup.example." static
    local-data: "backup.example. 300 IN MX 10 mx1.backup.example."
    local-data: "backup.example. 300 IN MX 20 mx2.backup.example."
    local-data: "mx1.backup.example. 300 IN A DEAD_IP"
    local-data: "mx2.backup.example. 300 IN A SINK_IP"
    local-zone: "down.example." static
    local-data: "down.example. 300 IN MX 10 mx.down.example."
    local-data: "mx.down.example. 300 IN A DEAD_IP"
    local-zone: "nullmx.example." static
    local-data: "nullmx.example. 300 IN MX 0 ."
    local-zone: "servfail.example." refuse
    local-zone: "loop.example." static
    local-data: "loop.example. 300 IN MX 10 mx.local.test."
)";

const std::string sink_ip = client::test::process_loopback(2);
const std::string dead_ip = client::test::process_loopback(3);

// The zones with this process's addresses in place of SINK_IP and DEAD_IP.
std::string zones_here()
{
    std::string text(zones);
    for (const auto& [name, address] :
         {std::pair{std::string("SINK_IP"), sink_ip}, std::pair{std::string("DEAD_IP"), dead_ip}}) {
        for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name)) {
            text.replace(at, name.size(), address);
        }
    }
    return text;
}

const std::string message_text =
    "From: Sender <sender@local.test>\r\nTo: someone@remote.example\r\n"
    "Subject: outbound\r\nMessage-ID: <q1@local.test>\r\n\r\nHello over there.\r\n";

class QueueRunnerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto dns = dns::test::UnboundServer::start(dns_dir_.path(), zones_here());
        ASSERT_TRUE(dns.has_value()) << dns.error().detail;
        dns_ = std::move(*dns);
        auto store = store::open_store(store::StoreOptions{dir_.path() / "store"});
        ASSERT_TRUE(store.has_value()) << store.error().detail;
        store_ = std::move(*store);
        directory_ = std::make_unique<directory::Directory>(*store_);
        ASSERT_TRUE(directory_->add_domain("local.test").has_value());
        auto sender = directory_->add_user("sender@local.test", "correct horse battery");
        ASSERT_TRUE(sender.has_value());
        sender_ = *sender;
        port_ = client::test::free_port();
        ASSERT_NE(port_, 0);
    }

    void TearDown() override
    {
        if (runner_) {
            runner_->stop();
        }
    }

    // A sink on sink_ip at the port every destination is reached on.
    void start_sink(std::vector<std::string> options = {})
    {
        sink_.reset();
        auto sink = SmtpSink::start(sink_dir_.path(), std::move(options), sink_ip, port_);
        ASSERT_TRUE(sink.has_value()) << sink.error().detail;
        sink_ = std::move(*sink);
    }

    QueueSettings settings()
    {
        QueueSettings s;
        s.hostname = "mx.local.test";
        s.port = port_;
        s.poll_interval = 200ms;
        s.client.connect_timeout = 2s;
        s.client.command_timeout = 5s;
        s.client.greeting_timeout = 5s;
        return s;
    }

    void start_runner(QueueSettings s)
    {
        dns::ResolverSettings resolver;
        resolver.forwarders = {dns_->forwarder()};
        resolver.query_timeout = 2s;
        runner_ = std::make_unique<QueueRunner>(*store_, *directory_, resolver, std::move(s));
        ASSERT_TRUE(runner_->start().has_value());
    }

    std::int64_t enqueue(std::vector<std::string> recipients, std::string params = "{}",
                         std::string recipient_params = "{}", std::string prefix = "")
    {
        store::DeliverRequest request;
        request.bytes = message_text;
        request.internal_date = static_cast<std::int64_t>(std::time(nullptr));
        store::OutboundCopy outbound;
        outbound.envelope_from = "sender@local.test";
        outbound.params = std::move(params);
        for (std::string& address : recipients) {
            outbound.recipients.push_back(
                store::QueuedRecipient{std::move(address), recipient_params});
        }
        outbound.prefix = std::move(prefix);
        request.outbound = std::move(outbound);
        auto delivered = store_->deliver(std::move(request));
        EXPECT_TRUE(delivered.has_value());
        EXPECT_TRUE(delivered && delivered->queue_id.has_value());
        if (runner_) {
            runner_->wake();
        }
        return delivered && delivered->queue_id ? *delivered->queue_id : 0;
    }

    std::optional<store::QueuedMessage> entry(std::int64_t id)
    {
        auto found = store_->find_queue_entry(id);
        if (!found) {
            return std::nullopt;
        }
        return *found;
    }

    bool gone(std::int64_t id) { return !entry(id).has_value(); }

    // The messages in the sender's INBOX (the bounces), oldest first.
    std::vector<std::string> inbox()
    {
        std::vector<std::string> out;
        auto mailbox = store_->find_mailbox(sender_.id, "INBOX");
        if (!mailbox) {
            return out;
        }
        auto messages = store_->list_messages(mailbox->id);
        if (!messages) {
            return out;
        }
        for (const store::MessageRecord& record : *messages) {
            auto text = store_->read_message(record);
            if (text) {
                out.push_back(std::move(*text));
            }
        }
        return out;
    }

    client::test::TempDir dir_;
    client::test::TempDir sink_dir_;
    dns::test::TempDir dns_dir_;
    std::unique_ptr<dns::test::UnboundServer> dns_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<directory::Directory> directory_;
    store::Account sender_;
    std::uint16_t port_ = 0;
    std::unique_ptr<SmtpSink> sink_;
    std::unique_ptr<QueueRunner> runner_;
};

TEST_F(QueueRunnerTest, DeliversThroughTheMxAndForgetsTheEntry)
{
    start_sink();
    start_runner(settings());
    const std::uint64_t delivered = queue_metrics().delivered.value();
    const std::int64_t id = enqueue({"one@remote.example", "two@remote.example"});
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    // Counted just after the commit that removed the entry; one per recipient.
    EXPECT_TRUE(eventually([&] { return queue_metrics().delivered.value() == delivered + 2; }));
    const std::vector<SinkDump> dumps = sink_->dumps();
    ASSERT_EQ(dumps.size(), 1u);  // both recipients in one transaction
    EXPECT_EQ(dumps[0].helo, "mx.local.test");
    EXPECT_TRUE(dumps[0].mail.starts_with("<sender@local.test>")) << dumps[0].mail;
    ASSERT_EQ(dumps[0].rcpts.size(), 2u);
    EXPECT_TRUE(dumps[0].rcpts[0].starts_with("<one@remote.example>")) << dumps[0].rcpts[0];
    EXPECT_NE(dumps[0].content.find("Hello over there."), std::string::npos);
    EXPECT_TRUE(inbox().empty());  // no notice: nobody asked for one
    const QueueStats stats = runner_->stats();
    EXPECT_EQ(stats.delivered, 2u);
    EXPECT_EQ(stats.connections, 1u);
}

TEST_F(QueueRunnerTest, TheEntrysPrefixIsSentAboveTheMessage)
{
    // A gateway passes its Authentication-Results on to the next hop (RFC 8601 §5).
    start_sink();
    start_runner(settings());
    const std::string field = "Authentication-Results: mx.local.test; spf=pass\r\n";
    const std::int64_t id = enqueue({"one@remote.example"}, "{}", "{}", field);
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    const std::vector<SinkDump> dumps = sink_->dumps();
    ASSERT_EQ(dumps.size(), 1u);
    std::string sent = field + message_text;  // as smtp-sink writes it: LF line ends
    for (std::size_t cr = sent.find('\r'); cr != std::string::npos; cr = sent.find('\r')) {
        sent.erase(cr, 1);
    }
    EXPECT_EQ(dumps[0].content, sent);
}

TEST_F(QueueRunnerTest, ManyMessagesShareFewConnections)
{
    // Per-domain concurrency 2: twenty messages to one domain over at most two connections
    // at a time, each carrying several (connection reuse).
    start_sink();
    QueueSettings s = settings();
    s.max_connections_per_domain = 2;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 20; ++i) {
        ids.push_back(enqueue({"user" + std::to_string(i) + "@remote.example"}));
    }
    start_runner(s);
    ASSERT_TRUE(eventually([&] {
        return std::all_of(ids.begin(), ids.end(), [&](std::int64_t id) { return gone(id); });
    }));
    EXPECT_EQ(sink_->dumps().size(), 20u);
    const QueueStats stats = runner_->stats();
    EXPECT_EQ(stats.delivered, 20u);
    EXPECT_LE(stats.connections, 2u);
    EXPECT_GE(stats.connections, 1u);
}

TEST_F(QueueRunnerTest, PermanentRefusalBouncesToTheSender)
{
    start_sink({"-f", "RCPT"});
    start_runner(settings());
    const std::uint64_t bounced = queue_metrics().bounced.value();
    const std::uint64_t delivered = queue_metrics().delivered.value();
    const std::int64_t id = enqueue({"nobody@remote.example"}, R"({"envid":"ENV-1"})");
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_TRUE(eventually([&] { return queue_metrics().bounced.value() == bounced + 1; }));
    EXPECT_EQ(queue_metrics().delivered.value(), delivered);
    ASSERT_TRUE(eventually([&] { return inbox().size() == 1; }));
    const std::string bounce = inbox()[0];
    EXPECT_NE(bounce.find("Return-Path: <>"), std::string::npos);
    EXPECT_NE(bounce.find("Final-Recipient: rfc822; nobody@remote.example"), std::string::npos);
    EXPECT_NE(bounce.find("Action: failed"), std::string::npos);
    EXPECT_NE(bounce.find("Status: 5."), std::string::npos);
    EXPECT_NE(bounce.find("Remote-MTA: dns; mx.remote.example"), std::string::npos);
    EXPECT_NE(bounce.find("Diagnostic-Code: smtp; 5"), std::string::npos);
    EXPECT_NE(bounce.find("Original-Envelope-Id: ENV-1"), std::string::npos);
    EXPECT_NE(bounce.find("Hello over there."), std::string::npos);  // the original returned
    EXPECT_TRUE(sink_->dumps().empty());
}

TEST_F(QueueRunnerTest, TemporaryRefusalRetriesUntilAccepted)
{
    start_sink({"-r", "RCPT"});
    start_runner(settings());
    const std::uint64_t deferred = queue_metrics().deferred.value();
    const std::int64_t id = enqueue({"later@remote.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(id);
        return queued && queued->attempts == 1;
    }));
    EXPECT_TRUE(eventually([&] { return queue_metrics().deferred.value() == deferred + 1; }));
    std::optional<store::QueuedMessage> queued = entry(id);
    ASSERT_TRUE(queued.has_value());
    EXPECT_EQ(queued->recipients[0].state, store::RecipientState::Pending);
    EXPECT_TRUE(queued->recipients[0].last_reply.starts_with("4"))
        << queued->recipients[0].last_reply;
    EXPECT_EQ(queued->recipients[0].remote, "mx.remote.example [" + sink_ip + "]");
    // The first retry is a minute away (RetryPolicy); nothing happens before it.
    EXPECT_GE(queued->next_attempt, queued->created + 59);
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(entry(id)->attempts, 1u);

    start_sink();  // the remote takes mail again
    ASSERT_TRUE(store_->change_queue_entry(id, store::QueueAction::RetryNow, 0).has_value());
    runner_->wake();
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(sink_->dumps().size(), 1u);
    EXPECT_TRUE(inbox().empty());
}

TEST_F(QueueRunnerTest, ExpiryBouncesWithTheLastReply)
{
    // A lifetime of zero: the first temporary failure is also the last word.
    start_sink({"-r", "RCPT"});
    QueueSettings s = settings();
    s.retry.lifetime = 0s;
    start_runner(s);
    const std::uint64_t bounced = queue_metrics().bounced.value();
    const std::uint64_t deferred = queue_metrics().deferred.value();
    const std::int64_t id = enqueue({"slow@remote.example"});
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    // Expired at its first temporary failure: bounced, never deferred.
    EXPECT_TRUE(eventually([&] { return queue_metrics().bounced.value() == bounced + 1; }));
    EXPECT_EQ(queue_metrics().deferred.value(), deferred);
    ASSERT_TRUE(eventually([&] { return inbox().size() == 1; }));
    const std::string bounce = inbox()[0];
    EXPECT_NE(bounce.find("Action: failed"), std::string::npos);
    EXPECT_NE(bounce.find("Status: 4."), std::string::npos);
    EXPECT_NE(bounce.find("Diagnostic-Code: smtp; 4"), std::string::npos);
}

TEST_F(QueueRunnerTest, TheQueueGaugeCountsEntriesAtEachScrapeWhileTheRunnerRuns)
{
    start_sink({"-r", "RCPT"});
    start_runner(settings());
    const metrics::Gauge& queued = queue_metrics().queued;
    const std::int64_t first = enqueue({"a@remote.example"});
    const std::int64_t second = enqueue({"b@remote.example"});
    (void)metrics::render_text();  // runs the scrape hooks
    EXPECT_EQ(queued.value(), 2);
    ASSERT_TRUE(store_->change_queue_entry(first, store::QueueAction::Delete, 0).has_value());
    (void)metrics::render_text();
    EXPECT_EQ(queued.value(), 1);
    runner_->stop();  // its hook goes with it: the gauge keeps the last value scraped
    ASSERT_TRUE(store_->change_queue_entry(second, store::QueueAction::Delete, 0).has_value());
    (void)metrics::render_text();
    EXPECT_EQ(queued.value(), 1);
}

TEST_F(QueueRunnerTest, DelayWarningGoesOutOnce)
{
    start_sink({"-r", "RCPT"});
    QueueSettings s = settings();
    s.retry.delay_warning = 1s;
    s.retry.backoff = {1s};
    start_runner(s);
    const std::int64_t id = enqueue({"slow@remote.example"});
    // The first attempt comes before the warning time; the ones after it warn once.
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(id);
        return queued && queued->attempts >= 3;
    }));
    const std::vector<std::string> messages = inbox();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_NE(messages[0].find("Action: delayed"), std::string::npos);
    EXPECT_NE(messages[0].find("Will-Retry-Until: "), std::string::npos);
    EXPECT_TRUE(entry(id)->delay_warned);
}

TEST_F(QueueRunnerTest, NextMxWhenTheFirstIsDown)
{
    start_sink();
    start_runner(settings());
    const std::int64_t id = enqueue({"user@backup.example"});
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(sink_->dumps().size(), 1u);
}

TEST_F(QueueRunnerTest, DestinationDownIsDeferredAsAWhole)
{
    start_runner(settings());
    const std::int64_t first = enqueue({"a@down.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(first);
        return queued && queued->attempts == 1;
    }));
    EXPECT_EQ(entry(first)->recipients[0].state, store::RecipientState::Pending);
    const QueueStats before = runner_->stats();
    EXPECT_EQ(before.connections, 0u);
    // The destination is suspended: a second message is deferred without a connection attempt.
    const std::int64_t second = enqueue({"b@down.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(second);
        return queued && queued->attempts == 1;
    }));
    const store::QueuedRecipient deferred = entry(second)->recipients[0];
    EXPECT_NE(deferred.last_reply.find("delivery temporarily suspended: "), std::string::npos)
        << deferred.last_reply;
    EXPECT_EQ(deferred.remote, "mx.down.example [" + dead_ip + "]");
    EXPECT_EQ(runner_->stats().connections, 0u);
    EXPECT_TRUE(inbox().empty());
}

TEST_F(QueueRunnerTest, RetryLiftsTheSuspensionOfItsDestination)
{
    // Nothing listens yet: the destination is suspended for an hour, the entry due in one.
    QueueSettings s = settings();
    s.destination_backoff = 1h;
    s.retry.backoff = {1h};
    start_runner(s);
    const std::int64_t id = enqueue({"user@remote.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(id);
        return queued && queued->attempts == 1;
    }));
    start_sink();
    // `harbor queue retry`: the next look at the queue tries the host again at once.
    ASSERT_TRUE(store_->change_queue_entry(id, store::QueueAction::RetryNow,
                                           static_cast<std::int64_t>(std::time(nullptr))));
    runner_->wake();
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    EXPECT_EQ(sink_->dumps().size(), 1u);
}

TEST_F(QueueRunnerTest, NullMxBouncesAtOnce)
{
    start_runner(settings());
    const std::int64_t id = enqueue({"user@nullmx.example"});
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    ASSERT_TRUE(eventually([&] { return inbox().size() == 1; }));
    EXPECT_NE(inbox()[0].find("Status: 5.1.10"), std::string::npos);
    EXPECT_NE(inbox()[0].find("556 5.1.10"), std::string::npos);
}

TEST_F(QueueRunnerTest, DnsFailureIsTemporary)
{
    start_runner(settings());
    const std::int64_t id = enqueue({"user@servfail.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(id);
        return queued && queued->attempts == 1;
    }));
    const store::QueuedRecipient recipient = entry(id)->recipients[0];
    EXPECT_EQ(recipient.state, store::RecipientState::Pending);
    EXPECT_NE(recipient.last_reply.find("4.4.3"), std::string::npos) << recipient.last_reply;
    EXPECT_TRUE(inbox().empty());
}

TEST_F(QueueRunnerTest, TwoDestinationsOfOneEntryAreOneAttempt)
{
    start_runner(settings());
    const std::int64_t id = enqueue({"a@down.example", "b@servfail.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(id);
        return queued && !queued->recipients[0].last_reply.empty() &&
               !queued->recipients[1].last_reply.empty();
    }));
    EXPECT_EQ(entry(id)->attempts, 1u);  // not one per destination
}

TEST_F(QueueRunnerTest, HangUpAfterDataIsTemporary)
{
    // The remote drops the connection after the content's final dot, without replying: the
    // message may or may not have arrived, so it is tried again (RFC 5321 §4.1.1.4 leaves
    // duplicates to the retry), never bounced.
    start_sink({"-q", "."});
    start_runner(settings());
    const std::int64_t id = enqueue({"drop@remote.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(id);
        return queued && queued->attempts == 1;
    }));
    EXPECT_EQ(entry(id)->recipients[0].state, store::RecipientState::Pending);
    EXPECT_TRUE(inbox().empty());
}

TEST_F(QueueRunnerTest, SplitsRecipientsByDomain)
{
    // One message, three destinations: delivered, bounced (null MX), deferred (down).
    start_sink();
    start_runner(settings());
    const std::int64_t id =
        enqueue({"ok@remote.example", "no@nullmx.example", "wait@down.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(id);
        return queued && queued->recipients[0].state == store::RecipientState::Delivered &&
               queued->recipients[1].state == store::RecipientState::Failed &&
               !queued->recipients[2].last_reply.empty();
    }));
    EXPECT_EQ(entry(id)->recipients[2].state, store::RecipientState::Pending);
    EXPECT_EQ(sink_->dumps().size(), 1u);
    ASSERT_TRUE(eventually([&] { return inbox().size() == 1; }));
    EXPECT_NE(inbox()[0].find("no@nullmx.example"), std::string::npos);
    EXPECT_EQ(inbox()[0].find("Final-Recipient: rfc822; ok@remote.example"), std::string::npos);
}

TEST_F(QueueRunnerTest, RoutesSendADomainToItsHostAndTheRestToTheSmartHost)
{
    // No DNS for either: corp.example goes to its route's host, nowhere.example (which does
    // not exist) to the smart host "*". Routes are read on each look at the queue.
    start_sink();
    start_runner(settings());
    ASSERT_TRUE(store_->put_route(store::Route{"corp.example", sink_ip, port_}));
    const std::int64_t routed = enqueue({"boss@corp.example"});
    ASSERT_TRUE(eventually([&] { return gone(routed); }));
    ASSERT_TRUE(store_->put_route(store::Route{"*", sink_ip, port_}));
    const std::int64_t smart = enqueue({"someone@nowhere.example"});
    ASSERT_TRUE(eventually([&] { return gone(smart); }));
    const std::vector<SinkDump> dumps = sink_->dumps();
    ASSERT_EQ(dumps.size(), 2u);
    EXPECT_TRUE(inbox().empty());
}

// QueueRunner::verify_recipient, waited for on the test's thread.
client::Verdict verify(QueueRunner& runner, const std::string& address)
{
    std::promise<client::Verdict> answer;
    runner.verify_recipient(address, [&answer](client::Verdict v) { answer.set_value(v); });
    return answer.get_future().get();
}

TEST_F(QueueRunnerTest, RecipientVerificationAsksTheRoutesHostAndRemembersItsAnswers)
{
    start_sink();
    start_runner(settings());
    ASSERT_TRUE(store_->put_route(store::Route{"corp.example", sink_ip, port_}));
    EXPECT_EQ(verify(*runner_, "boss@corp.example").outcome, client::Outcome::Delivered);
    // The host refuses every RCPT now (5xx); the answer given before still holds.
    start_sink({"-f", "RCPT"});
    EXPECT_EQ(verify(*runner_, "boss@corp.example").outcome, client::Outcome::Delivered);
    const client::Verdict refused = verify(*runner_, "temp@corp.example");
    EXPECT_EQ(refused.outcome, client::Outcome::Permanent);
    EXPECT_EQ(refused.reply.code / 100, 5);
    // Nothing listens: a temporary answer, not remembered, so the next one asks again.
    sink_.reset();
    EXPECT_EQ(verify(*runner_, "new@corp.example").outcome, client::Outcome::Temporary);
    start_sink({"-f", "RCPT"});
    EXPECT_EQ(verify(*runner_, "new@corp.example").outcome, client::Outcome::Permanent);
    // A domain without a route of its own (the smart host does not count) is not asked.
    ASSERT_TRUE(store_->put_route(store::Route{"*", sink_ip, port_}));
    const client::Verdict unrouted = verify(*runner_, "x@other.example");
    EXPECT_EQ(unrouted.outcome, client::Outcome::Temporary);
    EXPECT_EQ(unrouted.reply.enhanced, "4.4.3");
    EXPECT_TRUE(sink_->dumps().empty());  // a probe never sends a message
}

TEST_F(QueueRunnerTest, RecipientVerificationsAreBounded)
{
    start_sink();
    QueueSettings s = settings();
    s.max_verifications = 0;
    start_runner(s);
    ASSERT_TRUE(store_->put_route(store::Route{"corp.example", sink_ip, port_}));
    const client::Verdict busy = verify(*runner_, "boss@corp.example");
    EXPECT_EQ(busy.outcome, client::Outcome::Temporary);
    EXPECT_NE(busy.reply.text.find("too many"), std::string::npos) << busy.reply.text;
}

TEST_F(QueueRunnerTest, ARouteThatRequiresTlsDefersWithoutIt)
{
    // smtp-sink offers no STARTTLS: a route with tls required must not send in the clear.
    start_sink();
    start_runner(settings());
    ASSERT_TRUE(
        store_->put_route(store::Route{"corp.example", sink_ip, port_, store::RouteTls::Required}));
    const std::int64_t id = enqueue({"boss@corp.example"});
    ASSERT_TRUE(eventually([&] {
        auto queued = entry(id);
        return queued && queued->attempts == 1;
    }));
    const store::QueuedRecipient recipient = entry(id)->recipients[0];
    EXPECT_EQ(recipient.state, store::RecipientState::Pending);
    EXPECT_TRUE(recipient.last_reply.starts_with("4")) << recipient.last_reply;
    EXPECT_TRUE(sink_->dumps().empty());
}

TEST_F(QueueRunnerTest, AnMxNamingThisServerIsALoop)
{
    // loop.example's only MX is our own host name: sending there would come back to us.
    start_runner(settings());
    const std::int64_t id = enqueue({"user@loop.example"});
    ASSERT_TRUE(eventually([&] { return gone(id); }));
    ASSERT_TRUE(eventually([&] { return inbox().size() == 1; }));
    EXPECT_NE(inbox()[0].find("Status: 5.4.6"), std::string::npos);
    EXPECT_EQ(runner_->stats().connections, 0u);
}

TEST_F(QueueRunnerTest, ABacklogLargerThanABatchDrainsWithoutWaitingForThePoll)
{
    // Batches of 5 and a poll a minute away: 40 queued messages go out in one go, the next
    // batch read as the last one finishes; none is handed out twice (one attempt each).
    start_sink();
    QueueSettings s = settings();
    s.batch = 5;
    s.poll_interval = 60s;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 40; ++i) {
        ids.push_back(enqueue({"backlog" + std::to_string(i) + "@remote.example"}));
    }
    start_runner(s);
    ASSERT_TRUE(eventually([&] {
        return std::all_of(ids.begin(), ids.end(), [&](std::int64_t id) { return gone(id); });
    }));
    EXPECT_EQ(sink_->dumps().size(), 40u);
    const QueueStats stats = runner_->stats();
    EXPECT_EQ(stats.attempts, 40u);
    EXPECT_EQ(stats.delivered, 40u);
}

}  // namespace
}  // namespace harbor::smtp::queue
