// Mail through the Store interface: append (uid, modseq, mailbox creation, flags), listing,
// expunge, blob single-instance storage and reference counting (inline and file blobs), quota,
// and error codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <utility>

#include "store/blob_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store {
namespace {

namespace fs = std::filesystem;
using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

class SqliteMail : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
    }

    fs::path blob_path(const BlobId& blob) const
    {
        return BlobStore(dir_.path() / sqlite::blob_dir_name).path_for(blob.sha256);
    }

    std::size_t blob_files() const
    {
        std::size_t files = 0;
        for (const auto& entry :
             fs::recursive_directory_iterator(dir_.path() / sqlite::blob_dir_name)) {
            files += entry.is_regular_file() ? 1 : 0;
        }
        return files;
    }

    // Whether the blob's bytes are stored inline (blob_data), seen through a connection of our
    // own beside the store's.
    bool is_inline(const BlobId& blob) const
    {
        Result<std::unique_ptr<sqlite::Connection>> db = sqlite::Connection::open(
            dir_.path() / sqlite::database_file_name, sqlite::OpenMode::ReadWrite);
        if (!db) {
            ADD_FAILURE() << db.error().to_string();
            return false;
        }
        Result<sqlite::Statement> stmt = (*db)->prepare("SELECT 1 FROM blob_data WHERE sha256 = ?");
        if (!stmt) {
            ADD_FAILURE() << stmt.error().to_string();
            return false;
        }
        Result<bool> row = stmt->bind(1, blob.sha256).step();
        EXPECT_TRUE(row);
        return row && *row;
    }

    std::int64_t inline_rows() const
    {
        Result<std::unique_ptr<sqlite::Connection>> db = sqlite::Connection::open(
            dir_.path() / sqlite::database_file_name, sqlite::OpenMode::ReadWrite);
        if (!db) {
            ADD_FAILURE() << db.error().to_string();
            return -1;
        }
        Result<std::int64_t> rows = (*db)->query_int64("SELECT count(*) FROM blob_data");
        EXPECT_TRUE(rows);
        return rows ? *rows : -1;
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
};

TEST_F(SqliteMail, AppendCreatesMailboxAndAssignsAscendingUidsAndModseqs)
{
    AppendRequest first = append_request(alice_.id, "INBOX", "Subject: one\r\n\r\nbody\r\n");
    first.flags = {"\\Seen", "$Important"};
    Result<MessageRecord> one = store_->append(first);
    ASSERT_TRUE(one) << one.error().to_string();
    EXPECT_EQ(one->uid, 1u);
    EXPECT_EQ(one->modseq, 2u);
    EXPECT_EQ(one->size, first.bytes.size());
    EXPECT_TRUE(is_serial_blob_name(one->blob.sha256)) << one->blob.sha256;  // inline

    Result<MessageRecord> two =
        store_->append(append_request(alice_.id, "INBOX", "Subject: two\r\n\r\n"));
    ASSERT_TRUE(two);
    EXPECT_EQ(two->uid, 2u);
    EXPECT_EQ(two->modseq, 3u);
    EXPECT_EQ(two->mailbox, one->mailbox);
    EXPECT_GT(two->blob.sha256, one->blob.sha256);  // serial names only grow

    Result<std::vector<Mailbox>> boxes = store_->list_mailboxes(alice_.id);
    ASSERT_TRUE(boxes);
    ASSERT_EQ(boxes->size(), 6u);  // INBOX and the special-use mailboxes of a new account
    Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
    ASSERT_TRUE(inbox);
    EXPECT_EQ(inbox->id, one->mailbox);
    EXPECT_EQ(inbox->uidnext, 3u);
    EXPECT_EQ(inbox->highest_modseq, 3u);
    EXPECT_GT(inbox->uidvalidity, 0u);
    EXPECT_EQ(one->uidvalidity, inbox->uidvalidity);

    Result<std::vector<MessageRecord>> messages = store_->list_messages(one->mailbox);
    ASSERT_TRUE(messages);
    ASSERT_EQ(messages->size(), 2u);
    EXPECT_EQ((*messages)[0].flags, first.flags);
    EXPECT_EQ((*messages)[0].internal_date, first.internal_date);
    EXPECT_TRUE((*messages)[1].flags.empty());
    Result<std::string> body = store_->read_blob((*messages)[0].blob);
    ASSERT_TRUE(body);
    EXPECT_EQ(*body, first.bytes);
}

// A message just over the inline limit: stored as a file.
std::string large_body(std::string_view subject)
{
    std::string body = "Subject: " + std::string(subject) + "\r\n\r\n";
    body.resize(sqlite::inline_blob_max + 1, 'L');
    return body;
}

TEST_F(SqliteMail, SameBytesInThreeMailboxesAreOneFileWithRefcountThree)
{
    const std::string bytes = large_body("shared");
    std::vector<MessageRecord> records;
    for (const char* mailbox : {"INBOX", "Archive", "Sent"}) {
        Result<MessageRecord> record = store_->append(append_request(alice_.id, mailbox, bytes));
        ASSERT_TRUE(record) << record.error().to_string();
        records.push_back(*record);
    }
    const BlobId blob = records[0].blob;
    EXPECT_EQ(records[1].blob, blob);
    EXPECT_EQ(records[2].blob, blob);
    Result<std::uint64_t> refs = store_->blob_refcount(blob);
    ASSERT_TRUE(refs);
    EXPECT_EQ(*refs, 3u);
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path() / "blobs")) {
        files += entry.is_regular_file() ? 1 : 0;
    }
    EXPECT_EQ(files, 1u);

    for (std::size_t i = 0; i < records.size(); ++i) {
        ASSERT_TRUE(store_->expunge(records[i].mailbox, records[i].uid));
        refs = store_->blob_refcount(blob);
        if (i + 1 < records.size()) {
            ASSERT_TRUE(refs);
            EXPECT_EQ(*refs, records.size() - i - 1);
            EXPECT_TRUE(fs::exists(blob_path(blob)));
        }
    }
    ASSERT_FALSE(refs);
    EXPECT_EQ(refs.error().code, Errc::NotFound);
    EXPECT_FALSE(fs::exists(blob_path(blob)));  // deleted after the last expunge committed
    Result<std::string> gone = store_->read_blob(blob);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, Errc::NotFound);
}

// Small bodies are not content-addressed: each append is an inline row of its own, under a
// serial name, while COPY shares the row (refcount) as it shares a file.
TEST_F(SqliteMail, SmallBytesAppendedThriceAreThreeInlineRowsAndACopySharesOne)
{
    const std::string bytes = "Subject: shared\r\n\r\nthe same small body\r\n";
    std::vector<MessageRecord> records;
    for (const char* mailbox : {"INBOX", "Archive", "Sent"}) {
        Result<MessageRecord> record = store_->append(append_request(alice_.id, mailbox, bytes));
        ASSERT_TRUE(record) << record.error().to_string();
        records.push_back(*record);
    }
    EXPECT_LT(records[0].blob.sha256, records[1].blob.sha256);
    EXPECT_LT(records[1].blob.sha256, records[2].blob.sha256);
    EXPECT_EQ(inline_rows(), 3);
    EXPECT_EQ(blob_files(), 0u);

    const BlobId blob = records[0].blob;
    Result<CopyResult> copied = store_->copy(records[0].mailbox, {{records[0].uid, records[0].uid}},
                                             records[2].mailbox);
    ASSERT_TRUE(copied) << copied.error().to_string();
    ASSERT_EQ(copied->uids.size(), 1u);
    EXPECT_EQ(*store_->blob_refcount(blob), 2u);
    EXPECT_TRUE(is_inline(blob));
    EXPECT_EQ(inline_rows(), 3);

    ASSERT_TRUE(store_->expunge(records[0].mailbox, records[0].uid));
    EXPECT_EQ(*store_->blob_refcount(blob), 1u);
    EXPECT_EQ(*store_->read_blob(blob), bytes);
    ASSERT_TRUE(store_->expunge(records[2].mailbox, copied->uids[0].copy));
    Result<std::uint64_t> refs = store_->blob_refcount(blob);
    ASSERT_FALSE(refs);
    EXPECT_EQ(refs.error().code, Errc::NotFound);
    EXPECT_EQ(inline_rows(), 2);  // deleted by the last expunge's own transaction
    Result<std::string> gone = store_->read_blob(blob);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, Errc::NotFound);
}

// A serial name is never handed out twice, even after the blob that had the last one is gone
// and the store is reopened.
TEST_F(SqliteMail, SerialNamesAreNotReusedAfterTheirBlobIsGone)
{
    Result<MessageRecord> first =
        store_->append(append_request(alice_.id, "INBOX", "Subject: first\r\n\r\n"));
    ASSERT_TRUE(first);
    ASSERT_TRUE(store_->expunge(first->mailbox, first->uid));
    store_.reset();
    store_ = open_or_fail(dir_.path());
    ASSERT_NE(store_, nullptr);
    Result<MessageRecord> second =
        store_->append(append_request(alice_.id, "INBOX", "Subject: second\r\n\r\n"));
    ASSERT_TRUE(second);
    EXPECT_TRUE(is_serial_blob_name(second->blob.sha256));
    EXPECT_GT(second->blob.sha256, first->blob.sha256);
}

TEST_F(SqliteMail, SmallBlobIsInlineLargeBlobIsAFileBothReadableAfterReopen)
{
    std::string at_limit = "Subject: at the limit\r\n\r\n";
    at_limit.resize(sqlite::inline_blob_max, 'S');
    at_limit[at_limit.size() - 1] = '\0';  // bytes, not text
    const std::string over_limit = large_body("over the limit");
    std::vector<std::pair<std::string, MessageRecord>> stored;
    for (const std::string& bytes : {at_limit, over_limit, std::string()}) {
        Result<MessageRecord> record = store_->append(append_request(alice_.id, "INBOX", bytes));
        ASSERT_TRUE(record) << record.error().to_string();
        stored.emplace_back(bytes, *record);
    }
    const BlobId& small = stored[0].second.blob;
    const BlobId& large = stored[1].second.blob;
    const BlobId& empty = stored[2].second.blob;
    EXPECT_TRUE(is_inline(small));
    EXPECT_FALSE(fs::exists(blob_path(small)));
    EXPECT_FALSE(is_inline(large));
    EXPECT_TRUE(fs::exists(blob_path(large)));
    EXPECT_TRUE(is_inline(empty));
    EXPECT_EQ(blob_files(), 1u);

    store_.reset();
    store_ = open_or_fail(dir_.path());
    ASSERT_NE(store_, nullptr);
    for (const auto& [bytes, record] : stored) {
        Result<std::string> back = store_->read_blob(record.blob);
        ASSERT_TRUE(back) << back.error().to_string();
        EXPECT_EQ(*back, bytes) << record.blob.sha256;
        EXPECT_EQ(*store_->blob_refcount(record.blob), 1u);
    }
    EXPECT_EQ(blob_files(), 1u);  // the open's sweep kept the large blob's file
}

// read_messages and read_blobs: one snapshot for inline and file blobs alike, each copy with
// its own prefix, and a failure for one record (an expunged copy's blob, a malformed name) only
// in its slot.
TEST_F(SqliteMail, ReadMessagesReadsInlineAndFileBlobsWithPrefixesInOrder)
{
    const std::string small = "Subject: small\r\n\r\nbody\r\n";
    const std::string large = large_body("large");
    std::vector<MessageRecord> records;
    for (const std::string& bytes : {small, large, small}) {
        Result<MessageRecord> record = store_->append(append_request(alice_.id, "INBOX", bytes));
        ASSERT_TRUE(record) << record.error().to_string();
        records.push_back(*record);
    }
    records[2].prefix = std::string("Delivered-To: alice@example.org\r\n");
    MessageRecord gone = records[0];
    gone.blob.sha256 = std::string(64, '0');  // well-formed, never stored
    MessageRecord bad = records[0];
    bad.blob.sha256 = "../../etc/passwd";
    const std::vector<const MessageRecord*> asked = {&records[1], &gone, &records[2], &bad,
                                                     &records[0]};
    std::vector<Result<std::string>> read = store_->read_messages(asked);
    ASSERT_EQ(read.size(), asked.size());
    ASSERT_TRUE(read[0]) << read[0].error().to_string();
    EXPECT_EQ(*read[0], large);
    ASSERT_FALSE(read[1]);
    EXPECT_EQ(read[1].error().code, Errc::NotFound);
    ASSERT_TRUE(read[2]) << read[2].error().to_string();
    EXPECT_EQ(*read[2], records[2].prefix.get() + small);
    ASSERT_FALSE(read[3]);
    EXPECT_EQ(read[3].error().code, Errc::Invalid);
    ASSERT_TRUE(read[4]) << read[4].error().to_string();
    EXPECT_EQ(*read[4], small);
    // The same answers as read_message, one call each.
    for (std::size_t i : {0u, 2u, 4u}) {
        EXPECT_EQ(*store_->read_message(*asked[i]), *read[i]);
    }
    EXPECT_TRUE(store_->read_messages({}).empty());
    // read_blobs, which read_messages is made of: the bare blobs, no prefix; the background
    // reader's (no map of the file) gives the same answers.
    const std::vector<BlobId> wanted = {records[2].blob, gone.blob, bad.blob, records[1].blob};
    for (const std::vector<Result<std::string>>& blobs :
         {store_->read_blobs(wanted), store_->read_blobs_in_background(wanted)}) {
        ASSERT_EQ(blobs.size(), 4u);
        ASSERT_TRUE(blobs[0]);
        EXPECT_EQ(*blobs[0], small);
        EXPECT_EQ(blobs[1].error().code, Errc::NotFound);
        EXPECT_EQ(blobs[2].error().code, Errc::Invalid);
        ASSERT_TRUE(blobs[3]);
        EXPECT_EQ(*blobs[3], large);
    }
}

// BlobUse::Again: the same answers, and each small blob read is then held in memory
// (cached_blob) until its last reference goes; a large one is not held.
TEST_F(SqliteMail, ReadMessagesAgainKeepsSmallBlobsUntilTheirLastReferenceGoes)
{
    const std::string small = "Subject: kept\r\n\r\nbody\r\n";
    const std::string large = std::string(300 * 1024, 'x') + "\r\n";
    Result<MessageRecord> first = store_->append(append_request(alice_.id, "INBOX", small));
    Result<MessageRecord> big = store_->append(append_request(alice_.id, "INBOX", large));
    ASSERT_TRUE(first && big);
    EXPECT_EQ(store_->cached_blob(first->blob), nullptr);
    MessageRecord gone = *first;
    gone.blob.sha256 = std::string(64, '0');
    std::vector<Result<std::string>> read =
        store_->read_messages({&*first, &*big, &gone}, Store::BlobUse::Again);
    ASSERT_EQ(read.size(), 3u);
    ASSERT_TRUE(read[0] && read[1]);
    EXPECT_EQ(*read[0], small);
    EXPECT_EQ(*read[1], large);
    EXPECT_EQ(read[2].error().code, Errc::NotFound);
    std::shared_ptr<const std::string> kept = store_->cached_blob(first->blob);
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(*kept, small);
    EXPECT_EQ(store_->cached_blob(big->blob), nullptr);
    // Read again: from memory, the same bytes.
    read = store_->read_messages({&*first}, Store::BlobUse::Again);
    ASSERT_TRUE(read[0]);
    EXPECT_EQ(*read[0], small);

    ASSERT_TRUE(store_->expunge(first->mailbox, first->uid));
    EXPECT_EQ(store_->cached_blob(first->blob), nullptr);
    read = store_->read_messages({&*first}, Store::BlobUse::Again);
    ASSERT_FALSE(read[0]);
    EXPECT_EQ(read[0].error().code, Errc::NotFound);
}

// A listed mailbox is what a selected view holds per message (types.hpp): records with the same
// flags share one list, and no flags or prefix costs no allocation at all.
TEST_F(SqliteMail, ListedRecordsShareEqualFlagsAndHoldNothingForNone)
{
    const std::vector<std::vector<std::string>> flags = {
        {"\\Seen"}, {}, {"\\Seen"}, {"\\Seen", "$Work"}, {"\\Seen"}};
    for (const std::vector<std::string>& set : flags) {
        AppendRequest request = append_request(alice_.id, "INBOX", "shared flags");
        request.flags = set;
        ASSERT_TRUE(store_->append(std::move(request)));
    }
    Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
    ASSERT_TRUE(inbox);
    Result<std::vector<MessageRecord>> listed = store_->list_messages(inbox->id);
    ASSERT_TRUE(listed && listed->size() == flags.size());
    for (std::size_t i = 0; i < flags.size(); ++i) {
        EXPECT_EQ((*listed)[i].flags.get(), flags[i]) << i;
        EXPECT_TRUE((*listed)[i].prefix.empty()) << i;
    }
    EXPECT_EQ(&(*listed)[0].flags.get(), &(*listed)[2].flags.get());
    EXPECT_EQ(&(*listed)[0].flags.get(), &(*listed)[4].flags.get());
    EXPECT_NE(&(*listed)[0].flags.get(), &(*listed)[3].flags.get());
    EXPECT_TRUE((*listed)[1].flags.empty());
    // Changing one record's flags leaves the others' shared list alone.
    MessageRecord changed = (*listed)[0];
    changed.flags = std::vector<std::string>{"\\Deleted"};
    EXPECT_EQ((*listed)[2].flags.get(), std::vector<std::string>{"\\Seen"});
    EXPECT_LE(sizeof(MessageRecord), 104u);  // the layout types.hpp describes
}

TEST_F(SqliteMail, ExpungeRaisesHighestModseqAndKeepsUidnext)
{
    Result<MessageRecord> one = store_->append(append_request(alice_.id, "INBOX", "a"));
    ASSERT_TRUE(one);
    ASSERT_TRUE(store_->expunge(one->mailbox, one->uid));
    Result<Mailbox> inbox = store_->find_mailbox(alice_.id, "INBOX");
    ASSERT_TRUE(inbox);
    EXPECT_EQ(inbox->uidnext, 2u);
    EXPECT_EQ(inbox->highest_modseq, one->modseq + 1);
    Result<MessageRecord> two = store_->append(append_request(alice_.id, "INBOX", "a"));
    ASSERT_TRUE(two);
    EXPECT_EQ(two->uid, 2u);  // UIDs are never reused (RFC 9051 §2.3.1.1)
}

TEST_F(SqliteMail, RemovingAnAccountReleasesItsBlobs)
{
    Account bob;
    bob.domain = alice_.domain;
    bob.local_part = "bob";
    Result<Account> created = store_->create_account(bob);
    ASSERT_TRUE(created);
    const std::string large = large_body("only bob");
    Result<MessageRecord> mine = store_->append(append_request(created->id, "INBOX", large));
    Result<MessageRecord> small = store_->append(append_request(created->id, "INBOX", "bob's"));
    Result<MessageRecord> shared = store_->append(append_request(created->id, "INBOX", "both"));
    ASSERT_TRUE(mine && small && shared);
    Result<Mailbox> alice_inbox = store_->find_mailbox(alice_.id, "INBOX");
    ASSERT_TRUE(alice_inbox);
    ASSERT_TRUE(store_->copy(shared->mailbox, {{shared->uid, shared->uid}}, alice_inbox->id));
    EXPECT_TRUE(fs::exists(blob_path(mine->blob)));
    EXPECT_EQ(inline_rows(), 2);

    ASSERT_TRUE(store_->remove_account(created->id));
    EXPECT_FALSE(store_->blob_refcount(mine->blob));
    EXPECT_FALSE(fs::exists(blob_path(mine->blob)));
    EXPECT_FALSE(store_->blob_refcount(small->blob));
    EXPECT_FALSE(is_inline(small->blob));
    Result<std::uint64_t> refs = store_->blob_refcount(shared->blob);
    ASSERT_TRUE(refs);
    EXPECT_EQ(*refs, 1u);
    EXPECT_TRUE(is_inline(shared->blob));
    EXPECT_EQ(*store_->read_blob(shared->blob), "both");
}

TEST_F(SqliteMail, QuotaCountsStoredBytes)
{
    AccountChanges changes;
    changes.quota_bytes = 10;
    ASSERT_TRUE(store_->update_account(alice_.id, changes));
    ASSERT_TRUE(store_->append(append_request(alice_.id, "INBOX", "123456")));
    Result<MessageRecord> over = store_->append(append_request(alice_.id, "INBOX", "12345"));
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, Errc::Quota);
    EXPECT_TRUE(store_->append(append_request(alice_.id, "INBOX", "1234")));
}

TEST_F(SqliteMail, ErrorCodes)
{
    AppendRequest bad_flag = append_request(alice_.id, "INBOX", "x");
    bad_flag.flags = {"two words"};
    struct Case {
        std::string name;
        std::function<Result<void>()> call;
        Errc want;
    };
    auto drop = [](auto result) -> Result<void> {
        HARBOR_TRY(result);
        return ok();
    };
    Store& s = *store_;
    const Case cases[] = {
        {"append to missing account",
         [&] { return drop(s.append(append_request(AccountId{999}, "INBOX", "x"))); },
         Errc::NotFound},
        {"append without mailbox name",
         [&] { return drop(s.append(append_request(alice_.id, "", "x"))); }, Errc::Invalid},
        {"flag with a space", [&] { return drop(s.append(bad_flag)); }, Errc::Invalid},
        {"list missing mailbox", [&] { return drop(s.list_messages(MailboxId{999})); },
         Errc::NotFound},
        {"expunge missing message", [&] { return s.expunge(MailboxId{999}, 1); }, Errc::NotFound},
        {"refcount of unknown blob",
         [&] { return drop(s.blob_refcount(BlobId{std::string(64, '0')})); }, Errc::NotFound},
        {"refcount with bad name", [&] { return drop(s.blob_refcount(BlobId{"../x"})); },
         Errc::Invalid},
        {"read with bad name", [&] { return drop(s.read_blob(BlobId{"../../harbor.db"})); },
         Errc::Invalid},
    };
    for (const Case& c : cases) {
        Result<void> got = c.call();
        ASSERT_FALSE(got) << c.name;
        EXPECT_EQ(got.error().code, c.want) << c.name << ": " << got.error().to_string();
    }
}

TEST_F(SqliteMail, FailedAppendLeavesNoRowsAndOpenSweepsItsFile)
{
    // A large blob is written before the metadata; when the metadata fails (no such account)
    // the file is an orphan, which the next open removes. A small blob's bytes were only ever
    // in the failed request's savepoint: nothing is left of them.
    const std::string large = large_body("orphan");
    Result<MessageRecord> failed = store_->append(append_request(AccountId{999}, "INBOX", large));
    ASSERT_FALSE(failed);
    Result<MessageRecord> failed_small =
        store_->append(append_request(AccountId{999}, "INBOX", "small orphan"));
    ASSERT_FALSE(failed_small);
    EXPECT_EQ(failed_small.error().code, Errc::NotFound);
    EXPECT_EQ(inline_rows(), 0);
    EXPECT_FALSE(store_->blob_refcount(BlobId{*sha256_hex("small orphan")}));
    BlobId orphan{*sha256_hex(large)};
    EXPECT_TRUE(fs::exists(blob_path(orphan)));
    EXPECT_EQ(blob_files(), 1u);
    store_.reset();
    store_ = open_or_fail(dir_.path());
    ASSERT_NE(store_, nullptr);
    EXPECT_FALSE(fs::exists(blob_path(orphan)));
}

}  // namespace
}  // namespace harbor::store
