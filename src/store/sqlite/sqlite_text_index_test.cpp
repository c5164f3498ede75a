// The full-text index of the SQLite store (sqlite_text_index.cpp): indexing per blob, substring
// search by scope, the unindexed listing, and removal with the blob's last reference.
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store::sqlite {
namespace {

using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;
using Uids = std::vector<std::uint32_t>;

class TextIndex : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
        inbox_ = store_->find_mailbox(alice_.id, "INBOX")->id;
    }

    MessageRecord append(std::string_view mailbox, std::string_view bytes)
    {
        Result<MessageRecord> record = store_->append(append_request(alice_.id, mailbox, bytes));
        EXPECT_TRUE(record) << record.error().to_string();
        return record ? *record : MessageRecord{};
    }

    std::int64_t count(const char* sql)
    {
        Result<std::unique_ptr<Connection>> db =
            Connection::open(dir_.path() / database_file_name, OpenMode::ReadOnly);
        EXPECT_TRUE(db);
        Result<std::int64_t> rows = (*db)->query_int64(sql);
        EXPECT_TRUE(rows);
        return rows ? *rows : -1;
    }

    TextMatches search(std::string_view needle, TextScope scope, MailboxId box = {})
    {
        Result<TextMatches> found =
            store_->search_text(box.value == 0 ? inbox_ : box, needle, scope);
        EXPECT_TRUE(found) << found.error().to_string();
        return found ? *found : TextMatches{};
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
    MailboxId inbox_;
};

TEST_F(TextIndex, FindsSubstringsOfTheIndexedTextByScope)
{
    const MessageRecord one = append("INBOX", "Subject: one\r\n\r\nfirst\r\n");
    const MessageRecord two = append("INBOX", "Subject: two\r\n\r\nsecond\r\n");
    ASSERT_TRUE(store_->index_text(one.blob, "SUBJECT: ONE\n", "THE QUICK BROWN FOX\n"));
    ASSERT_TRUE(store_->index_text(two.blob, "SUBJECT: QUICK \"QUOTED\"\n", "LAZY DOG\n"));

    EXPECT_EQ(search("UICK BR", TextScope::Body).uids, Uids{1});
    EXPECT_EQ(search("QUICK", TextScope::Body).uids, Uids{1});
    EXPECT_EQ(search("QUICK", TextScope::Text).uids, (Uids{1, 2}));  // header of 2, body of 1
    EXPECT_EQ(search("\"QUOTED\"", TextScope::Text).uids, Uids{2});  // '"' is no operator
    EXPECT_EQ(search("\"QUOTED\"", TextScope::Body).uids, Uids{});
    // The stored text is already folded: the match is exact, case included.
    EXPECT_EQ(search("quick", TextScope::Text).uids, Uids{});
    // FTS5 syntax in a needle is text, not a query.
    EXPECT_EQ(search("QUICK OR LAZY", TextScope::Text).uids, Uids{});
    EXPECT_EQ(search("header : ONE", TextScope::Text).uids, Uids{});
    EXPECT_EQ(search("ONE", TextScope::Text).max_uid, 2u);
    // Non-ASCII: characters, not bytes, count toward the three the trigram index needs.
    ASSERT_TRUE(store_->index_text(append("INBOX", "x").blob, "", "GRÜẞE ÅÄÖ\n"));
    EXPECT_EQ(search("ÅÄÖ", TextScope::Body).uids, Uids{3});

    Result<TextMatches> short_needle = store_->search_text(inbox_, "ÅÄ", TextScope::Body);
    ASSERT_FALSE(short_needle);
    EXPECT_EQ(short_needle.error().code, Errc::Unsupported);
    Result<TextMatches> nul =
        store_->search_text(inbox_, std::string("ON\0E", 4), TextScope::Text);
    ASSERT_FALSE(nul);
    EXPECT_EQ(nul.error().code, Errc::Unsupported);
}

TEST_F(TextIndex, ListsAndReportsCopiesNotIndexedYet)
{
    const MessageRecord one = append("INBOX", "a\r\n\r\none\r\n");
    append("INBOX", "a\r\n\r\ntwo\r\n");
    append("INBOX", "a\r\n\r\nthree\r\n");
    const MessageRecord again = append("INBOX", "a\r\n\r\none\r\n");  // the blob of uid 1

    Result<std::vector<MessageRecord>> all = store_->list_unindexed(inbox_, 0, 10);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 4u);
    EXPECT_EQ((*all)[0].uid, 1u);
    EXPECT_EQ((*all)[3].uid, 4u);
    Result<std::vector<MessageRecord>> page = store_->list_unindexed(inbox_, 1, 2);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].uid, 2u);
    EXPECT_EQ((*page)[1].uid, 3u);

    // One entry per blob serves every copy of it.
    ASSERT_TRUE(store_->index_text(one.blob, "", "ONE\n"));
    ASSERT_TRUE(store_->index_text(again.blob, "", "ignored: indexed already\n"));
    all = store_->list_unindexed(inbox_, 0, 10);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].uid, 2u);
    const TextMatches found = search("ONE", TextScope::Body);
    EXPECT_EQ(found.uids, (Uids{1, 4}));
    EXPECT_EQ(found.unindexed, (Uids{2, 3}));
    EXPECT_EQ(search("ignored", TextScope::Body).uids, Uids{});
    EXPECT_EQ(count("SELECT count(*) FROM text_fts"), 1);

    Result<std::vector<MessageRecord>> missing = store_->list_unindexed(MailboxId{999}, 0, 10);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::NotFound);
}

TEST_F(TextIndex, SearchesOnlyTheNamedMailbox)
{
    const MessageRecord record = append("INBOX", "a\r\n\r\nshared\r\n");
    Result<Mailbox> other = store_->create_mailbox(alice_.id, "Other");
    ASSERT_TRUE(other);
    append("Other", "a\r\n\r\nshared\r\n");
    ASSERT_TRUE(store_->index_text(record.blob, "", "SHARED\n"));
    EXPECT_EQ(search("SHARED", TextScope::Body).uids, Uids{1});
    EXPECT_EQ(search("SHARED", TextScope::Body, other->id).uids, Uids{1});
    Result<CopyResult> copied = store_->copy(inbox_, {{1, 1}}, other->id);
    ASSERT_TRUE(copied);
    EXPECT_EQ(search("SHARED", TextScope::Body, other->id).uids, (Uids{1, 2}));
    EXPECT_EQ(search("SHARED", TextScope::Body, MailboxId{999}).uids, Uids{});
}

TEST_F(TextIndex, EntryGoesWithTheBlobsLastReference)
{
    const MessageRecord record = append("INBOX", "a\r\n\r\nkept twice\r\n");
    append("INBOX", "a\r\n\r\nkept twice\r\n");
    ASSERT_TRUE(store_->index_text(record.blob, "H\n", "KEPT TWICE\n"));
    ASSERT_TRUE(store_->expunge(inbox_, 1));
    EXPECT_EQ(search("KEPT", TextScope::Body).uids, Uids{2});
    EXPECT_EQ(count("SELECT count(*) FROM text_blobs"), 1);
    ASSERT_TRUE(store_->expunge(inbox_, 2));
    EXPECT_EQ(count("SELECT count(*) FROM text_blobs"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM text_fts"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM text_fts WHERE text_fts MATCH '\"KEPT\"'"), 0);

    // Text for a blob that went meanwhile is refused, not kept for ever.
    Result<void> late = store_->index_text(record.blob, "", "LATE\n");
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, Errc::NotFound);
    EXPECT_EQ(count("SELECT count(*) FROM text_blobs"), 0);
}

TEST_F(TextIndex, DeletingAMailboxReleasesItsEntries)
{
    ASSERT_TRUE(store_->create_mailbox(alice_.id, "Doomed"));
    const MessageRecord record = append("Doomed", "a\r\n\r\ndoomed\r\n");
    ASSERT_TRUE(store_->index_text(record.blob, "", "DOOMED\n"));
    EXPECT_EQ(count("SELECT count(*) FROM text_fts"), 1);
    ASSERT_TRUE(store_->delete_mailbox(record.mailbox));
    EXPECT_EQ(count("SELECT count(*) FROM text_fts"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM text_blobs"), 0);
}

TEST_F(TextIndex, RefusesABadBlobNameAndTextWithNul)
{
    Result<void> bad = store_->index_text(BlobId{"../etc"}, "", "x");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::Invalid);
    // FTS5 stops at a NUL: text with one is refused rather than indexed in part.
    const MessageRecord record = append("INBOX", "a\r\n\r\nb\r\n");
    Result<void> nul = store_->index_text(record.blob, "", std::string("A\0B", 3));
    ASSERT_FALSE(nul);
    EXPECT_EQ(nul.error().code, Errc::Invalid);
    EXPECT_EQ(count("SELECT count(*) FROM text_blobs"), 0);
}

}  // namespace
}  // namespace harbor::store::sqlite
