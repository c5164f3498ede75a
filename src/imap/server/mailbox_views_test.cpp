// MailboxViews and SelectedMessages: a snapshot is found only at the exact state it was loaded at,
// is shared until a session edits its view, and the snapshots kept for later SELECTs stay
// within their bounds while those in use stay findable.
#include "imap/server/mailbox_views.hpp"

#include <gtest/gtest.h>

namespace harbor::imap::server {
namespace {

std::shared_ptr<MailboxSnapshot> snapshot_of(std::uint32_t uidvalidity, std::uint64_t modseq,
                                             std::size_t count)
{
    auto snapshot = std::make_shared<MailboxSnapshot>();
    snapshot->uidvalidity = uidvalidity;
    snapshot->highest_modseq = modseq;
    for (std::size_t i = 0; i < count; ++i) {
        store::MessageRecord record;
        record.uid = static_cast<std::uint32_t>(i + 1);
        record.flags = std::vector<std::string>{"\\Seen"};
        snapshot->messages.push_back(record);
    }
    return snapshot;
}

constexpr store::MailboxId inbox{7};
constexpr store::MailboxId other{8};

TEST(MailboxViews, FindsOnlyTheExactUidvalidityAndModseq)
{
    MailboxViews views;
    EXPECT_EQ(views.find(inbox, 1, 5), nullptr);
    views.publish(inbox, snapshot_of(1, 5, 3));
    const auto found = views.find(inbox, 1, 5);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->messages.size(), 3u);
    EXPECT_EQ(views.find(inbox, 1, 6), nullptr);  // changed since
    EXPECT_EQ(views.find(inbox, 2, 5), nullptr);  // a mailbox made anew
    EXPECT_EQ(views.find(other, 1, 5), nullptr);
}

TEST(MailboxViews, ANewerSnapshotReplacesAnOlderOneButNotTheReverse)
{
    MailboxViews views;
    views.publish(inbox, snapshot_of(1, 5, 1));
    views.publish(inbox, snapshot_of(1, 9, 2));
    EXPECT_EQ(views.find(inbox, 1, 5), nullptr);
    ASSERT_NE(views.find(inbox, 1, 9), nullptr);
    views.publish(inbox, snapshot_of(1, 7, 3));  // loaded before the one at 9: stale
    EXPECT_EQ(views.find(inbox, 1, 7), nullptr);
    EXPECT_EQ(views.find(inbox, 1, 9)->messages.size(), 2u);
    views.publish(inbox, snapshot_of(2, 1, 4));  // recreated: a lower modseq is newer
    EXPECT_EQ(views.find(inbox, 2, 1)->messages.size(), 4u);
}

TEST(MailboxViews, KeptSnapshotsStayWithinBoundsWhileThoseInUseStayFindable)
{
    MailboxViews views(MailboxViews::Limits{.kept_snapshots = 2, .kept_messages = 100});
    std::shared_ptr<const MailboxSnapshot> held = snapshot_of(1, 1, 10);
    views.publish(store::MailboxId{1}, held);
    for (std::int64_t id = 2; id <= 5; ++id) {
        views.publish(store::MailboxId{id}, snapshot_of(1, 1, 10));
    }
    EXPECT_EQ(views.find(store::MailboxId{1}, 1, 1), held);  // a session still holds it
    EXPECT_EQ(views.find(store::MailboxId{2}, 1, 1), nullptr);
    EXPECT_EQ(views.find(store::MailboxId{3}, 1, 1), nullptr);
    EXPECT_NE(views.find(store::MailboxId{4}, 1, 1), nullptr);
    EXPECT_NE(views.find(store::MailboxId{5}, 1, 1), nullptr);
    views.publish(store::MailboxId{6}, snapshot_of(1, 1, 150));  // over kept_messages alone
    EXPECT_EQ(views.find(store::MailboxId{4}, 1, 1), nullptr);
    EXPECT_EQ(views.find(store::MailboxId{6}, 1, 1), nullptr);
}

TEST(SelectedMessages, SharesTheSnapshotUntilTheFirstEditThenOnlyItsRecords)
{
    const std::shared_ptr<const MailboxSnapshot> snapshot = snapshot_of(1, 1, 3);
    SelectedMessages list(snapshot);
    EXPECT_EQ(snapshot.use_count(), 2);  // held, so that MailboxViews finds it meanwhile
    EXPECT_EQ(&list[0], &snapshot->messages[0]);
    EXPECT_EQ(list.size(), 3u);
    EXPECT_EQ(list.back().uid, 3u);
    store::MessageList& own = list.edit();
    EXPECT_EQ(snapshot.use_count(), 1);
    own.modify(0).flags = std::vector<std::string>{"\\Deleted"};
    own.erase_if([](const store::MessageRecord& message) { return message.uid == 3; });
    EXPECT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].flags, std::vector<std::string>{"\\Deleted"});
    EXPECT_EQ(snapshot->messages.size(), 3u);  // the shared snapshot is untouched
    EXPECT_EQ(snapshot->messages[0].flags, std::vector<std::string>{"\\Seen"});
    EXPECT_EQ(&list.edit(), &own);
}

}  // namespace
}  // namespace harbor::imap::server
