// The full-text index database (text_index.cpp): rebuilt when unreadable or made otherwise,
// kept across reopening, substring search by scope answered only for copies it has indexed
// (the watermark, then blob by blob) whether the mailbox is small or large beside the index,
// pruning pages, and refusals.
#include "store/text/text_index.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "store/blob_store.hpp"
#include "store/text/boot_marker.hpp"
#include "store/sqlite/statement.hpp"
#include "store/test_support.hpp"

namespace harbor::store::text {
namespace {

using testing::TempDir;

// Blob names are SHA-256 hex; the index takes any well-formed one.
BlobId index_blob(char c)
{
    return BlobId{std::string(64, c)};
}

MessageRecord copy(std::uint32_t uid, char blob_char)
{
    MessageRecord record;
    record.mailbox = MailboxId{5};
    record.uid = uid;
    record.blob = index_blob(blob_char);
    record.uidvalidity = 77;
    return record;
}

class TextIndexTest : public ::testing::Test {
protected:
    std::unique_ptr<TextIndex> open(std::string_view extraction = "test 1")
    {
        Result<std::unique_ptr<TextIndex>> index = TextIndex::open(file(), extraction);
        EXPECT_TRUE(index) << index.error().to_string();
        return index ? std::move(*index) : nullptr;
    }

    std::filesystem::path file() const { return dir_.path() / index_file_name; }

    // The index file through a connection of its own, as another process would see it.
    std::unique_ptr<sqlite::Connection> database() const
    {
        Result<std::unique_ptr<sqlite::Connection>> db =
            sqlite::Connection::open(file(), sqlite::OpenMode::ReadWrite);
        EXPECT_TRUE(db) << db.error().to_string();
        return db ? std::move(*db) : nullptr;
    }

    bool exec_on_file(std::string_view sql) const
    {
        std::unique_ptr<sqlite::Connection> db = database();
        return db && db->exec(sql);
    }

    static std::vector<bool> contains(TextIndex& index, std::vector<BlobId> blobs)
    {
        Result<std::vector<bool>> found = index.contains(blobs);
        EXPECT_TRUE(found) << found.error().to_string();
        return found ? *found : std::vector<bool>{};
    }

    static CopyAnswers search(TextIndex& index, const std::vector<MessageRecord>& copies,
                              std::vector<TextQuery> queries, std::uint32_t uidvalidity = 77)
    {
        Result<CopyAnswers> answers =
            index.search(MailboxId{5}, uidvalidity, MessageList(copies), queries);
        EXPECT_TRUE(answers) << answers.error().to_string();
        return answers ? *answers : CopyAnswers{};
    }

    TempDir dir_;
};

using Bits = std::vector<bool>;

TEST_F(TextIndexTest, KeepsEntriesAcrossReopening)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    const NewEntry entries[] = {{index_blob('a'), {"SUBJECT: A\n", "ALPHA\n"}},
                                {index_blob('b'), {"", "BETA\n"}}};
    ASSERT_TRUE(index->add(entries));
    ASSERT_TRUE(index->set_progress(MailboxId{5}, MailboxProgress{77, 3, 9}));
    index.reset();
    index = open();
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(contains(*index, {index_blob('a'), index_blob('b'), index_blob('c')}),
              (Bits{true, true, false}));
    Result<std::optional<MailboxProgress>> progress = index->progress(MailboxId{5});
    ASSERT_TRUE(progress && *progress);
    EXPECT_EQ((*progress)->indexed_through, 3u);
    EXPECT_EQ((*progress)->listed_modseq, 9u);
    // Adding a blob again changes nothing: the text of one blob never changes.
    const NewEntry again[] = {{index_blob('a'), {"", "OTHER\n"}}};
    ASSERT_TRUE(index->add(again));
    EXPECT_EQ(search(*index, {copy(1, 'a')}, {{"OTHER", TextScope::Text}}).matched[0], Bits{false});
    EXPECT_EQ(search(*index, {copy(1, 'a')}, {{"ALPHA", TextScope::Text}}).matched[0], Bits{true});
}

TEST_F(TextIndexTest, RebuildsAnUnreadableFile)
{
    {
        std::ofstream garbage(file(), std::ios::binary);
        garbage << std::string(8192, 'x');
    }
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(contains(*index, {index_blob('a')}), Bits{false});
    const NewEntry entries[] = {{index_blob('a'), {"", "ALPHA\n"}}};
    EXPECT_TRUE(index->add(entries));
}

TEST_F(TextIndexTest, RebuildsAnotherSchemaVersionOrExtraction)
{
    const NewEntry entries[] = {{index_blob('a'), {"", "ALPHA\n"}}};
    {
        std::unique_ptr<TextIndex> index = open("test 1");
        ASSERT_NE(index, nullptr);
        ASSERT_TRUE(index->add(entries));
    }
    {
        std::unique_ptr<TextIndex> index = open("test 1");
        ASSERT_NE(index, nullptr);
        EXPECT_EQ(contains(*index, {index_blob('a')}), Bits{true});
    }
    {
        // Text made another way (other limits, other Unicode tables) is not trusted.
        std::unique_ptr<TextIndex> index = open("test 2");
        ASSERT_NE(index, nullptr);
        EXPECT_EQ(contains(*index, {index_blob('a')}), Bits{false});
        ASSERT_TRUE(index->add(entries));
    }
    ASSERT_TRUE(exec_on_file("PRAGMA user_version = 99"));
    std::unique_ptr<TextIndex> index = open("test 2");
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(contains(*index, {index_blob('a')}), Bits{false});
}

// Fewer, larger FTS5 merges (see TextIndex::open), on a new index and on one reopened.
TEST_F(TextIndexTest, MergesSegmentsEightToALevel)
{
    auto automerge = [this] {
        std::unique_ptr<sqlite::Connection> db = database();
        Result<std::int64_t> value =
            db ? db->query_int64("SELECT v FROM fts_config WHERE k = 'automerge'")
               : Result<std::int64_t>(unexpected(Errc::Io, "no database"));
        return value ? *value : -1;
    };
    open("test 1").reset();
    EXPECT_EQ(automerge(), 8);
    ASSERT_TRUE(exec_on_file("INSERT INTO fts (fts, rank) VALUES ('automerge', 4)"));
    std::unique_ptr<TextIndex> index = open("test 1");
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(automerge(), 8);
}

// boot_marker.hpp: commits are not fsynced, so an index the machine went down under is not
// trusted; one a process crash left open under the same boot is, and so is one closed cleanly.
TEST_F(TextIndexTest, RebuildsAnIndexLeftOpenWhenTheMachineRestarted)
{
    const NewEntry entries[] = {{index_blob('a'), {"", "ALPHA\n"}}};
    auto meta = [this](std::string_view key) {
        std::unique_ptr<sqlite::Connection> db = database();
        if (db == nullptr) {
            return std::string("(no database)");
        }
        Result<sqlite::Statement> stmt = db->prepare("SELECT value FROM meta WHERE key = ?");
        EXPECT_TRUE(stmt);
        Result<bool> row = stmt->bind(1, key).step();
        return row && *row ? stmt->column_text(0) : std::string("(none)");
    };
    auto crash_while_open = [this] {  // as a kill -9 leaves it: marked open, never closed
        ASSERT_TRUE(exec_on_file("UPDATE meta SET value = '0' WHERE key = 'clean'"));
    };
    auto open_under = [this](std::string_view boot) {
        Result<std::unique_ptr<TextIndex>> index = TextIndex::open(file(), "test 1", boot);
        EXPECT_TRUE(index) << index.error().to_string();
        return index ? std::move(*index) : nullptr;
    };
    {
        std::unique_ptr<TextIndex> index = open_under("boot-A");
        ASSERT_NE(index, nullptr);
        ASSERT_TRUE(index->add(entries));
        // The open is on record before any unsynced write.
        EXPECT_EQ(meta("boot"), "boot-A");
        EXPECT_EQ(meta("clean"), "0");
    }
    EXPECT_EQ(meta("clean"), "1");
    {
        std::unique_ptr<TextIndex> index = open_under("boot-B");  // closed cleanly: kept
        ASSERT_NE(index, nullptr);
        EXPECT_EQ(contains(*index, {index_blob('a')}), Bits{true});
    }
    crash_while_open();
    {
        std::unique_ptr<TextIndex> index = open_under("boot-B");  // same boot: kept
        ASSERT_NE(index, nullptr);
        EXPECT_EQ(contains(*index, {index_blob('a')}), Bits{true});
        EXPECT_EQ(meta("boot"), "boot-B");
    }
    crash_while_open();
    {
        std::unique_ptr<TextIndex> index = open_under("boot-C");  // the machine restarted
        ASSERT_NE(index, nullptr);
        EXPECT_EQ(contains(*index, {index_blob('a')}), Bits{false});
        ASSERT_TRUE(index->add(entries));
    }
    crash_while_open();
    {
        // With no boot id to compare, only a clean close is trusted.
        std::unique_ptr<TextIndex> index = open_under("");
        ASSERT_NE(index, nullptr);
        EXPECT_EQ(contains(*index, {index_blob('a')}), Bits{false});
    }
    const std::string boot = current_boot_id();
    EXPECT_EQ(boot.size(), 36u) << boot;  // a UUID
    EXPECT_EQ(current_boot_id(), boot);
}

TEST_F(TextIndexTest, FindsSubstringsByScopeInIndexedCopiesOnly)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    const NewEntry entries[] = {
        {index_blob('a'), {"SUBJECT: ONE\n", "THE QUICK BROWN FOX\n"}},
        {index_blob('b'), {"SUBJECT: QUICK \"QUOTED\"\n", "LAZY DOG\n"}},
        {index_blob('d'), {"", "GRÜẞE ÅÄÖ QUICK\n"}},  // in the index, but in no copy given
    };
    ASSERT_TRUE(index->add(entries));
    // Copies 1 and 4 share blob a; copy 3's blob c was never indexed.
    const std::vector<MessageRecord> copies = {copy(1, 'a'), copy(2, 'b'), copy(3, 'c'),
                                               copy(4, 'a')};
    const CopyAnswers answers = search(*index, copies,
                                       {{"UICK BR", TextScope::Body},
                                        {"QUICK", TextScope::Body},
                                        {"QUICK", TextScope::Text},
                                        {"\"QUOTED\"", TextScope::Text},
                                        {"\"QUOTED\"", TextScope::Body},
                                        {"quick", TextScope::Text},
                                        {"QUICK OR LAZY", TextScope::Text},
                                        {"header : ONE", TextScope::Text}});
    EXPECT_EQ(answers.indexed, (Bits{true, true, false, true}));
    ASSERT_EQ(answers.matched.size(), 8u);
    EXPECT_EQ(answers.matched[0], (Bits{true, false, false, true}));
    EXPECT_EQ(answers.matched[1], (Bits{true, false, false, true}));
    EXPECT_EQ(answers.matched[2], (Bits{true, true, false, true}));  // header of b
    EXPECT_EQ(answers.matched[3], (Bits{false, true, false, false}));  // '"' is no operator
    EXPECT_EQ(answers.matched[4], (Bits{false, false, false, false}));
    // The stored text is already folded: the match is exact, case included.
    EXPECT_EQ(answers.matched[5], (Bits{false, false, false, false}));
    // FTS5 syntax in a needle is text, not a query.
    EXPECT_EQ(answers.matched[6], (Bits{false, false, false, false}));
    EXPECT_EQ(answers.matched[7], (Bits{false, false, false, false}));
    // Non-ASCII: characters, not bytes, count toward the three the trigram index needs.
    EXPECT_EQ(search(*index, {copy(9, 'd')}, {{"ÅÄÖ", TextScope::Body}}).matched[0], Bits{true});

    Result<CopyAnswers> short_needle = index->search(
        MailboxId{5}, 77, MessageList(copies), std::vector<TextQuery>{{"ÅÄ", TextScope::Body}});
    ASSERT_FALSE(short_needle);
    EXPECT_EQ(short_needle.error().code, Errc::Unsupported);
    Result<CopyAnswers> nul = index->search(MailboxId{5}, 77, MessageList(copies),
                                            std::vector<TextQuery>{{std::string("ON\0E", 4), {}}});
    ASSERT_FALSE(nul);
    EXPECT_EQ(nul.error().code, Errc::Unsupported);
}

TEST_F(TextIndexTest, TrustsTheWatermarkOfTheSameUidValidityOnly)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    const NewEntry entries[] = {{index_blob('a'), {"", "ALPHA\n"}}};
    ASSERT_TRUE(index->add(entries));
    ASSERT_TRUE(index->set_progress(MailboxId{5}, MailboxProgress{77, 2, 4}));
    // Up to the watermark a copy counts as indexed without a lookup; above it, by its blob.
    const std::vector<MessageRecord> copies = {copy(1, 'a'), copy(2, 'e'), copy(3, 'a'),
                                               copy(4, 'e')};
    const std::vector<TextQuery> alpha = {{"ALPHA", TextScope::Body}};
    CopyAnswers answers = search(*index, copies, alpha);
    EXPECT_EQ(answers.indexed, (Bits{true, true, true, false}));
    EXPECT_EQ(answers.matched[0], (Bits{true, false, true, false}));
    // After a RENAME (a new UIDVALIDITY) the watermark is another mailbox's.
    answers = search(*index, copies, alpha, 78);
    EXPECT_EQ(answers.indexed, (Bits{true, false, true, false}));
    ASSERT_TRUE(index->forget_mailbox(MailboxId{5}));
    answers = search(*index, copies, alpha);
    EXPECT_EQ(answers.indexed, (Bits{true, false, true, false}));
    Result<std::optional<MailboxProgress>> progress = index->progress(MailboxId{5});
    ASSERT_TRUE(progress);
    EXPECT_FALSE(progress->has_value());
}

// A text longer than max_indexed_text stays out of FTS5: its blob counts as not indexed (the
// caller reads the message) whether the mailbox is large or small beside the index and under
// the watermark too; its summary is kept, and the indexer does not take it again.
TEST_F(TextIndexTest, LeavesTooLongATextToTheCaller)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    BlobSummary summary;
    summary.envelope = "(NIL \"long\" NIL NIL NIL NIL NIL NIL NIL NIL)";
    const std::string at_bound = std::string(max_indexed_text - 6, 'Y') + "ALPHA\n";
    const NewEntry entries[] = {
        {index_blob('a'), {"", "ALPHA\n"}},
        {index_blob('b'), {"", "ALPHA " + std::string(max_indexed_text, 'Z'), summary}},
        {index_blob('c'), {"", at_bound}},
        // Dropped by the indexer already (BlobText::too_long): the same as 'b'.
        {index_blob('d'), {"", "", summary, true}}};
    ASSERT_TRUE(index->add(entries));
    EXPECT_EQ(contains(*index, {index_blob('b'), index_blob('d')}), (Bits{true, true}));
    const std::vector<TextQuery> alpha = {{"ALPHA", TextScope::Body}};
    const std::vector<MessageRecord> copies = {copy(1, 'a'), copy(2, 'b'), copy(3, 'c'),
                                               copy(4, 'd')};
    CopyAnswers answers = search(*index, copies, alpha);  // as many copies as blobs: FTS5
    EXPECT_EQ(answers.indexed, (Bits{true, false, true, false}));
    EXPECT_EQ(answers.matched[0], (Bits{true, false, true, false}));
    ASSERT_TRUE(index->set_progress(MailboxId{5}, MailboxProgress{77, 4, 4}));
    answers = search(*index, copies, alpha);
    EXPECT_EQ(answers.indexed, (Bits{true, false, true, false}));
    EXPECT_EQ(answers.matched[0], (Bits{true, false, true, false}));
    // With many more blobs in the index one copy's text is read instead.
    std::vector<NewEntry> others;
    for (std::uint64_t i = 0; i < 40; ++i) {
        others.push_back(NewEntry{BlobId{serial_blob_name(9000 + i)}, {"", "OTHER\n"}});
    }
    ASSERT_TRUE(index->add(others));
    answers = search(*index, {copy(2, 'b')}, alpha);
    EXPECT_EQ(answers.indexed, Bits{false});
    EXPECT_EQ(answers.matched[0], Bits{false});
    answers = search(*index, {copy(3, 'c')}, alpha);
    EXPECT_EQ(answers.indexed, Bits{true});
    EXPECT_EQ(answers.matched[0], Bits{true});
    const BlobId asked[] = {index_blob('b')};
    Result<std::vector<std::optional<BlobSummary>>> found = index->summaries(asked);
    ASSERT_TRUE(found) << found.error().to_string();
    ASSERT_EQ(found->size(), 1u);
    ASSERT_TRUE((*found)[0]);
    EXPECT_EQ((*found)[0]->envelope, summary.envelope);
}

TEST_F(TextIndexTest, ListsPagesAndRemovesEntries)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    std::vector<NewEntry> entries;
    for (char c : std::string("abcde")) {
        entries.push_back({index_blob(c), {"", "SHARED TEXT\n"}});
    }
    ASSERT_TRUE(index->add(entries));
    Result<std::vector<IndexedBlob>> first = index->list_blobs(0, 3);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 3u);
    EXPECT_EQ((*first)[0].blob, index_blob('a'));
    Result<std::vector<IndexedBlob>> rest = index->list_blobs(first->back().id, 10);
    ASSERT_TRUE(rest);
    ASSERT_EQ(rest->size(), 2u);
    EXPECT_EQ((*rest)[1].blob, index_blob('e'));

    const std::int64_t doomed[] = {(*first)[1].id, (*rest)[0].id};  // b and d
    ASSERT_TRUE(index->remove(doomed));
    EXPECT_EQ(contains(*index, {index_blob('a'), index_blob('b'), index_blob('c'), index_blob('d'),
                                index_blob('e')}),
              (Bits{true, false, true, false, true}));
    const CopyAnswers answers =
        search(*index, {copy(1, 'a'), copy(2, 'b'), copy(3, 'd')}, {{"SHARED", TextScope::Body}});
    EXPECT_EQ(answers.matched[0], (Bits{true, false, false}));
    Result<std::vector<IndexedBlob>> all = index->list_blobs(0, 10);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 3u);
}

TEST_F(TextIndexTest, RefusesABadBlobNameAndTextWithNul)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    const NewEntry bad[] = {{BlobId{"../etc"}, {"", "x"}}};
    Result<void> refused = index->add(bad);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::Invalid);
    // FTS5 stops at a NUL: text with one is refused rather than indexed in part, and the
    // batch with it leaves nothing behind.
    const NewEntry nul[] = {{index_blob('a'), {"", "ALPHA"}},
                            {index_blob('b'), {"", std::string("A\0B", 3)}}};
    refused = index->add(nul);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::Invalid);
    EXPECT_EQ(contains(*index, {index_blob('a'), index_blob('b')}), (Bits{false, false}));
}

// Summaries: kept with the entry (an empty one is not stored), read back byte for byte in one
// call that may name a blob twice or one the index lacks, and removed with the entry.
TEST_F(TextIndexTest, KeepsSummariesBesideTheText)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    BlobSummary full;
    full.header = std::string("Subject: a\r\n\0\r\n", 15);  // bytes as they are, a NUL too
    full.envelope = "(NIL \"a\" NIL NIL NIL NIL NIL NIL NIL NIL)";
    full.body = "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)";
    full.body_structure = "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)";
    full.header_fields = 1;
    BlobSummary structure_only = full;
    structure_only.header.reset();
    structure_only.header_fields = 7;
    BlobSummary empty_header;
    empty_header.header = "";
    const NewEntry entries[] = {{index_blob('a'), {"", "ALPHA\n", full}},
                                {index_blob('b'), {"", "BETA\n", structure_only}},
                                {index_blob('c'), {"", "GAMMA\n"}},
                                {index_blob('d'), {"", "DELTA\n", empty_header}}};
    ASSERT_TRUE(index->add(entries));
    const BlobId asked[] = {index_blob('b'), index_blob('a'), index_blob('c'),
                            index_blob('e'), index_blob('a'), index_blob('d')};
    Result<std::vector<std::optional<BlobSummary>>> found = index->summaries(asked);
    ASSERT_TRUE(found) << found.error().to_string();
    ASSERT_EQ(found->size(), 6u);
    ASSERT_TRUE((*found)[0] && (*found)[1] && (*found)[4] && (*found)[5]);
    EXPECT_FALSE((*found)[2]);  // indexed without a summary
    EXPECT_FALSE((*found)[3]);  // not indexed
    for (const std::size_t i : {1, 4}) {
        EXPECT_EQ((*found)[i]->header, full.header);
        EXPECT_EQ((*found)[i]->envelope, full.envelope);
        EXPECT_EQ((*found)[i]->body, full.body);
        EXPECT_EQ((*found)[i]->body_structure, full.body_structure);
        EXPECT_EQ((*found)[i]->header_fields, 1u);
    }
    EXPECT_FALSE((*found)[0]->header);
    EXPECT_EQ((*found)[0]->body_structure, full.body_structure);
    EXPECT_EQ((*found)[0]->header_fields, 7u);
    EXPECT_EQ((*found)[5]->header, std::optional<std::string>(""));  // empty, not absent
    EXPECT_FALSE((*found)[5]->envelope);
    EXPECT_EQ(index->extraction(), "test 1");

    // The header alone: the same rows, without the formatted structures.
    Result<std::vector<std::optional<BlobSummary>>> headers =
        index->summaries(asked, TextIndex::SummaryParts::HeaderOnly);
    ASSERT_TRUE(headers) << headers.error().to_string();
    ASSERT_EQ(headers->size(), 6u);
    ASSERT_TRUE((*headers)[0] && (*headers)[1] && (*headers)[4] && (*headers)[5]);
    EXPECT_FALSE((*headers)[2]);
    EXPECT_FALSE((*headers)[3]);
    EXPECT_EQ((*headers)[1]->header, full.header);
    EXPECT_EQ((*headers)[4]->header, full.header);
    EXPECT_EQ((*headers)[1]->header_fields, 1u);
    EXPECT_FALSE((*headers)[1]->envelope || (*headers)[1]->body || (*headers)[1]->body_structure);
    EXPECT_FALSE((*headers)[0]->header);
    EXPECT_EQ((*headers)[0]->header_fields, 7u);

    Result<std::vector<IndexedBlob>> listed = index->list_blobs(0, 10);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 4u);
    const std::int64_t first[] = {(*listed)[0].id};
    ASSERT_TRUE(index->remove(first));
    const BlobId removed[] = {index_blob('a')};
    found = index->summaries(removed);
    ASSERT_TRUE(found);
    EXPECT_FALSE((*found)[0]);
}

// More blobs than one summaries() query takes (500), asked twice in a row with different
// counts: every summary comes back in its place, and only those.
// A mailbox small beside the index is answered from its own blobs' texts, a large one by one
// pass over every blob holding the needle (text_search.cpp): both give the same answers, with
// phrases, quotes, FTS5 syntax taken as text and non-ASCII needles, copies sharing a blob,
// copies not indexed.
TEST_F(TextIndexTest, SmallAndLargeMailboxesAnswerAlike)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    constexpr std::uint32_t blobs = 600;
    auto name = [](std::uint32_t i) { return BlobId{serial_blob_name(5000 + i)}; };
    auto has = [](std::uint32_t i, std::uint32_t n) { return i % n == 0; };
    std::vector<NewEntry> entries;
    for (std::uint32_t i = 0; i < blobs; ++i) {
        if (has(i, 5)) {
            continue;  // never indexed
        }
        std::string body = "WORD " + std::to_string(i);
        body += has(i, 7) ? " SEVEN" : "";
        body += has(i, 11) ? " ELEVEN" : "";
        body += has(i, 13) ? " SAY \"HI\"" : "";
        body += has(i, 17) ? " GRÜẞE" : "";
        entries.push_back(NewEntry{name(i), {"SUBJECT: N" + std::to_string(i) + "\n", body}});
    }
    ASSERT_TRUE(index->add(entries));
    const std::vector<TextQuery> queries = {
        {"SEVEN", TextScope::Body},        {"ELEVEN", TextScope::Text},
        {"SUBJECT: N12", TextScope::Text}, {"SUBJECT: N12", TextScope::Body},
        {"\"HI\"", TextScope::Body},       {"SEVEN OR ELEVEN", TextScope::Body},
        {"ÜẞE", TextScope::Body}};
    auto expected = [&](std::size_t query, std::uint32_t i) {
        const std::string number = std::to_string(i);
        switch (query) {
            case 0:
                return has(i, 7);
            case 1:
                return has(i, 11);
            case 2:
                return number.rfind("12", 0) == 0;  // N12, N120 …
            case 4:
                return has(i, 13);
            case 6:
                return has(i, 17);
            default:
                return false;
        }
    };
    // Ten blobs chosen to hit every query, one not indexed, read their texts (11 copies × 8 <
    // 480 indexed blobs); the first 70 and all 600 ask FTS5.
    std::vector<std::vector<std::uint32_t>> choices = {{1, 7, 10, 11, 12, 13, 17, 34, 77, 121}};
    for (const std::uint32_t count : {70u, blobs}) {
        choices.emplace_back();
        for (std::uint32_t i = 0; i < count; ++i) {
            choices.back().push_back(i);
        }
    }
    for (const std::vector<std::uint32_t>& chosen : choices) {
        SCOPED_TRACE(chosen.size());
        std::vector<MessageRecord> copies;
        std::vector<std::uint32_t> blob_of = chosen;
        blob_of.push_back(7);  // a second copy of blob 7
        for (std::size_t c = 0; c < blob_of.size(); ++c) {
            copies.push_back(copy(static_cast<std::uint32_t>(c + 1), 'x'));
            copies.back().blob = name(blob_of[c]);
        }
        const CopyAnswers answers = search(*index, copies, queries);
        ASSERT_EQ(answers.indexed.size(), copies.size());
        ASSERT_EQ(answers.matched.size(), queries.size());
        for (std::size_t c = 0; c < copies.size(); ++c) {
            const std::uint32_t i = blob_of[c];
            ASSERT_EQ(answers.indexed[c], !has(i, 5)) << c;
            for (std::size_t q = 0; q < queries.size(); ++q) {
                EXPECT_EQ(answers.matched[q][c], !has(i, 5) && expected(q, i))
                    << "copy " << c << " query " << queries[q].needle;
            }
        }
    }
}

TEST_F(TextIndexTest, SummariesOfManyBlobsAcrossQueries)
{
    std::unique_ptr<TextIndex> index = open();
    ASSERT_NE(index, nullptr);
    std::vector<NewEntry> entries;
    std::vector<BlobId> asked;
    for (std::uint64_t i = 0; i < 1203; ++i) {
        BlobSummary summary;
        summary.header = "X-Number: " + std::to_string(i) + "\r\n";
        summary.header_fields = 1;
        const BlobId name{serial_blob_name(1000 + i)};
        if (i % 3 != 0) {  // every third one not indexed
            entries.push_back(NewEntry{name, {"", "TEXT\n", summary}});
        }
        asked.push_back(name);
    }
    ASSERT_TRUE(index->add(entries));
    for (const std::size_t count : {asked.size(), std::size_t{7}, std::size_t{501}}) {
        SCOPED_TRACE(count);
        Result<std::vector<std::optional<BlobSummary>>> found =
            index->summaries(std::span<const BlobId>(asked.data(), count));
        ASSERT_TRUE(found) << found.error().to_string();
        ASSERT_EQ(found->size(), count);
        for (std::size_t i = 0; i < count; ++i) {
            if (i % 3 == 0) {
                EXPECT_FALSE((*found)[i]) << i;
            } else {
                ASSERT_TRUE((*found)[i]) << i;
                EXPECT_EQ((*found)[i]->header, "X-Number: " + std::to_string(i) + "\r\n");
            }
        }
    }
}

}  // namespace
}  // namespace harbor::store::text
