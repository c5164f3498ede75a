// Delivery of one message to many recipients: one blob shared by every copy and the queue entry
// (reference counts), per-copy prefixes, a copy failing alone (quota), spooled files kept where
// they are (large) or read inline (small), swept at open when never delivered, and the requests
// that must fail as a whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "store/blob_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store {
namespace {

namespace fs = std::filesystem;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

class SqliteDelivery : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
        Account bob;
        bob.domain = alice_.domain;
        bob.local_part = "bob";
        Result<Account> created = store_->create_account(bob);
        ASSERT_TRUE(created) << created.error().to_string();
        bob_ = *created;
    }

    MailboxCopy copy_for(const Account& account, std::string prefix = {}) const
    {
        MailboxCopy copy;
        copy.account = account.id;
        copy.prefix = std::move(prefix);
        return copy;
    }

    // A message written into a file the store hands out, as the SMTP spool does.
    SpooledBlob write_spool(const std::string& bytes) const
    {
        Result<PlacedFile> file = store_->create_blob_file();
        EXPECT_TRUE(file) << file.error().to_string();
        EXPECT_EQ(::write(file->fd, bytes.data(), bytes.size()),
                  static_cast<ssize_t>(bytes.size()));
        ::close(file->fd);
        return SpooledBlob{file->path, file->name, bytes.size()};
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
    Account bob_;
};

const std::string message = "From: x@example.net\r\nSubject: hi\r\n\r\nhello\r\n";

TEST_F(SqliteDelivery, OneBlobForEveryCopyAndTheQueue)
{
    DeliverRequest request;
    request.bytes = message;
    request.internal_date = 1700000000;
    request.copies.push_back(copy_for(alice_, "Delivered-To: alice@example.org\r\n"));
    request.copies.push_back(copy_for(bob_, "Delivered-To: bob@example.org\r\n"));
    request.outbound = OutboundCopy{"x@example.net", "ENVID=abc",
                                    {{"r1@remote.example", "NOTIFY=FAILURE"},
                                     {"r2@remote.example", ""}}};
    Result<DeliverResult> result = store_->deliver(std::move(request));
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_EQ(result->copies.size(), 2u);
    ASSERT_TRUE(result->copies[0]) << result->copies[0].error().to_string();
    ASSERT_TRUE(result->copies[1]) << result->copies[1].error().to_string();
    ASSERT_TRUE(result->queue_id.has_value());
    EXPECT_EQ(*store_->blob_refcount(result->blob), 3u);  // two messages and the queue entry

    const MessageRecord& bob_copy = *result->copies[1];
    EXPECT_EQ(bob_copy.size, message.size() + bob_copy.prefix.size());
    Result<Mailbox> inbox = store_->find_mailbox(bob_.id, "INBOX");
    ASSERT_TRUE(inbox);
    EXPECT_EQ(bob_copy.mailbox, inbox->id);
    Result<std::vector<MessageRecord>> listed = store_->list_messages(inbox->id);
    ASSERT_TRUE(listed && listed->size() == 1u);
    EXPECT_EQ((*listed)[0].prefix.get(), "Delivered-To: bob@example.org\r\n");
    EXPECT_EQ(*store_->read_message((*listed)[0]), "Delivered-To: bob@example.org\r\n" + message);

    Result<std::vector<QueuedMessage>> queue = store_->list_queue();
    ASSERT_TRUE(queue) << queue.error().to_string();
    ASSERT_EQ(queue->size(), 1u);
    const QueuedMessage& queued = (*queue)[0];
    EXPECT_EQ(queued.id, *result->queue_id);
    EXPECT_EQ(queued.blob, result->blob);
    EXPECT_EQ(queued.size, message.size());
    EXPECT_EQ(queued.envelope_from, "x@example.net");
    EXPECT_EQ(queued.params, "ENVID=abc");
    ASSERT_EQ(queued.recipients.size(), 2u);
    EXPECT_EQ(queued.recipients[0].address, "r1@remote.example");
    EXPECT_EQ(queued.recipients[0].params, "NOTIFY=FAILURE");
    EXPECT_EQ(queued.recipients[1].address, "r2@remote.example");
}

TEST_F(SqliteDelivery, ACopyOverQuotaFailsAlone)
{
    AccountChanges changes;
    changes.quota_bytes = 10;
    ASSERT_TRUE(store_->update_account(bob_.id, changes));
    DeliverRequest request;
    request.bytes = message;
    request.copies.push_back(copy_for(alice_));
    request.copies.push_back(copy_for(bob_));
    request.copies.back().mailbox = "Fresh";
    Result<DeliverResult> result = store_->deliver(std::move(request));
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_TRUE(result->copies[0]);
    ASSERT_FALSE(result->copies[1]);
    EXPECT_EQ(result->copies[1].error().code, Errc::Quota);
    EXPECT_EQ(*store_->blob_refcount(result->blob), 1u);
    EXPECT_EQ(*store_->used_bytes(alice_.id), message.size());
    EXPECT_EQ(*store_->used_bytes(bob_.id), 0u);
    // The failed copy's mailbox creation was undone too.
    Result<Mailbox> fresh = store_->find_mailbox(bob_.id, "Fresh");
    ASSERT_FALSE(fresh);
    EXPECT_EQ(fresh.error().code, Errc::NotFound);
}

TEST_F(SqliteDelivery, NoCopyLeftLeavesNoBlob)
{
    ASSERT_TRUE(store_->remove_account(bob_.id));
    DeliverRequest request;
    request.bytes = message;
    request.copies.push_back(copy_for(bob_));
    Result<DeliverResult> result = store_->deliver(std::move(request));
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_FALSE(result->copies[0]);
    EXPECT_EQ(result->copies[0].error().code, Errc::NotFound);
    EXPECT_EQ(store_->blob_refcount(result->blob).error().code, Errc::NotFound);
}

TEST_F(SqliteDelivery, LargeSpoolFileStaysWhereItIs)
{
    const std::string big = "Subject: big\r\n\r\n" + std::string(200 * 1024, 'x') + "\r\n";
    const SpooledBlob spool = write_spool(big);
    EXPECT_TRUE(is_placed_blob_name(spool.name)) << spool.name;
    DeliverRequest request;
    request.spooled = spool;
    request.copies.push_back(copy_for(alice_));
    request.copies.push_back(copy_for(bob_));
    Result<DeliverResult> result = store_->deliver(std::move(request));
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_TRUE(result->copies[0] && result->copies[1]);
    EXPECT_EQ(result->blob.sha256, spool.name);  // the file is the blob: nothing moved
    EXPECT_EQ(BlobStore(dir_.path() / sqlite::blob_dir_name).path_for(spool.name), spool.file);
    EXPECT_TRUE(fs::exists(spool.file));
    EXPECT_EQ(*store_->read_message(*result->copies[1]), big);
    EXPECT_EQ(*store_->blob_refcount(result->blob), 2u);
}

TEST_F(SqliteDelivery, PlacedFilesWithoutARowAreSweptAtOpen)
{
    const std::string big(100 * 1024, 'y');
    const SpooledBlob kept = write_spool(big);
    DeliverRequest request;
    request.spooled = kept;
    request.copies.push_back(copy_for(alice_));
    ASSERT_TRUE(store_->deliver(std::move(request)));
    const SpooledBlob unclaimed = write_spool(big);  // a crash before its delivery
    store_.reset();
    store_ = open_or_fail(dir_.path());
    ASSERT_NE(store_, nullptr);
    EXPECT_TRUE(fs::exists(kept.file));
    EXPECT_FALSE(fs::exists(unclaimed.file));
    // Each open takes a block of names of its own: no name is handed out twice.
    const SpooledBlob next = write_spool(big);
    EXPECT_GT(next.name, unclaimed.name);
    EXPECT_NE(next.file.parent_path(), unclaimed.file.parent_path());
}

TEST_F(SqliteDelivery, SmallSpoolFileGoesInline)
{
    const SpooledBlob spool = write_spool(message);
    DeliverRequest request;
    request.spooled = spool;
    request.copies.push_back(copy_for(alice_));
    Result<DeliverResult> result = store_->deliver(std::move(request));
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_FALSE(fs::exists(spool.file));
    EXPECT_TRUE(is_serial_blob_name(result->blob.sha256)) << result->blob.sha256;
    EXPECT_FALSE(fs::exists(
        BlobStore(dir_.path() / sqlite::blob_dir_name).path_for(result->blob.sha256)));
    EXPECT_EQ(*store_->read_message(*result->copies[0]), message);
}

TEST_F(SqliteDelivery, RequestsThatFailAsAWhole)
{
    DeliverRequest nothing;
    nothing.bytes = message;
    EXPECT_EQ(store_->deliver(std::move(nothing)).error().code, Errc::Invalid);

    SpooledBlob spool = write_spool(message);
    DeliverRequest wrong_size;
    wrong_size.spooled = spool;
    wrong_size.spooled->size += 1;
    wrong_size.copies.push_back(copy_for(alice_));
    EXPECT_EQ(store_->deliver(std::move(wrong_size)).error().code, Errc::Invalid);
    EXPECT_TRUE(fs::exists(spool.file));  // not taken: still the caller's

    // Only a file the store handed out, under its own name: not any path a caller names.
    const fs::path elsewhere = dir_.path() / "elsewhere";
    std::ofstream(elsewhere, std::ios::binary) << message;
    DeliverRequest foreign;
    foreign.spooled = SpooledBlob{elsewhere, spool.name, message.size()};
    foreign.copies.push_back(copy_for(alice_));
    EXPECT_EQ(store_->deliver(std::move(foreign)).error().code, Errc::Invalid);
    DeliverRequest hash_named;
    hash_named.spooled = SpooledBlob{spool.file, *sha256_hex(message), message.size()};
    hash_named.copies.push_back(copy_for(alice_));
    EXPECT_EQ(store_->deliver(std::move(hash_named)).error().code, Errc::Invalid);

    DeliverRequest bad_flag;
    bad_flag.bytes = message;
    bad_flag.copies.push_back(copy_for(alice_));
    bad_flag.copies[0].flags = {"two words"};
    EXPECT_EQ(store_->deliver(std::move(bad_flag)).error().code, Errc::Invalid);

    DeliverRequest empty_outbound;
    empty_outbound.bytes = message;
    empty_outbound.outbound = OutboundCopy{"x@example.net", "", {}};
    EXPECT_EQ(store_->deliver(std::move(empty_outbound)).error().code, Errc::Invalid);
    Result<std::vector<QueuedMessage>> queue = store_->list_queue();
    ASSERT_TRUE(queue);
    EXPECT_TRUE(queue->empty());
}

}  // namespace
}  // namespace harbor::store
