// The background indexer (text_indexer.cpp) over a real store: mail already there is indexed
// at start, mail delivered, appended or copied later as the change feed reports it, entries of
// blobs gone from the store are pruned, a deleted mailbox's watermark is forgotten, and the
// indexer stops cleanly in the middle of its work. Waits are on the indexer's idle condition,
// never on time; the tests of when changes are taken up use margins of a second and more.
#include "store/text/text_indexer.hpp"

#include <gtest/gtest.h>

#include <sched.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/test_support.hpp"

namespace harbor::store::text {
namespace {

using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;
using Bits = std::vector<bool>;

// A stand-in for imap::extract_search_text: header and body split at the empty line, in
// capitals.
BlobText extract_upper(std::string_view raw)
{
    const std::size_t split = raw.find("\r\n\r\n");
    std::string header(raw.substr(0, split));
    std::string body(split == std::string_view::npos ? std::string_view() : raw.substr(split + 4));
    for (std::string* text : {&header, &body}) {
        std::transform(text->begin(), text->end(), text->begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    }
    return BlobText{std::move(header), std::move(body)};
}

class Indexer : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
        inbox_ = *store_->find_mailbox(alice_.id, "INBOX");
        Result<std::unique_ptr<TextIndex>> index =
            TextIndex::open(dir_.path() / index_file_name, "upper 1");
        ASSERT_TRUE(index) << index.error().to_string();
        index_ = std::move(*index);
        changes_ = std::make_unique<ChangeFeed>(*store_);
    }

    std::unique_ptr<TextIndexer> start(IndexerOptions options = {})
    {
        return std::make_unique<TextIndexer>(*store_, *changes_, *index_, extract_upper,
                                                   options);
    }

    MessageRecord append(std::string_view mailbox, std::string_view bytes)
    {
        Result<MessageRecord> record = store_->append(append_request(alice_.id, mailbox, bytes));
        EXPECT_TRUE(record) << record.error().to_string();
        return record ? *record : MessageRecord{};
    }

    // What the index says of the mailbox's copies now, for one body needle.
    CopyAnswers ask(const Mailbox& mailbox, std::string needle)
    {
        Result<std::vector<MessageRecord>> copies = store_->list_messages(mailbox.id);
        EXPECT_TRUE(copies);
        Result<MailboxStatus> status = store_->mailbox_status(mailbox.id);
        EXPECT_TRUE(status);
        const std::vector<TextQuery> queries = {{std::move(needle), TextScope::Body}};
        Result<CopyAnswers> answers =
            index_->search(mailbox.id, status->uidvalidity, MessageList(*copies), queries);
        EXPECT_TRUE(answers) << answers.error().to_string();
        return answers ? *answers : CopyAnswers{};
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
    Mailbox inbox_;
    std::unique_ptr<TextIndex> index_;
    std::unique_ptr<ChangeFeed> changes_;
};

// The scheduling policy of this process's thread named `name` (core/thread_name.hpp), or -1
// when there is none.
int policy_of_thread(const std::string& name)
{
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string seen;
        if (std::getline(comm, seen) && seen == name) {
            return ::sched_getscheduler(std::stoi(task.path().filename().string()));
        }
    }
    return -1;
}

// Indexing takes only CPU time nothing else wants (SCHED_IDLE), unless told otherwise.
TEST_F(Indexer, RunsInTheIdleSchedulingClass)
{
    {
        std::unique_ptr<TextIndexer> indexer = start();
        indexer->wait_idle_for_test();
        EXPECT_EQ(policy_of_thread("text-indexer"), SCHED_IDLE);
    }
    IndexerOptions at_nice;
    at_nice.idle_class = false;
    std::unique_ptr<TextIndexer> indexer = start(at_nice);
    indexer->wait_idle_for_test();
    EXPECT_EQ(policy_of_thread("text-indexer"), SCHED_OTHER);
}

// Mail that keeps coming with gaps shorter than `settle` is indexed after it stops, not
// beside it.
TEST_F(Indexer, IndexesABurstOnceItPauses)
{
    using namespace std::chrono_literals;
    std::unique_ptr<TextIndexer> indexer = start(IndexerOptions{.settle = 2s, .max_lag = 60s});
    indexer->wait_idle_for_test();
    const auto begun = std::chrono::steady_clock::now();
    std::size_t sent = 0;
    while (std::chrono::steady_clock::now() - begun < 3s) {
        append("INBOX", "Subject: burst\r\n\r\nbody " + std::to_string(++sent) + "\r\n");
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(indexer->counters().indexed, 0u);  // 3 s of changes, none 2 s apart
    indexer->wait_idle_for_test();
    EXPECT_EQ(indexer->counters().indexed, sent);
}

// Under a flow that never pauses, changes wait at most `max_lag` after the first.
TEST_F(Indexer, IndexesAFlowThatNeverPausesAfterMaxLag)
{
    using namespace std::chrono_literals;
    std::unique_ptr<TextIndexer> indexer = start(IndexerOptions{.settle = 2s, .max_lag = 400ms});
    indexer->wait_idle_for_test();
    const auto begun = std::chrono::steady_clock::now();
    while (indexer->counters().indexed == 0 && std::chrono::steady_clock::now() - begun < 10s) {
        append("INBOX", "Subject: flow\r\n\r\nbody\r\n");
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_GT(indexer->counters().indexed, 0u);  // while the flow went on
    EXPECT_GE(std::chrono::steady_clock::now() - begun, 400ms);
}

// A batch ends at IndexerOptions::batch messages or batch_bytes of them, whichever comes
// first, and a message larger than batch_bytes is a batch of its own: the watermark each
// extraction sees is the end of the batches before it.
TEST_F(Indexer, BatchesAreBoundedByBytes)
{
    std::vector<MessageRecord> records;
    for (int i = 0; i < 5; ++i) {
        records.push_back(append("INBOX", "Subject: small " + std::to_string(i) + "\r\n\r\nx\r\n"));
    }
    records.push_back(append("INBOX", "Subject: large\r\n\r\n" + std::string(4000, 'y') + "\r\n"));
    records.push_back(append("INBOX", "Subject: small 6\r\n\r\nx\r\n"));
    ASSERT_EQ(records[0].size, records[4].size);
    std::vector<std::uint32_t> seen;
    auto extract = [this, &seen](std::string_view raw) {
        Result<std::optional<MailboxProgress>> progress = index_->progress(inbox_.id);
        seen.push_back(progress && *progress ? (*progress)->indexed_through : 0);
        return extract_upper(raw);
    };
    IndexerOptions options;
    options.batch = 3;
    options.batch_bytes = 2 * records[0].size;  // two small messages, not three
    {
        TextIndexer indexer(*store_, *changes_, *index_, extract, options);
        indexer.wait_idle_for_test();
        EXPECT_EQ(indexer.counters().indexed, 7u);
    }
    EXPECT_EQ(seen, (std::vector<std::uint32_t>{0, 0, 2, 2, 4, 5, 6}));
}

// A text over max_indexed_text is dropped as soon as it is extracted: the copy is indexed
// (the watermark passes it) but left to the evaluator, beside one of ordinary length.
TEST_F(Indexer, LeavesALongTextToTheEvaluator)
{
    append("INBOX", "Subject: long\r\n\r\nneedle " + std::string(max_indexed_text, 'z') + "\r\n");
    append("INBOX", "Subject: short\r\n\r\nneedle\r\n");
    std::unique_ptr<TextIndexer> indexer = start();
    indexer->wait_idle_for_test();
    EXPECT_EQ(indexer->counters().indexed, 2u);
    CopyAnswers answers = ask(inbox_, "NEEDLE");
    EXPECT_EQ(answers.indexed, (Bits{false, true}));
    EXPECT_EQ(answers.matched[0], (Bits{false, true}));
}

TEST_F(Indexer, IndexesMailAtStartAndAsItArrives)
{
    append("INBOX", "Subject: one\r\n\r\nearly bird\r\n");
    append("INBOX", "Subject: two\r\n\r\nearly worm\r\n");
    std::unique_ptr<TextIndexer> indexer = start(IndexerOptions{.batch = 1});
    indexer->wait_idle_for_test();
    EXPECT_EQ(indexer->counters().indexed, 2u);
    CopyAnswers answers = ask(inbox_, "EARLY");
    EXPECT_EQ(answers.indexed, (Bits{true, true}));
    EXPECT_EQ(answers.matched[0], (Bits{true, true}));
    Result<std::optional<MailboxProgress>> progress = index_->progress(inbox_.id);
    ASSERT_TRUE(progress && *progress);
    EXPECT_EQ((*progress)->indexed_through, 2u);

    // An SMTP delivery with a per-copy prefix, an append, and a copy of an indexed blob into
    // another mailbox: all heard through the change feed.
    DeliverRequest request;
    request.bytes = "Subject: three\r\n\r\nlate delivery\r\n";
    MailboxCopy delivered;
    delivered.account = alice_.id;
    delivered.mailbox = "INBOX";
    delivered.prefix = "Delivered-To: alice@example.org\r\n";
    request.copies.push_back(delivered);
    Result<DeliverResult> result = store_->deliver(std::move(request));
    ASSERT_TRUE(result && result->copies[0]);
    append("INBOX", "Subject: four\r\n\r\nlate append\r\n");
    Result<Mailbox> archive = store_->create_mailbox(alice_.id, "Keep");
    ASSERT_TRUE(archive);
    ASSERT_TRUE(store_->copy(inbox_.id, {{1, 1}}, archive->id));
    indexer->wait_idle_for_test();
    EXPECT_EQ(indexer->counters().indexed, 4u);  // the copy shares blob 1's entry
    EXPECT_EQ(indexer->counters().failed, 0u);
    answers = ask(inbox_, "LATE");
    EXPECT_EQ(answers.indexed, (Bits{true, true, true, true}));
    EXPECT_EQ(answers.matched[0], (Bits{false, false, true, true}));
    answers = ask(*archive, "BIRD");
    EXPECT_EQ(answers.indexed, Bits{true});
    EXPECT_EQ(answers.matched[0], Bits{true});

    // A flag change moves modseqs but adds nothing to index.
    ASSERT_TRUE(store_->store_flags(
        StoreFlagsRequest{inbox_.id, {{1, 4}}, FlagMode::Add, {"\\Seen"}, {}}));
    indexer->wait_idle_for_test();
    EXPECT_EQ(indexer->counters().indexed, 4u);

    // A restart finds everything indexed already.
    indexer.reset();
    indexer = start();
    indexer->wait_idle_for_test();
    EXPECT_EQ(indexer->counters().indexed, 0u);
    EXPECT_EQ(ask(inbox_, "EARLY").matched[0], (Bits{true, true, false, false}));
}

TEST_F(Indexer, PrunesBlobsGoneAndForgetsDeletedMailboxes)
{
    append("INBOX", "a\r\n\r\nkept\r\n");
    append("INBOX", "a\r\n\r\ndoomed\r\n");
    Result<Mailbox> doomed = store_->create_mailbox(alice_.id, "Doomed");
    ASSERT_TRUE(doomed);
    append("Doomed", "a\r\n\r\nin a doomed mailbox\r\n");
    std::unique_ptr<TextIndexer> indexer = start(IndexerOptions{.prune_after_changes = 1});
    indexer->wait_idle_for_test();
    EXPECT_EQ(indexer->counters().indexed, 3u);
    EXPECT_EQ(indexer->counters().pruned, 0u);

    ASSERT_TRUE(store_->expunge(inbox_.id, 2));
    indexer->wait_idle_for_test();  // one change heard: a prune pass followed it
    EXPECT_EQ(indexer->counters().pruned, 1u);
    ASSERT_TRUE(store_->delete_mailbox(doomed->id));
    indexer->wait_idle_for_test();
    EXPECT_EQ(indexer->counters().pruned, 2u);
    Result<std::vector<IndexedBlob>> left = index_->list_blobs(0, 10);
    ASSERT_TRUE(left);
    ASSERT_EQ(left->size(), 1u);
    Result<std::vector<MailboxId>> watermarks = index_->list_mailboxes();
    ASSERT_TRUE(watermarks);
    EXPECT_TRUE(std::find(watermarks->begin(), watermarks->end(), doomed->id) ==
                watermarks->end());
    EXPECT_EQ(ask(inbox_, "KEPT").matched[0], Bits{true});

    // The same bytes delivered again after their entry went are indexed anew.
    append("INBOX", "a\r\n\r\ndoomed\r\n");
    indexer->wait_idle_for_test();
    EXPECT_EQ(ask(inbox_, "DOOMED").matched[0], (Bits{false, true}));
}

TEST_F(Indexer, StopsInTheMiddleOfItsWork)
{
    for (int i = 0; i < 300; ++i) {
        append("INBOX", "Subject: " + std::to_string(i) + "\r\n\r\nbody " + std::to_string(i));
    }
    for (int round = 0; round < 3; ++round) {
        // Destroyed at once, while catching up: the destructor waits for the batch in hand.
        std::unique_ptr<TextIndexer> indexer = start(IndexerOptions{.batch = 7});
        append("INBOX", "Subject: more\r\n\r\nwhile stopping");
        indexer.reset();
    }
    // What was indexed before each stop counts as indexed; the rest follows on the next start.
    std::unique_ptr<TextIndexer> indexer = start();
    indexer->wait_idle_for_test();
    const CopyAnswers answers = ask(inbox_, "BODY 29");
    EXPECT_TRUE(std::all_of(answers.indexed.begin(), answers.indexed.end(),
                            [](bool indexed) { return indexed; }));
    EXPECT_EQ(std::count(answers.matched[0].begin(), answers.matched[0].end(), true),
              11);  // 29, 290..299
}

}  // namespace
}  // namespace harbor::store::text
