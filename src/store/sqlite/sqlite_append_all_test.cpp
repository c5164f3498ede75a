// Store::append_all (MULTIAPPEND, RFC 3502 §6.3.11) on SQLite: consecutive UIDs in one commit,
// all or none (a message over quota, a missing mailbox or a bad flag leaves no message, blob
// or counter change behind), inline and file blobs mixed, the caller's buffers free at once.
#include <gtest/gtest.h>

#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "store/blob_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store {
namespace {

using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

class SqliteAppendAll : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
        Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
        ASSERT_TRUE(inbox);
        inbox_ = *inbox;
    }

    // Requests whose bytes are views into copies the fixture keeps (a deque: they never move).
    std::vector<AppendRequest> requests(const std::vector<std::string>& bodies,
                                        std::string_view mailbox = "INBOX")
    {
        std::vector<AppendRequest> out;
        for (const std::string& body : bodies) {
            AppendRequest request = append_request(alice_.id, mailbox, bodies_.emplace_back(body));
            request.if_missing = MissingMailbox::Fail;  // as IMAP APPEND asks
            out.push_back(std::move(request));
        }
        return out;
    }

    // Messages, used bytes, UIDNEXT, HIGHESTMODSEQ and blob rows: what a failed call must
    // leave alone.
    struct Snapshot {
        std::size_t messages = 0;
        std::uint64_t used = 0;
        std::uint32_t uidnext = 0;
        std::uint64_t highest_modseq = 0;
        std::int64_t blobs = -1;
        friend bool operator==(const Snapshot&, const Snapshot&) = default;
    };

    Snapshot snapshot() const
    {
        Snapshot out;
        Result<std::vector<MessageRecord>> messages = store_->list_messages(inbox_.id);
        Result<std::uint64_t> used = store_->used_bytes(alice_.id);
        Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
        EXPECT_TRUE(messages && used && inbox);
        if (messages && used && inbox) {
            out = Snapshot{messages->size(), *used, inbox->uidnext, inbox->highest_modseq,
                           blob_rows()};
        }
        return out;
    }

    // Rows of blobs and of inline blob bytes, seen through a connection of our own.
    std::int64_t blob_rows() const
    {
        Result<std::unique_ptr<sqlite::Connection>> db = sqlite::Connection::open(
            dir_.path() / sqlite::database_file_name, sqlite::OpenMode::ReadWrite);
        if (!db) {
            ADD_FAILURE() << db.error().to_string();
            return -1;
        }
        Result<std::int64_t> rows = (*db)->query_int64(
            "SELECT (SELECT count(*) FROM blobs) + (SELECT count(*) FROM blob_data)");
        EXPECT_TRUE(rows);
        return rows ? *rows : -1;
    }

    void set_quota(std::uint64_t bytes)
    {
        AccountChanges changes;
        changes.quota_bytes = bytes;
        ASSERT_TRUE(store_->update_account(alice_.id, changes));
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
    Mailbox inbox_;
    std::deque<std::string> bodies_;
};

TEST_F(SqliteAppendAll, AppendsInOrderWithConsecutiveUidsInOneCommit)
{
    ASSERT_TRUE(store_->append(append_request(alice_.id, "INBOX", "Subject: before\r\n\r\n")));
    const std::vector<std::string> bodies = {"Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n",
                                             "Subject: three\r\n\r\n333\r\n"};
    std::vector<AppendRequest> batch = requests(bodies);
    batch[1].flags = {"\\seen", "$Label"};
    batch[2].internal_date = 1600000000;
    const std::uint64_t commits = store_->commit_count_for_test();
    Result<std::vector<MessageRecord>> records = store_->append_all(batch);
    ASSERT_TRUE(records) << records.error().to_string();
    EXPECT_EQ(store_->commit_count_for_test(), commits + 1);
    ASSERT_EQ(records->size(), 3u);
    for (std::size_t i = 0; i < records->size(); ++i) {
        const MessageRecord& record = (*records)[i];
        EXPECT_EQ(record.mailbox, inbox_.id);
        EXPECT_EQ(record.uid, 2u + i);  // uid 1 went to the message before
        EXPECT_EQ(record.modseq, (*records)[0].modseq + i);
        EXPECT_EQ(record.uidvalidity, inbox_.uidvalidity);
        EXPECT_EQ(record.size, bodies[i].size());
        EXPECT_EQ(*store_->read_message(record), bodies[i]);
    }
    EXPECT_EQ((*records)[1].flags, (std::vector<std::string>{"\\Seen", "$Label"}));
    EXPECT_EQ((*records)[2].internal_date, 1600000000);

    Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
    ASSERT_TRUE(inbox);
    EXPECT_EQ(inbox->uidnext, 5u);
    EXPECT_EQ(inbox->highest_modseq, (*records)[2].modseq);
    Result<std::vector<MessageRecord>> listed = store_->list_messages(inbox_.id);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 4u);
    EXPECT_EQ((*listed)[2].flags, (*records)[1].flags);
}

TEST_F(SqliteAppendAll, OneMessageOverQuotaAppendsNone)
{
    // 10 + 10 fit a quota of 25 and the third message's 10 do not: the quota is for the total.
    set_quota(25);
    ASSERT_TRUE(store_->append(append_request(alice_.id, "INBOX", "12345")));
    const Snapshot before = snapshot();
    Result<std::vector<MessageRecord>> records =
        store_->append_all(requests({"aaaaaaaaa1", "aaaaaaaaa2", "aaaaaaaaa3"}));
    ASSERT_FALSE(records);
    EXPECT_EQ(records.error().code, Errc::Quota);
    // The first two messages' blob rows and inline bytes went with the rollback.
    EXPECT_EQ(snapshot(), before);
    // Two of them do fit, and take the UIDs the failed call did not use.
    Result<std::vector<MessageRecord>> fitting =
        store_->append_all(requests({"aaaaaaaaa1", "aaaaaaaaa2"}));
    ASSERT_TRUE(fitting) << fitting.error().to_string();
    EXPECT_EQ((*fitting)[0].uid, before.uidnext);
    EXPECT_EQ((*fitting)[1].uid, before.uidnext + 1);
    EXPECT_EQ(*store_->used_bytes(alice_.id), 25u);
}

TEST_F(SqliteAppendAll, AFailingMessageAnywhereAppendsNone)
{
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "Other"));
    const Snapshot before = snapshot();

    std::vector<AppendRequest> missing = requests({"first", "second"});
    missing[1].mailbox = "Nonexistent";  // Fail: no mailbox is made, nothing appended
    Result<std::vector<MessageRecord>> records = store_->append_all(missing);
    ASSERT_FALSE(records);
    EXPECT_EQ(records.error().code, Errc::NotFound);

    std::vector<AppendRequest> bad_flag = requests({"first", "second", "third"});
    bad_flag[2].flags = {"two words"};
    records = store_->append_all(bad_flag);
    ASSERT_FALSE(records);
    EXPECT_EQ(records.error().code, Errc::Invalid);

    std::vector<AppendRequest> no_name = requests({"first", "second"});
    no_name[1].mailbox.clear();
    records = store_->append_all(no_name);
    ASSERT_FALSE(records);
    EXPECT_EQ(records.error().code, Errc::Invalid);

    records = store_->append_all({});
    ASSERT_FALSE(records);
    EXPECT_EQ(records.error().code, Errc::Invalid);

    EXPECT_EQ(snapshot(), before);
    Result<Mailbox> created = store_->find_mailbox(alice_.id, "Nonexistent");
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, Errc::NotFound);
    Result<Mailbox> other = store_->find_mailbox(alice_.id, "Other");
    ASSERT_TRUE(other);
    EXPECT_EQ(store_->list_messages(other->id)->size(), 0u);

    // Several mailboxes in one call is allowed: each keeps its own UIDs.
    std::vector<AppendRequest> both = requests({"first", "second", "third"});
    both[1].mailbox = "Other";
    records = store_->append_all(both);
    ASSERT_TRUE(records) << records.error().to_string();
    EXPECT_EQ((*records)[0].uid, before.uidnext);
    EXPECT_EQ((*records)[1].mailbox, other->id);
    EXPECT_EQ((*records)[1].uid, other->uidnext);
    EXPECT_EQ((*records)[2].uid, before.uidnext + 1);
}

TEST_F(SqliteAppendAll, InlineAndFileBlobsMixedAndARepeatedLargeBodyIsOneFile)
{
    std::string large = "Subject: large\r\n\r\n";
    large.resize(sqlite::inline_blob_max + 1, 'L');
    const std::string small = "Subject: small\r\n\r\n";
    Result<std::vector<MessageRecord>> records =
        store_->append_all(requests({small, large, small, large}));
    ASSERT_TRUE(records) << records.error().to_string();
    ASSERT_EQ(records->size(), 4u);
    // A large body is named by its hash: one file for both copies. A small one gets a serial
    // name per copy (blob_store.hpp).
    EXPECT_EQ((*records)[1].blob.sha256, *sha256_hex(large));
    EXPECT_EQ((*records)[1].blob, (*records)[3].blob);
    EXPECT_EQ(*store_->blob_refcount((*records)[1].blob), 2u);
    EXPECT_TRUE(is_serial_blob_name((*records)[0].blob.sha256));
    EXPECT_NE((*records)[0].blob, (*records)[2].blob);
    EXPECT_EQ(*store_->blob_refcount((*records)[0].blob), 1u);
    for (std::size_t i = 0; i < records->size(); ++i) {
        EXPECT_EQ(*store_->read_message((*records)[i]), i % 2 == 0 ? small : large) << i;
    }
}

TEST_F(SqliteAppendAll, CopiesTheCallersBytesBeforeReturning)
{
    std::vector<std::string> buffers = {"Subject: a\r\n\r\nalpha\r\n",
                                        "Subject: b\r\n\r\nbeta\r\n"};
    const std::vector<std::string> original = buffers;
    auto promise = std::make_shared<std::promise<Result<std::vector<MessageRecord>>>>();
    std::future<Result<std::vector<MessageRecord>>> future = promise->get_future();
    std::vector<AppendRequest> batch;
    for (const std::string& buffer : buffers) {
        batch.push_back(append_request(alice_.id, "INBOX", buffer));
    }
    store_->append_all_async(std::move(batch),
                             [promise](Result<std::vector<MessageRecord>> result) {
                                 promise->set_value(std::move(result));
                             });
    for (std::string& buffer : buffers) {
        buffer.assign(buffer.size(), 'X');  // the caller reuses its buffers at once
    }
    Result<std::vector<MessageRecord>> records = future.get();
    ASSERT_TRUE(records) << records.error().to_string();
    ASSERT_EQ(records->size(), 2u);
    EXPECT_EQ(*store_->read_message((*records)[0]), original[0]);
    EXPECT_EQ(*store_->read_message((*records)[1]), original[1]);
}

}  // namespace
}  // namespace harbor::store
