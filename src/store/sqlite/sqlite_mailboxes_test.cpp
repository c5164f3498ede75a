// Mailboxes through the Store interface: the mailboxes of a new account (RFC 6154), CREATE with
// superiors and special-use (RFC 9051 §6.3.4), DELETE (§6.3.5), RENAME with inferiors and the
// INBOX case (§6.3.6), subscriptions (§6.3.7, §6.3.8), STATUS counters (§6.3.11, RFC 8438),
// APPEND to a missing mailbox ([TRYCREATE], §6.3.12) and the change listener (RFC 2177).
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <tuple>

#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store {
namespace {

using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

class SqliteMailboxes : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
    }

    Mailbox mailbox(std::string_view name)
    {
        Result<Mailbox> box = store_->find_mailbox(alice_.id, name);
        EXPECT_TRUE(box) << name << ": " << box.error().to_string();
        return box ? *box : Mailbox{};
    }

    MessageRecord append(std::string_view name, std::string_view bytes,
                         std::vector<std::string> flags = {})
    {
        AppendRequest request = append_request(alice_.id, name, bytes);
        request.flags = std::move(flags);
        Result<MessageRecord> record = store_->append(std::move(request));
        EXPECT_TRUE(record) << record.error().to_string();
        return record ? *record : MessageRecord{};
    }

    std::vector<std::string> names()
    {
        std::vector<std::string> out;
        Result<std::vector<Mailbox>> boxes = store_->list_mailboxes(alice_.id);
        EXPECT_TRUE(boxes);
        for (const Mailbox& box : *boxes) {
            out.push_back(box.name);
        }
        return out;
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
};

TEST_F(SqliteMailboxes, NewAccountHasInboxAndSpecialUseMailboxesSubscribed)
{
    Result<std::vector<Mailbox>> boxes = store_->list_mailboxes(alice_.id);
    ASSERT_TRUE(boxes);
    std::set<std::pair<std::string, std::string>> got;
    std::set<std::uint32_t> uidvalidities;
    for (const Mailbox& box : *boxes) {
        got.emplace(box.name, box.special_use);
        uidvalidities.insert(box.uidvalidity);
    }
    const std::set<std::pair<std::string, std::string>> want = {
        {"INBOX", ""},        {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"},
        {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(uidvalidities.size(), 6u);  // each from the account's high-water mark
    EXPECT_EQ(*store_->list_subscriptions(alice_.id),
              (std::vector<std::string>{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"}));
}

TEST_F(SqliteMailboxes, InboxIsFoundInAnyCase)
{
    EXPECT_EQ(mailbox("inbox").name, "INBOX");
    EXPECT_EQ(mailbox("InBoX").id, mailbox("INBOX").id);
    MessageRecord record = append("inbox", "lower-case INBOX");  // no second mailbox
    EXPECT_EQ(record.mailbox, mailbox("INBOX").id);
    Result<Mailbox> sent = store_->find_mailbox(alice_.id, "sent");  // only INBOX folds
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, Errc::NotFound);
}

TEST_F(SqliteMailboxes, CreateMakesSuperiorsAndRefusesBadNames)
{
    Result<Mailbox> created = store_->create_mailbox(alice_.id, "Work/2024/Q1", "\\Flagged");
    ASSERT_TRUE(created) << created.error().to_string();
    EXPECT_EQ(created->special_use, "\\Flagged");
    EXPECT_EQ(created->uidnext, 1u);
    EXPECT_EQ(mailbox("Work").special_use, "");
    EXPECT_EQ(mailbox("Work/2024").name, "Work/2024");
    EXPECT_GT(created->uidvalidity, mailbox("Archive").uidvalidity);

    EXPECT_EQ(store_->create_mailbox(alice_.id, "Work").error().code, Errc::Exists);
    EXPECT_EQ(store_->create_mailbox(alice_.id, "inbox").error().code, Errc::Exists);
    const std::vector<std::string> bad_names = {"",
                                                "/lead",
                                                "trail/",
                                                "a//b",
                                                std::string("nul\0x", 5),
                                                "cr\rlf",
                                                std::string(sqlite::max_mailbox_name + 1, 'x')};
    for (const std::string& bad : bad_names) {
        Result<Mailbox> refused = store_->create_mailbox(alice_.id, bad);
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().code, Errc::Invalid) << bad;
    }
    EXPECT_EQ(store_->create_mailbox(alice_.id, "X", "\\Important").error().code, Errc::Invalid);
    EXPECT_EQ(store_->create_mailbox(AccountId{999}, "X").error().code, Errc::NotFound);
}

TEST_F(SqliteMailboxes, DeleteRemovesMessagesAndReleasesBlobsAndBytes)
{
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "Old"));
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "Old/Child"));
    MessageRecord only_here = append("Old", "only in Old");
    MessageRecord shared = append("Old", "also in INBOX");
    ASSERT_TRUE(store_->copy(shared.mailbox, {{shared.uid, shared.uid}}, mailbox("INBOX").id));
    EXPECT_EQ(*store_->used_bytes(alice_.id), only_here.size + 2 * shared.size);

    ASSERT_TRUE(store_->delete_mailbox(mailbox("Old").id));
    EXPECT_EQ(store_->find_mailbox(alice_.id, "Old").error().code, Errc::NotFound);
    EXPECT_EQ(mailbox("Old/Child").name, "Old/Child");  // inferiors stay (§6.3.5)
    EXPECT_EQ(*store_->used_bytes(alice_.id), shared.size);
    EXPECT_EQ(store_->blob_refcount(only_here.blob).error().code, Errc::NotFound);
    EXPECT_EQ(*store_->blob_refcount(shared.blob), 1u);
    EXPECT_EQ(store_->delete_mailbox(only_here.mailbox).error().code, Errc::NotFound);
    EXPECT_EQ(store_->list_messages(only_here.mailbox).error().code, Errc::NotFound);
}

// RFC 9051 §6.3.5's example: "foo" with inferior "foo/bar" is deleted and stays \Noselect;
// it outlives "foo/bar" and goes only when deleted itself.
TEST_F(SqliteMailboxes, DeletedMailboxWithInferiorsStaysAsANoselectName)
{
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "foo/bar"));
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "foobar"));  // not below "foo"
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "lone"));
    ASSERT_TRUE(store_->delete_mailbox(mailbox("lone").id));
    ASSERT_TRUE(store_->delete_mailbox(mailbox("foo").id));
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), std::vector<std::string>{"foo"});
    EXPECT_EQ(store_->find_mailbox(alice_.id, "foo").error().code, Errc::NotFound);

    EXPECT_EQ(store_->delete_noselect_name(alice_.id, "foo").error().code, Errc::Permission);
    EXPECT_EQ(store_->delete_noselect_name(alice_.id, "lone").error().code, Errc::NotFound);
    EXPECT_EQ(store_->delete_noselect_name(alice_.id, "foobar").error().code, Errc::NotFound);
    ASSERT_TRUE(store_->delete_mailbox(mailbox("foo/bar").id));
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), std::vector<std::string>{"foo"});
    ASSERT_TRUE(store_->delete_noselect_name(alice_.id, "foo"));
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), std::vector<std::string>{});
    EXPECT_EQ(store_->delete_noselect_name(alice_.id, "foo").error().code, Errc::NotFound);
}

// A \Noselect name below another keeps the upper one from being deleted, CREATE below a
// \Noselect name leaves it so, and CREATE of the name itself makes it a mailbox again.
TEST_F(SqliteMailboxes, NoselectNamesAreInferiorsAndCreateMakesThemMailboxes)
{
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "a/b/c"));
    ASSERT_TRUE(store_->delete_mailbox(mailbox("a/b").id));
    ASSERT_TRUE(store_->delete_mailbox(mailbox("a/b/c").id));
    ASSERT_TRUE(store_->delete_mailbox(mailbox("a").id));  // "a/b" is still a name below
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), (std::vector<std::string>{"a", "a/b"}));
    EXPECT_EQ(store_->delete_noselect_name(alice_.id, "a").error().code, Errc::Permission);

    ASSERT_TRUE(store_->create_mailbox(alice_.id, "a/b/d"));
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), (std::vector<std::string>{"a", "a/b"}));
    EXPECT_EQ(store_->find_mailbox(alice_.id, "a/b").error().code, Errc::NotFound);
    Result<Mailbox> again = store_->create_mailbox(alice_.id, "a/b");
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), std::vector<std::string>{"a"});
}

// RENAME moves the \Noselect names below the renamed mailbox; a renamed mailbox that lands on
// a \Noselect name makes it a mailbox.
TEST_F(SqliteMailboxes, RenameMovesNoselectNamesAlong)
{
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "r/s/t"));
    ASSERT_TRUE(store_->delete_mailbox(mailbox("r/s").id));
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "keep/x"));
    ASSERT_TRUE(store_->delete_mailbox(mailbox("keep").id));
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), (std::vector<std::string>{"keep", "r/s"}));

    ASSERT_TRUE(store_->rename_mailbox(alice_.id, "r", "n"));
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), (std::vector<std::string>{"keep", "n/s"}));
    EXPECT_EQ(mailbox("n/s/t").name, "n/s/t");

    ASSERT_TRUE(store_->create_mailbox(alice_.id, "other"));
    ASSERT_TRUE(store_->rename_mailbox(alice_.id, "other", "keep"));
    EXPECT_EQ(*store_->list_noselect_names(alice_.id), std::vector<std::string>{"n/s"});
    EXPECT_EQ(mailbox("keep").name, "keep");
}

TEST_F(SqliteMailboxes, RecreatedNameGetsALargerUidvalidity)
{
    Result<Mailbox> first = store_->create_mailbox(alice_.id, "Again");
    ASSERT_TRUE(first);
    ASSERT_TRUE(store_->delete_mailbox(first->id));
    Result<Mailbox> second = store_->create_mailbox(alice_.id, "Again");  // same second
    ASSERT_TRUE(second);
    EXPECT_GT(second->uidvalidity, first->uidvalidity);  // RFC 9051 §2.3.1.1
}

TEST_F(SqliteMailboxes, RenameMovesInferiorsAndSubscriptions)
{
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "a/b/c"));
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "ab"));  // not an inferior of "a"
    ASSERT_TRUE(store_->subscribe(alice_.id, "a/b"));
    MessageRecord kept = append("a/b", "stays with its mailbox");
    const Mailbox before = mailbox("a/b");

    Result<Mailbox> renamed = store_->rename_mailbox(alice_.id, "a", "x/y");
    ASSERT_TRUE(renamed) << renamed.error().to_string();
    EXPECT_EQ(renamed->name, "x/y");
    std::vector<std::string> all = names();
    for (std::string gone : {"a", "a/b", "a/b/c"}) {
        EXPECT_EQ(std::count(all.begin(), all.end(), gone), 0) << gone;
    }
    for (std::string there : {"ab", "x", "x/y", "x/y/b", "x/y/b/c"}) {
        EXPECT_EQ(std::count(all.begin(), all.end(), there), 1) << there;
    }
    const Mailbox after = mailbox("x/y/b");
    EXPECT_EQ(after.id, before.id);
    EXPECT_GT(after.uidvalidity, before.uidvalidity);  // the name may have been used before
    // A change of its own modseq, like every change a session watching it must hear of.
    EXPECT_EQ(after.highest_modseq, before.highest_modseq + 1);
    Result<std::vector<MessageRecord>> messages = store_->list_messages(after.id);
    ASSERT_TRUE(messages && messages->size() == 1u);
    EXPECT_EQ((*messages)[0].uid, kept.uid);
    std::vector<std::string> subscribed = *store_->list_subscriptions(alice_.id);
    EXPECT_EQ(std::count(subscribed.begin(), subscribed.end(), "x/y/b"), 1);
    EXPECT_EQ(std::count(subscribed.begin(), subscribed.end(), "a/b"), 0);

    EXPECT_EQ(store_->rename_mailbox(alice_.id, "nope", "z").error().code, Errc::NotFound);
    EXPECT_EQ(store_->rename_mailbox(alice_.id, "ab", "Sent").error().code, Errc::Exists);
    EXPECT_EQ(store_->rename_mailbox(alice_.id, "ab", "ab/in").error().code, Errc::Invalid);
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "p/b"));
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "q/b"));
    // An inferior would land on an existing name: nothing is renamed.
    EXPECT_EQ(store_->rename_mailbox(alice_.id, "p", "q").error().code, Errc::Exists);
    EXPECT_EQ(mailbox("p/b").name, "p/b");
}

TEST_F(SqliteMailboxes, RenamingInboxMovesItsMessagesAndLeavesItEmpty)
{
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "INBOX/child"));
    MessageRecord one = append("INBOX", "one", {"\\Seen"});
    MessageRecord two = append("INBOX", "two");
    const Mailbox inbox = mailbox("INBOX");

    Result<Mailbox> moved = store_->rename_mailbox(alice_.id, "inbox", "Old mail");
    ASSERT_TRUE(moved) << moved.error().to_string();
    EXPECT_NE(moved->id, inbox.id);
    EXPECT_GT(moved->uidvalidity, inbox.uidvalidity);
    EXPECT_EQ(moved->uidnext, inbox.uidnext);
    Result<std::vector<MessageRecord>> messages = store_->list_messages(moved->id);
    ASSERT_TRUE(messages && messages->size() == 2u);
    EXPECT_EQ((*messages)[0].uid, one.uid);
    EXPECT_EQ((*messages)[1].uid, two.uid);

    const Mailbox after = mailbox("INBOX");
    EXPECT_EQ(after.id, inbox.id);
    EXPECT_EQ(after.uidvalidity, inbox.uidvalidity);
    EXPECT_EQ(after.uidnext, inbox.uidnext);  // UIDs are not reused
    EXPECT_EQ(mailbox("INBOX/child").name, "INBOX/child");
    MailboxStatus empty = *store_->mailbox_status(inbox.id);
    EXPECT_EQ(empty.messages, 0u);
    EXPECT_EQ(empty.size, 0u);
    MailboxStatus full = *store_->mailbox_status(moved->id);
    EXPECT_EQ(full.messages, 2u);
    EXPECT_EQ(full.unseen, 1u);
    EXPECT_EQ(*store_->list_expunged_since(inbox.id, inbox.highest_modseq),
              (std::vector<std::uint32_t>{one.uid, two.uid}));
    EXPECT_EQ(*store_->used_bytes(alice_.id), one.size + two.size);
}

TEST_F(SqliteMailboxes, SubscriptionsNeedNoMailbox)
{
    ASSERT_TRUE(store_->subscribe(alice_.id, "Not/there"));  // RFC 9051 §6.3.7
    ASSERT_TRUE(store_->subscribe(alice_.id, "Not/there"));  // twice is fine
    std::vector<std::string> subscribed = *store_->list_subscriptions(alice_.id);
    EXPECT_EQ(std::count(subscribed.begin(), subscribed.end(), "Not/there"), 1);
    ASSERT_TRUE(store_->unsubscribe(alice_.id, "Not/there"));
    EXPECT_EQ(store_->unsubscribe(alice_.id, "Not/there").error().code, Errc::NotFound);
    EXPECT_EQ(store_->subscribe(AccountId{999}, "x").error().code, Errc::NotFound);
    EXPECT_EQ(store_->subscribe(alice_.id, "").error().code, Errc::Invalid);
}

TEST_F(SqliteMailboxes, StatusCountsFlagsAsWholeWords)
{
    const MailboxId inbox = mailbox("INBOX").id;
    MessageRecord seen = append("INBOX", "a", {"\\Seen"});
    append("INBOX", "bb", {"\\SeenX", "NotSeen"});          // unseen: neither is \Seen
    append("INBOX", "ccc", {"\\Deleted", "\\seen"});        // \seen is \Seen
    append("INBOX", "dddd", {"X\\Deleted", "\\DeletedX"});  // not \Deleted
    Result<MailboxStatus> status = store_->mailbox_status(inbox);
    ASSERT_TRUE(status) << status.error().to_string();
    EXPECT_EQ(status->messages, 4u);
    EXPECT_EQ(status->unseen, 2u);
    EXPECT_EQ(status->deleted, 1u);
    EXPECT_EQ(status->size, 10u);
    EXPECT_EQ(status->uidnext, 5u);
    EXPECT_EQ(status->highest_modseq, 5u);
    EXPECT_EQ(status->uidvalidity, seen.uidvalidity);
    EXPECT_EQ(*store_->used_bytes(alice_.id), 10u);
    EXPECT_EQ(store_->mailbox_status(MailboxId{999}).error().code, Errc::NotFound);
    EXPECT_EQ(store_->used_bytes(AccountId{999}).error().code, Errc::NotFound);
}

TEST_F(SqliteMailboxes, ImapAppendToAMissingMailboxFailsForTrycreate)
{
    AppendRequest request = append_request(alice_.id, "Nowhere", "x");
    request.if_missing = MissingMailbox::Fail;
    Result<MessageRecord> refused = store_->append(std::move(request));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::NotFound);  // RFC 9051 §6.3.12 [TRYCREATE]
    EXPECT_EQ(store_->find_mailbox(alice_.id, "Nowhere").error().code, Errc::NotFound);

    AppendRequest to_sent = append_request(alice_.id, "Sent", "x");
    to_sent.if_missing = MissingMailbox::Fail;
    Result<MessageRecord> stored = store_->append(std::move(to_sent));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->uidvalidity, mailbox("Sent").uidvalidity);  // APPENDUID, RFC 4315 §3
}

TEST_F(SqliteMailboxes, ChangeListenerHearsEachChangedMailboxAfterCommit)
{
    std::mutex mutex;
    std::vector<std::tuple<std::int64_t, std::int64_t, std::uint64_t>> heard;
    store_->set_change_listener([&](AccountId account, MailboxId box, std::uint64_t modseq) {
        std::lock_guard lock(mutex);
        heard.emplace_back(account.value, box.value, modseq);
    });
    MessageRecord record = append("INBOX", "x");
    DeliverRequest delivery;
    delivery.bytes = "delivered";
    MailboxCopy copy;
    copy.account = alice_.id;
    copy.mailbox = "Junk";
    delivery.copies.push_back(copy);
    ASSERT_TRUE(store_->deliver(std::move(delivery)));
    const MailboxId junk = mailbox("Junk").id;
    ASSERT_TRUE(store_->delete_mailbox(junk));
    store_->set_change_listener({});
    append("INBOX", "not heard");
    std::lock_guard lock(mutex);
    const std::vector<std::tuple<std::int64_t, std::int64_t, std::uint64_t>> want = {
        {alice_.id.value, record.mailbox.value, record.modseq},
        {alice_.id.value, junk.value, 2},
        {alice_.id.value, junk.value, 0},
    };
    EXPECT_EQ(heard, want);
}

}  // namespace
}  // namespace harbor::store
