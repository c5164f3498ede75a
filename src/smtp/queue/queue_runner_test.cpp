// The queue runner against real peers on loopback: a private unbound serves the test zones
// (MX, null MX, a domain whose server refuses; under .example, since libunbound answers .test
// itself with NXDOMAIN, RFC 6761 §6.2), Postfix's smtp-sink plays the remote MTAs on
// 127.A.B.2 (answering, refusing with 4xx or 5xx, hanging up), and 127.A.B.3 is a host where
// nothing listens; A.B are this process's (process_loopback), so parallel tests never meet.
// Messages are queued through Store::deliver as the SMTP server queues them; the store then shows
// each recipient's state, and bounces arrive in the sender's INBOX.
#include "smtp/queue/queue_runner.hpp"

#include "smtp/queue/queue_metrics.hpp"
#include "smtp/queue/queue_runner_fixture_for_test.hpp"

namespace harbor::smtp::queue {
namespace {

using namespace std::chrono_literals;
using namespace runner_test;
using client::test::eventually;
using client::test::SinkDump;

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
