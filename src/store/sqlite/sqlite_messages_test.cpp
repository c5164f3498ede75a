// Message changes through the Store interface: STORE with modseqs and UNCHANGEDSINCE (RFC 9051
// §6.4.6, RFC 7162 §3.1, §3.1.3), EXPUNGE / UID EXPUNGE with tombstones (RFC 9051 §6.4.3,
// RFC 4315 §2.1, RFC 7162 §3.2.10), CHANGEDSINCE and VANISHED reads, COPY with COPYUID and
// quota (RFC 9051 §6.4.7, RFC 4315 §3), MOVE (RFC 6851), and whole-range UID sets.
#include <gtest/gtest.h>

#include "store/test_support.hpp"

namespace harbor::store {
namespace {

using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

using Flags = std::vector<std::string>;
using Uids = std::vector<std::uint32_t>;

class SqliteMessages : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
        inbox_ = store_->find_mailbox(alice_.id, "INBOX")->id;
        for (int i = 1; i <= 5; ++i) {
            const std::string body = "message " + std::to_string(i);
            AppendRequest request = append_request(alice_.id, "INBOX", body);
            request.flags = i == 1 ? Flags{"\\Seen"} : Flags{};
            ASSERT_TRUE(store_->append(std::move(request)));
        }
        // uids 1..5 at modseqs 2..6; highest 6.
    }

    Result<StoreFlagsResult> store(UidSet uids, FlagMode mode, Flags flags,
                                   std::optional<std::uint64_t> unchanged_since = {})
    {
        return store_->store_flags(
            StoreFlagsRequest{inbox_, std::move(uids), mode, std::move(flags), unchanged_since});
    }

    Flags flags_of(MailboxId mailbox, std::uint32_t uid)
    {
        Result<std::vector<MessageRecord>> records = store_->list_messages(mailbox);
        EXPECT_TRUE(records);
        for (const MessageRecord& record : *records) {
            if (record.uid == uid) {
                return record.flags;
            }
        }
        ADD_FAILURE() << "no uid " << uid;
        return {};
    }

    Uids uids_of(MailboxId mailbox)
    {
        Uids out;
        Result<std::vector<MessageRecord>> records = store_->list_messages(mailbox);
        EXPECT_TRUE(records);
        for (const MessageRecord& record : *records) {
            out.push_back(record.uid);
        }
        return out;
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
    MailboxId inbox_;
};

TEST_F(SqliteMessages, StoreGivesEachChangedMessageItsOwnModseq)
{
    Result<StoreFlagsResult> result = store({{1, 3}}, FlagMode::Add, {"\\seen", "$Work"});
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_EQ(result->updated.size(), 3u);
    EXPECT_EQ(result->updated[0].uid, 1u);
    EXPECT_EQ(result->updated[0].flags, (Flags{"\\Seen", "$Work"}));
    EXPECT_EQ(result->updated[0].modseq, 7u);
    EXPECT_EQ(result->updated[1].flags, (Flags{"\\Seen", "$Work"}));
    EXPECT_EQ(result->updated[1].modseq, 8u);
    EXPECT_EQ(result->updated[2].modseq, 9u);
    EXPECT_TRUE(result->modified.empty());
    EXPECT_EQ(result->highest_modseq, 9u);
    EXPECT_EQ(store_->mailbox_status(inbox_)->highest_modseq, 9u);
    EXPECT_EQ(store_->mailbox_status(inbox_)->unseen, 2u);

    Result<StoreFlagsResult> removed = store({{2, 2}}, FlagMode::Remove, {"\\SEEN", "$work"});
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->updated[0].flags, Flags{});
    EXPECT_EQ(removed->updated[0].modseq, 10u);
    Result<StoreFlagsResult> replaced = store({{5, 5}}, FlagMode::Replace, {"\\Deleted", "a"});
    ASSERT_TRUE(replaced);
    EXPECT_EQ(flags_of(inbox_, 5), (Flags{"\\Deleted", "a"}));
    EXPECT_EQ(store_->mailbox_status(inbox_)->deleted, 1u);
}

TEST_F(SqliteMessages, StoreThatChangesNothingKeepsModseqs)
{
    Result<StoreFlagsResult> result = store({{1, 1}}, FlagMode::Add, {"\\Seen"});
    ASSERT_TRUE(result);
    ASSERT_EQ(result->updated.size(), 1u);
    EXPECT_FALSE(result->updated[0].changed);
    EXPECT_EQ(result->updated[0].modseq, 2u);
    EXPECT_EQ(result->highest_modseq, 6u);
    Result<StoreFlagsResult> same = store({{1, 1}}, FlagMode::Replace, {"\\SEEN"});
    ASSERT_TRUE(same);
    EXPECT_FALSE(same->updated[0].changed);
    EXPECT_EQ(store_->mailbox_status(inbox_)->highest_modseq, 6u);
}

TEST_F(SqliteMessages, UnchangedSinceReportsModifiedAndLeavesThemAlone)
{
    ASSERT_TRUE(store({{4, 4}}, FlagMode::Add, {"$Late"}));  // uid 4 now at modseq 7
    Result<StoreFlagsResult> result = store({{2, 5}}, FlagMode::Add, {"\\Flagged"}, 6);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->modified, Uids{4});  // RFC 7162 §3.1.3 [MODIFIED 4]
    ASSERT_EQ(result->updated.size(), 3u);
    EXPECT_EQ(flags_of(inbox_, 4), Flags{"$Late"});
    EXPECT_EQ(flags_of(inbox_, 5), Flags{"\\Flagged"});
}

TEST_F(SqliteMessages, StoreRefusesFlagsThatCannotBeSet)
{
    for (std::string bad : {"\\Recent", "\\Custom", "", "two words", "a(b", "x\\y", "q\"", "r]"}) {
        Result<StoreFlagsResult> refused = store({{1, 1}}, FlagMode::Add, {bad});
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().code, Errc::Invalid) << bad;
    }
    EXPECT_EQ(store_
                  ->store_flags(
                      StoreFlagsRequest{MailboxId{999}, {{1, 1}}, FlagMode::Add, {"\\Seen"}, {}})
                  .error()
                  .code,
              Errc::NotFound);
}

TEST_F(SqliteMessages, WholeUidRangeWorksOnWhatExists)
{
    // 1:4294967295, overlapping and reversed ranges: only the five messages are touched.
    Result<StoreFlagsResult> result =
        store({{4294967295u, 3}, {1, 2}, {2, 4294967295u}}, FlagMode::Add, {"$All"});
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_EQ(result->updated.size(), 5u);
    EXPECT_EQ(result->updated.back().uid, 5u);
    Result<StoreFlagsResult> none = store({{100, 4294967295u}}, FlagMode::Add, {"$None"});
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->updated.empty());
    Result<CopyResult> copied = store_->copy(inbox_, all_uids(), inbox_);  // into itself
    ASSERT_TRUE(copied) << copied.error().to_string();
    EXPECT_EQ(copied->uids.size(), 5u);  // the copies are not copied again
    EXPECT_EQ(uids_of(inbox_), (Uids{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_F(SqliteMessages, ExpungeDeletedOnlyLeavesTombstonesForVanished)
{
    ASSERT_TRUE(store({{2, 2}, {4, 5}}, FlagMode::Add, {"\\Deleted"}));  // modseqs 7..9
    const std::uint64_t before = store_->mailbox_status(inbox_)->highest_modseq;
    // UID EXPUNGE 1:4 (RFC 4315 §2.1): uid 5 is \Deleted but outside the set.
    Result<ExpungeResult> expunged = store_->expunge(inbox_, {{1, 4}}, ExpungeScope::DeletedOnly);
    ASSERT_TRUE(expunged) << expunged.error().to_string();
    EXPECT_EQ(expunged->uids, (Uids{2, 4}));
    EXPECT_EQ(expunged->highest_modseq, before + 2);
    EXPECT_EQ(uids_of(inbox_), (Uids{1, 3, 5}));
    EXPECT_EQ(*store_->list_expunged_since(inbox_, before), (Uids{2, 4}));
    EXPECT_EQ(*store_->list_expunged_since(inbox_, before + 1), Uids{4});
    EXPECT_TRUE(store_->list_expunged_since(inbox_, before + 2)->empty());

    Result<ExpungeResult> all = store_->expunge(inbox_, all_uids(), ExpungeScope::DeletedOnly);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->uids, Uids{5});
    MailboxStatus status = *store_->mailbox_status(inbox_);
    EXPECT_EQ(status.messages, 2u);
    EXPECT_EQ(status.deleted, 0u);
    Result<ExpungeResult> nothing = store_->expunge(inbox_, all_uids(), ExpungeScope::DeletedOnly);
    ASSERT_TRUE(nothing);
    EXPECT_TRUE(nothing->uids.empty());
    EXPECT_EQ(nothing->highest_modseq, status.highest_modseq);  // nothing changed, no modseq
}

TEST_F(SqliteMessages, ChangedSinceListsMessagesAboveAModseq)
{
    ASSERT_TRUE(store({{2, 2}}, FlagMode::Add, {"$A"}));  // uid 2 -> modseq 7
    Result<std::vector<MessageRecord>> changed = store_->list_changed_since(inbox_, 5);
    ASSERT_TRUE(changed);
    Uids uids;
    for (const MessageRecord& record : *changed) {
        uids.push_back(record.uid);
    }
    EXPECT_EQ(uids, (Uids{2, 5}));  // uid 5 was appended at modseq 6
    EXPECT_EQ((*changed)[0].flags, Flags{"$A"});
    EXPECT_TRUE(store_->list_changed_since(inbox_, 7)->empty());
    EXPECT_EQ(store_->list_changed_since(MailboxId{999}, 0).error().code, Errc::NotFound);
}

TEST_F(SqliteMessages, CopySharesBlobsAndReportsCopyuid)
{
    const Mailbox archive = *store_->find_mailbox(alice_.id, "Archive");
    const std::vector<MessageRecord> originals = *store_->list_messages(inbox_);
    const std::uint64_t used = *store_->used_bytes(alice_.id);
    Result<CopyResult> copied = store_->copy(inbox_, {{2, 3}, {5, 9}}, archive.id);
    ASSERT_TRUE(copied) << copied.error().to_string();
    EXPECT_EQ(copied->uidvalidity, archive.uidvalidity);
    EXPECT_EQ(copied->uids, (std::vector<UidPair>{{2, 1}, {3, 2}, {5, 3}}));
    EXPECT_EQ(copied->highest_modseq, archive.highest_modseq + 3);
    EXPECT_EQ(*store_->blob_refcount(originals[1].blob), 2u);  // shared, not copied
    EXPECT_EQ(*store_->used_bytes(alice_.id),
              used + originals[1].size + originals[2].size + originals[4].size);
    std::vector<MessageRecord> copies = *store_->list_messages(archive.id);
    ASSERT_EQ(copies.size(), 3u);
    EXPECT_EQ(*store_->read_message(copies[0]), "message 2");
    EXPECT_EQ(copies[0].internal_date, originals[1].internal_date);
    Result<CopyResult> seen_copy = store_->copy(inbox_, {{1, 1}}, archive.id);
    ASSERT_TRUE(seen_copy);
    EXPECT_EQ(flags_of(archive.id, 4), Flags{"\\Seen"});  // flags go along (§6.4.7)
    EXPECT_EQ(store_->copy(inbox_, {{1, 1}}, MailboxId{999}).error().code, Errc::NotFound);
}

TEST_F(SqliteMessages, CopyOverQuotaCopiesNothing)
{
    AccountChanges changes;
    changes.quota_bytes = *store_->used_bytes(alice_.id) + 15;  // room for one more message
    ASSERT_TRUE(store_->update_account(alice_.id, changes));
    const MailboxId trash = store_->find_mailbox(alice_.id, "Trash")->id;
    Result<CopyResult> refused = store_->copy(inbox_, {{1, 2}}, trash);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::Quota);
    EXPECT_TRUE(uids_of(trash).empty());
    EXPECT_TRUE(store_->copy(inbox_, {{1, 1}}, trash));
    // A move within the account adds nothing: it is allowed at the quota.
    Result<CopyResult> moved = store_->move(inbox_, {{2, 5}}, trash);
    ASSERT_TRUE(moved) << moved.error().to_string();
    EXPECT_EQ(moved->uids.size(), 4u);
}

TEST_F(SqliteMessages, MoveCopiesAndExpungesInOneStep)
{
    const Mailbox junk = *store_->find_mailbox(alice_.id, "Junk");
    const std::uint64_t commits = store_->commit_count_for_test();
    const std::uint64_t inbox_modseq = store_->mailbox_status(inbox_)->highest_modseq;
    Result<CopyResult> moved = store_->move(inbox_, {{1, 2}, {4, 4}}, junk.id);
    ASSERT_TRUE(moved) << moved.error().to_string();
    EXPECT_EQ(store_->commit_count_for_test(), commits + 1);
    EXPECT_EQ(moved->uids, (std::vector<UidPair>{{1, 1}, {2, 2}, {4, 3}}));
    EXPECT_EQ(moved->uidvalidity, junk.uidvalidity);
    EXPECT_EQ(moved->source_highest_modseq, inbox_modseq + 3);
    EXPECT_EQ(uids_of(inbox_), (Uids{3, 5}));
    EXPECT_EQ(uids_of(junk.id), (Uids{1, 2, 3}));
    EXPECT_EQ(*store_->list_expunged_since(inbox_, inbox_modseq), (Uids{1, 2, 4}));
    MailboxStatus inbox = *store_->mailbox_status(inbox_);
    MailboxStatus moved_to = *store_->mailbox_status(junk.id);
    EXPECT_EQ(inbox.messages, 2u);
    EXPECT_EQ(moved_to.messages, 3u);
    EXPECT_EQ(moved_to.unseen, 2u);  // uid 1 was \Seen
}

}  // namespace
}  // namespace harbor::store
