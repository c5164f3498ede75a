// ChangeFeed over a real SQLite store: each watch hears only its mailbox, after the commit,
// and never again once the Watch is gone; a watch_all hears every mailbox.
#include "store/change_feed.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <utility>
#include <vector>

#include "store/test_support.hpp"

namespace harbor::store {
namespace {

using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

TEST(ChangeFeed, WatchHearsItsMailboxUntilDropped)
{
    TempDir dir;
    std::unique_ptr<Store> store = open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    const Account alice = make_alice(*store);
    Result<Mailbox> inbox = store->find_mailbox(alice.id, "INBOX");
    Result<Mailbox> sent = store->find_mailbox(alice.id, "Sent");
    ASSERT_TRUE(inbox && sent);

    ChangeFeed feed(*store);
    std::mutex mutex;
    std::vector<std::uint64_t> inbox_heard;
    std::vector<std::uint64_t> sent_heard;
    ChangeFeed::Watch inbox_watch = feed.watch(inbox->id, [&](std::uint64_t modseq) {
        std::lock_guard lock(mutex);
        inbox_heard.push_back(modseq);
    });
    {
        ChangeFeed::Watch sent_watch = feed.watch(sent->id, [&](std::uint64_t modseq) {
            std::lock_guard lock(mutex);
            sent_heard.push_back(modseq);
        });
        Result<MessageRecord> first = store->append(append_request(alice.id, "INBOX", "one"));
        ASSERT_TRUE(first);
        std::lock_guard lock(mutex);
        ASSERT_EQ(inbox_heard.size(), 1u);  // append() returns after the listener ran
        EXPECT_EQ(inbox_heard.front(), first->modseq);
        EXPECT_TRUE(sent_heard.empty());
    }
    ASSERT_TRUE(store->append(append_request(alice.id, "Sent", "two")));
    ChangeFeed::Watch moved = std::move(inbox_watch);
    ASSERT_TRUE(store->append(append_request(alice.id, "INBOX", "three")));
    {
        std::lock_guard lock(mutex);
        EXPECT_TRUE(sent_heard.empty());  // its Watch was gone before "two"
        EXPECT_EQ(inbox_heard.size(), 2u);  // the moved Watch still hears
    }
    moved = ChangeFeed::Watch();
    ASSERT_TRUE(store->append(append_request(alice.id, "INBOX", "four")));
    std::lock_guard lock(mutex);
    EXPECT_EQ(inbox_heard.size(), 2u);
}

TEST(ChangeFeed, WatchAllHearsEveryMailboxUntilDropped)
{
    TempDir dir;
    std::unique_ptr<Store> store = open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    const Account alice = make_alice(*store);
    Result<Mailbox> inbox = store->find_mailbox(alice.id, "INBOX");
    Result<Mailbox> sent = store->find_mailbox(alice.id, "Sent");
    ASSERT_TRUE(inbox && sent);

    ChangeFeed feed(*store);
    std::mutex mutex;
    std::vector<std::pair<std::int64_t, std::uint64_t>> heard;
    ChangeFeed::Watch all =
        feed.watch_all([&](AccountId account, MailboxId mailbox, std::uint64_t modseq) {
            EXPECT_EQ(account.value, alice.id.value);
            std::lock_guard lock(mutex);
            heard.emplace_back(mailbox.value, modseq);
        });
    ChangeFeed::Watch one = feed.watch(inbox->id, [](std::uint64_t) {});
    Result<MessageRecord> first = store->append(append_request(alice.id, "INBOX", "one"));
    Result<MessageRecord> second = store->append(append_request(alice.id, "Sent", "two"));
    ASSERT_TRUE(first && second);
    {
        std::lock_guard lock(mutex);
        ASSERT_EQ(heard.size(), 2u);
        EXPECT_EQ(heard[0], std::make_pair(inbox->id.value, first->modseq));
        EXPECT_EQ(heard[1], std::make_pair(sent->id.value, second->modseq));
    }
    ASSERT_TRUE(store->delete_mailbox(sent->id));
    {
        std::lock_guard lock(mutex);
        ASSERT_EQ(heard.size(), 3u);
        EXPECT_EQ(heard[2], std::make_pair(sent->id.value, std::uint64_t{0}));
    }
    all = ChangeFeed::Watch();
    one = ChangeFeed::Watch();  // dropping the other kind of watch leaves nothing behind
    ASSERT_TRUE(store->append(append_request(alice.id, "INBOX", "three")));
    std::lock_guard lock(mutex);
    EXPECT_EQ(heard.size(), 3u);
}

}  // namespace
}  // namespace harbor::store
