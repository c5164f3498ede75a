// The queue runner with routes (harbor route): a domain sent to its route's host, the rest to a
// smart host, recipient verification against the route's host, a route that requires TLS.
// The fixture (queue_runner_fixture_for_test.hpp) is the runner tests' own.
#include "smtp/queue/queue_runner_fixture_for_test.hpp"

namespace harbor::smtp::queue {
namespace {

using namespace std::chrono_literals;
using namespace runner_test;
using client::test::eventually;
using client::test::SinkDump;

// A name of its own: gtest keeps one fixture class per test suite name.
class QueueRoutesTest : public QueueRunnerTest {};

TEST_F(QueueRoutesTest, RoutesSendADomainToItsHostAndTheRestToTheSmartHost)
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

TEST_F(QueueRoutesTest, RecipientVerificationAsksTheRoutesHostAndRemembersItsAnswers)
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

TEST_F(QueueRoutesTest, RecipientVerificationsAreBounded)
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

TEST_F(QueueRoutesTest, ARouteThatRequiresTlsDefersWithoutIt)
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

}  // namespace
}  // namespace harbor::smtp::queue
