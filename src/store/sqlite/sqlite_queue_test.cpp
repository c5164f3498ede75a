// The outbound queue as the runner uses it: due entries, an attempt's outcomes and its notices
// in one commit (all or nothing), the entry gone with its blob reference once nobody is
// pending, and hold / release / retry / delete.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>

#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store {
namespace {

using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

const std::string queued_message = "From: alice@example.org\r\nSubject: out\r\n\r\nhello\r\n";
const std::string bounce = "From: MAILER-DAEMON@example.org\r\nSubject: failed\r\n\r\nsorry\r\n";

class SqliteQueue : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
        DeliverRequest request;
        request.bytes = queued_message;
        request.outbound = OutboundCopy{"alice@example.org", R"({"envid":"e1"})", {}};
        request.outbound->recipients.push_back(QueuedRecipient{"r1@remote.example", ""});
        request.outbound->recipients.push_back(QueuedRecipient{"r2@other.example", ""});
        Result<DeliverResult> delivered = store_->deliver(std::move(request));
        ASSERT_TRUE(delivered) << delivered.error().to_string();
        id_ = *delivered->queue_id;
        blob_ = delivered->blob;
        Result<QueuedMessage> entry = store_->find_queue_entry(id_);
        ASSERT_TRUE(entry) << entry.error().to_string();
        queued_at_ = entry->next_attempt;
    }

    // A bounce for alice's INBOX.
    DeliverRequest local_notice() const
    {
        DeliverRequest notice;
        notice.bytes = bounce;
        MailboxCopy copy;
        copy.account = alice_.id;
        notice.copies.push_back(copy);
        return notice;
    }

    std::size_t inbox_count() const
    {
        Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
        if (!inbox) {
            return 0;
        }
        return store_->list_messages(inbox->id)->size();
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
    std::int64_t id_ = 0;
    BlobId blob_;
    std::int64_t queued_at_ = 0;
};

TEST_F(SqliteQueue, ANewEntryIsPendingAndDueAtOnce)
{
    Result<QueuedMessage> entry = store_->find_queue_entry(id_);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->attempts, 0u);
    EXPECT_FALSE(entry->held);
    EXPECT_FALSE(entry->delay_warned);
    ASSERT_EQ(entry->recipients.size(), 2u);
    EXPECT_EQ(entry->recipients[0].state, RecipientState::Pending);
    EXPECT_EQ(entry->recipients[1].address, "r2@other.example");
    EXPECT_EQ(store_->due_queue_entries(queued_at_ - 1, 10)->size(), 0u);
    Result<std::vector<QueuedMessage>> due = store_->due_queue_entries(queued_at_, 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ((*due)[0].id, id_);
    EXPECT_EQ((*due)[0].params, R"({"envid":"e1"})");
    EXPECT_EQ(store_->find_queue_entry(id_ + 100).error().code, Errc::NotFound);
}

// The entry has recipients at two domains; both destinations record their part of one round,
// and only the first counts as an attempt.
TEST_F(SqliteQueue, ARelayedCopyIsSentWithItsPrefixAndTheLocalCopiesWithTheirOwn)
{
    // One blob for both: the mailbox copy and the queue entry each put their own lines on top.
    const std::string relayed = "Authentication-Results: mx.example.org; dmarc=pass\r\n";
    DeliverRequest request;
    request.bytes = queued_message;
    request.outbound = OutboundCopy{"alice@example.org", "", {}, relayed};
    request.outbound->recipients.push_back(QueuedRecipient{"r1@remote.example", ""});
    MailboxCopy local;
    local.account = alice_.id;
    local.prefix = "Delivered-To: alice@example.org\r\n";
    request.copies.push_back(local);
    Result<DeliverResult> delivered = store_->deliver(std::move(request));
    ASSERT_TRUE(delivered) << delivered.error().to_string();
    Result<QueuedMessage> entry = store_->find_queue_entry(*delivered->queue_id);
    ASSERT_TRUE(entry) << entry.error().to_string();
    EXPECT_EQ(entry->prefix, relayed);
    EXPECT_EQ(entry->size, relayed.size() + queued_message.size());
    EXPECT_EQ(*store_->read_queued_message(*entry), relayed + queued_message);
    ASSERT_TRUE(delivered->copies[0]);
    EXPECT_EQ(*store_->read_message(*delivered->copies[0]),
              "Delivered-To: alice@example.org\r\n" + queued_message);
    // The due list the runner works from carries the prefix too; an entry without one is sent
    // as it is.
    Result<std::vector<QueuedMessage>> due = store_->due_queue_entries(queued_at_ + 3600, 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 2u);
    EXPECT_EQ(*store_->read_queued_message((*due)[0]), queued_message);
    EXPECT_EQ((*due)[0].size, queued_message.size());
    EXPECT_EQ(*store_->read_queued_message((*due)[1]), relayed + queued_message);
}

TEST_F(SqliteQueue, OnlyOneRecordPerRoundCountsAsAnAttempt)
{
    QueueAttempt first;
    first.id = id_;
    first.outcomes.push_back({0, RecipientState::Pending, "451 4.4.1 no answer", ""});
    first.next_attempt = queued_at_ + 60;
    ASSERT_TRUE(store_->record_queue_attempt(first));
    QueueAttempt second = first;
    second.outcomes = {{1, RecipientState::Pending, "451 4.7.1 greylisted", ""}};
    second.counts = false;
    ASSERT_TRUE(store_->record_queue_attempt(second));
    Result<QueuedMessage> entry = store_->find_queue_entry(id_);
    ASSERT_TRUE(entry) << entry.error().to_string();
    EXPECT_EQ(entry->attempts, 1u);
    EXPECT_EQ(entry->recipients[1].last_reply, "451 4.7.1 greylisted");
    ASSERT_TRUE(store_->record_queue_attempt(first));  // the next round
    EXPECT_EQ(store_->find_queue_entry(id_)->attempts, 2u);
}

TEST_F(SqliteQueue, AnAttemptRecordsEachRecipientAndReschedulesThoseLeft)
{
    QueueAttempt attempt;
    attempt.id = id_;
    attempt.outcomes.push_back(
        {0, RecipientState::Delivered, "250 2.0.0 queued as X1", "mx.remote.example [192.0.2.1]"});
    attempt.outcomes.push_back(
        {1, RecipientState::Pending, "451 4.7.1 greylisted", "mx.other.example [192.0.2.2]"});
    attempt.next_attempt = queued_at_ + 300;
    ASSERT_TRUE(store_->record_queue_attempt(attempt));
    Result<QueuedMessage> entry = store_->find_queue_entry(id_);
    ASSERT_TRUE(entry) << entry.error().to_string();
    EXPECT_EQ(entry->attempts, 1u);
    EXPECT_EQ(entry->next_attempt, queued_at_ + 300);
    EXPECT_EQ(entry->recipients[0].state, RecipientState::Delivered);
    EXPECT_EQ(entry->recipients[0].last_reply, "250 2.0.0 queued as X1");
    EXPECT_EQ(entry->recipients[0].remote, "mx.remote.example [192.0.2.1]");
    EXPECT_EQ(entry->recipients[1].state, RecipientState::Pending);
    EXPECT_EQ(entry->recipients[1].last_reply, "451 4.7.1 greylisted");
    EXPECT_TRUE(store_->due_queue_entries(queued_at_ + 299, 10)->empty());
    EXPECT_EQ(store_->due_queue_entries(queued_at_ + 300, 10)->size(), 1u);
}

TEST_F(SqliteQueue, TheLastVerdictRemovesTheEntryAndDeliversItsBounceInTheSameCommit)
{
    const std::uint64_t commits = store_->commit_count_for_test();
    QueueAttempt attempt;
    attempt.id = id_;
    attempt.outcomes.push_back({0, RecipientState::Delivered, "250 ok", "mx"});
    attempt.outcomes.push_back({1, RecipientState::Failed, "550 5.1.1 no such user", "mx"});
    attempt.notices.push_back(local_notice());
    ASSERT_TRUE(store_->record_queue_attempt(std::move(attempt)));
    EXPECT_EQ(store_->commit_count_for_test(), commits + 1);
    EXPECT_EQ(store_->find_queue_entry(id_).error().code, Errc::NotFound);
    EXPECT_TRUE(store_->list_queue()->empty());
    EXPECT_FALSE(store_->blob_refcount(blob_));  // the message's last reference went
    ASSERT_EQ(inbox_count(), 1u);
    Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
    EXPECT_EQ(*store_->read_message(store_->list_messages(inbox->id)->front()), bounce);
}

TEST_F(SqliteQueue, ANoticesBytesMayGoAsSoonAsTheAsyncCallReturns)
{
    QueueAttempt attempt;
    attempt.id = id_;
    attempt.outcomes.push_back({1, RecipientState::Failed, "550 5.1.1 no such user", "mx"});
    attempt.next_attempt = queued_at_ + 60;
    auto buffer = std::make_unique<std::string>(bounce);
    DeliverRequest notice = local_notice();
    notice.bytes = *buffer;
    attempt.notices.push_back(std::move(notice));
    std::promise<Result<void>> recorded;
    store_->record_queue_attempt_async(
        std::move(attempt), [&recorded](Result<void> result) { recorded.set_value(result); });
    buffer->assign(bounce.size(), 'x');  // what a reused buffer would hold
    buffer.reset();
    ASSERT_TRUE(recorded.get_future().get());
    Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
    ASSERT_TRUE(inbox);
    EXPECT_EQ(*store_->read_message(store_->list_messages(inbox->id)->front()), bounce);
}

TEST_F(SqliteQueue, ANoticeToARemoteSenderIsQueuedWithTheNullSender)
{
    QueueAttempt attempt;
    attempt.id = id_;
    attempt.outcomes.push_back({1, RecipientState::Failed, "550 5.1.1 no such user", "mx"});
    attempt.next_attempt = queued_at_ + 60;
    DeliverRequest notice;
    notice.bytes = bounce;
    notice.outbound = OutboundCopy{"", "", {}};
    notice.outbound->recipients.push_back(QueuedRecipient{"sender@remote.example", ""});
    attempt.notices.push_back(std::move(notice));
    ASSERT_TRUE(store_->record_queue_attempt(std::move(attempt)));
    Result<std::vector<QueuedMessage>> queue = store_->list_queue();
    ASSERT_EQ(queue->size(), 2u);
    EXPECT_EQ((*queue)[0].id, id_);  // r1 is still pending
    EXPECT_EQ((*queue)[1].envelope_from, "");
    EXPECT_EQ((*queue)[1].recipients[0].address, "sender@remote.example");
    EXPECT_EQ(*store_->read_blob((*queue)[1].blob), bounce);
}

TEST_F(SqliteQueue, ABadAttemptChangesNothingAndSendsNothing)
{
    QueueAttempt beyond;
    beyond.id = id_;
    beyond.outcomes.push_back({0, RecipientState::Delivered, "250 ok", "mx"});
    beyond.outcomes.push_back({2, RecipientState::Failed, "550 no", "mx"});
    beyond.notices.push_back(local_notice());
    EXPECT_EQ(store_->record_queue_attempt(beyond).error().code, Errc::Invalid);
    EXPECT_EQ(store_->find_queue_entry(id_)->recipients[0].state, RecipientState::Pending);
    EXPECT_EQ(inbox_count(), 0u);

    QueueAttempt large;
    large.id = id_;
    large.notices.push_back(local_notice());
    const std::string huge(65 * 1024, 'x');
    large.notices.back().bytes = huge;
    EXPECT_EQ(store_->record_queue_attempt(std::move(large)).error().code, Errc::Invalid);

    QueueAttempt empty_notice;
    empty_notice.id = id_;
    empty_notice.notices.emplace_back().bytes = bounce;  // no copies, no outbound
    EXPECT_EQ(store_->record_queue_attempt(std::move(empty_notice)).error().code, Errc::Invalid);
    EXPECT_EQ(store_->find_queue_entry(id_)->attempts, 0u);
}

TEST_F(SqliteQueue, AnAttemptOnADeletedEntryIsNotFoundAndBouncesNothing)
{
    ASSERT_TRUE(store_->change_queue_entry(id_, QueueAction::Delete, queued_at_));
    EXPECT_FALSE(store_->blob_refcount(blob_));
    QueueAttempt attempt;
    attempt.id = id_;
    attempt.outcomes.push_back({0, RecipientState::Failed, "550 no", "mx"});
    attempt.notices.push_back(local_notice());
    EXPECT_EQ(store_->record_queue_attempt(std::move(attempt)).error().code, Errc::NotFound);
    EXPECT_EQ(inbox_count(), 0u);
    EXPECT_EQ(store_->change_queue_entry(id_, QueueAction::Hold, queued_at_).error().code,
              Errc::NotFound);
}

TEST_F(SqliteQueue, HoldReleaseAndRetry)
{
    QueueAttempt later;
    later.id = id_;
    later.next_attempt = queued_at_ + 3600;
    later.delay_warned = true;
    ASSERT_TRUE(store_->record_queue_attempt(later));
    EXPECT_TRUE(store_->find_queue_entry(id_)->delay_warned);

    ASSERT_TRUE(store_->change_queue_entry(id_, QueueAction::Hold, queued_at_));
    EXPECT_TRUE(store_->find_queue_entry(id_)->held);
    EXPECT_TRUE(store_->due_queue_entries(queued_at_ + 7200, 10)->empty());  // held
    ASSERT_TRUE(store_->change_queue_entry(id_, QueueAction::Release, queued_at_));
    EXPECT_EQ(store_->due_queue_entries(queued_at_ + 7200, 10)->size(), 1u);
    EXPECT_TRUE(store_->due_queue_entries(queued_at_ + 10, 10)->empty());
    ASSERT_TRUE(store_->change_queue_entry(id_, QueueAction::RetryNow, queued_at_ + 10));
    EXPECT_EQ(store_->due_queue_entries(queued_at_ + 10, 10)->size(), 1u);
    Result<QueuedMessage> entry = store_->find_queue_entry(id_);
    EXPECT_EQ(entry->next_attempt, queued_at_ + 10);
    EXPECT_TRUE(entry->delay_warned);  // warned once, whatever happens to the schedule
    EXPECT_EQ(entry->attempts, 1u);
    EXPECT_TRUE(entry->retry_requested);
    // The next attempt recorded answers the request.
    QueueAttempt retried;
    retried.id = id_;
    retried.next_attempt = queued_at_ + 7200;
    ASSERT_TRUE(store_->record_queue_attempt(retried));
    EXPECT_FALSE(store_->find_queue_entry(id_)->retry_requested);
}

TEST_F(SqliteQueue, CountQueueCountsEveryEntryHeldOnesToo)
{
    struct Step {
        std::optional<QueueAction> action;  // nullopt: count as set up
        std::uint64_t want;
    };
    const Step steps[] = {{std::nullopt, 1}, {QueueAction::Hold, 1}, {QueueAction::Delete, 0}};
    for (const Step& step : steps) {
        if (step.action) {
            ASSERT_TRUE(store_->change_queue_entry(id_, *step.action, queued_at_));
        }
        Result<std::uint64_t> counted = store_->count_queue();
        ASSERT_TRUE(counted) << counted.error().to_string();
        EXPECT_EQ(*counted, step.want);
    }
}

TEST_F(SqliteQueue, RoutesAreAddedReplacedListedAndRemoved)
{
    Result<std::vector<Route>> none = store_->list_routes();
    ASSERT_TRUE(none) << none.error().to_string();
    EXPECT_TRUE(none->empty());
    const Route internal{"corp.example", "exchange.corp.example", 2525, RouteTls::Required, "relay",
                         "s3cret"};
    const Route smart{"*", "192.0.2.25", 587, RouteTls::Verify};
    ASSERT_TRUE(store_->put_route(internal));
    ASSERT_TRUE(store_->put_route(smart));
    Result<std::vector<Route>> both = store_->list_routes();
    ASSERT_TRUE(both);
    EXPECT_EQ(*both, (std::vector<Route>{smart, internal}));  // by domain: "*" first

    Route replaced = internal;
    replaced.host = "mx2.corp.example";
    replaced.tls = RouteTls::Opportunistic;
    replaced.auth_user.clear();
    replaced.auth_password.clear();
    ASSERT_TRUE(store_->put_route(replaced));
    EXPECT_EQ(*store_->list_routes(), (std::vector<Route>{smart, replaced}));

    ASSERT_TRUE(store_->remove_route("*"));
    EXPECT_EQ(*store_->list_routes(), (std::vector<Route>{replaced}));
    Result<void> again = store_->remove_route("*");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::NotFound);
    EXPECT_EQ(store_->put_route(Route{"x.example", "", 25}).error().code, Errc::Invalid);
}

TEST_F(SqliteQueue, MtaStsPoliciesAreKeptUntilTheyExpire)
{
    EXPECT_TRUE(store_->list_sts_policies(0)->empty());
    const StsPolicyRecord first{"remote.example", "1", "version: STSv1\nmode: testing\n", 100,
                                1100};
    const StsPolicyRecord other{"other.example", "a", "version: STSv1\nmode: enforce\n", 100, 200};
    ASSERT_TRUE(store_->put_sts_policy(first));
    ASSERT_TRUE(store_->put_sts_policy(other));
    EXPECT_EQ(*store_->list_sts_policies(150), (std::vector<StsPolicyRecord>{other, first}));
    EXPECT_EQ(*store_->list_sts_policies(200), std::vector<StsPolicyRecord>{first});
    // A new fetch replaces the domain's policy, and the expired one goes for good.
    const StsPolicyRecord replaced{"remote.example", "2", "version: STSv1\nmode: enforce\n", 300,
                                   1300};
    ASSERT_TRUE(store_->put_sts_policy(replaced));
    EXPECT_EQ(*store_->list_sts_policies(0), std::vector<StsPolicyRecord>{replaced});
    EXPECT_EQ(store_->put_sts_policy(StsPolicyRecord{}).error().code, Errc::Invalid);
}

TEST_F(SqliteQueue, DkimKeysHaveOneActiveKeyPerDomain)
{
    EXPECT_TRUE(store_->list_dkim_keys("")->empty());
    DkimKeyRecord first{"example.org", "s1", "rsa-sha256", "PEM1", 100, true};
    DkimKeyRecord other{"example.net", "s1", "ed25519-sha256", "PEM2", 150, true};
    ASSERT_TRUE(store_->add_dkim_key(first));
    ASSERT_TRUE(store_->add_dkim_key(other));
    // A new active key (rotation) retires the domain's old one but keeps it listed.
    DkimKeyRecord second{"example.org", "s2", "ed25519-sha256", "PEM3", 200, true};
    ASSERT_TRUE(store_->add_dkim_key(second));
    first.active = false;
    EXPECT_EQ(*store_->list_dkim_keys("example.org"), (std::vector<DkimKeyRecord>{first, second}));
    EXPECT_EQ(*store_->list_dkim_keys(""), (std::vector<DkimKeyRecord>{other, first, second}));
    // A spare (inactive) key leaves the active one alone.
    DkimKeyRecord spare{"example.org", "s3", "rsa-sha256", "PEM4", 300, false};
    ASSERT_TRUE(store_->add_dkim_key(spare));
    EXPECT_TRUE(store_->list_dkim_keys("example.org")->at(1).active);

    EXPECT_EQ(store_->add_dkim_key(second).error().code, Errc::Exists);
    EXPECT_EQ(store_->add_dkim_key(DkimKeyRecord{}).error().code, Errc::Invalid);
    ASSERT_TRUE(store_->remove_dkim_key("example.org", "s1"));
    EXPECT_EQ(store_->remove_dkim_key("example.org", "s1").error().code, Errc::NotFound);
    EXPECT_EQ(*store_->list_dkim_keys("example.org"), (std::vector<DkimKeyRecord>{second, spare}));
    // Activation moves the one signing key; the other domain is untouched.
    ASSERT_TRUE(store_->activate_dkim_key("example.org", "s3"));
    second.active = false;
    spare.active = true;
    EXPECT_EQ(*store_->list_dkim_keys("example.org"), (std::vector<DkimKeyRecord>{second, spare}));
    EXPECT_TRUE(store_->list_dkim_keys("example.net")->at(0).active);
    EXPECT_EQ(store_->activate_dkim_key("example.org", "s9").error().code, Errc::NotFound);
    EXPECT_TRUE(store_->list_dkim_keys("example.org")->at(1).active);
}

}  // namespace
}  // namespace harbor::store
