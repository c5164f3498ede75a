// The full-text index path of SEARCH (text_index.hpp) against the evaluator: over every message
// of the shared MIME corpora, stored plainly and with a delivery prefix, indexed by the
// background indexer (store/text/text_indexer.hpp), and many needles, the messages the index
// rules out never match, and those it decides (Residual) match exactly when the evaluator says
// so: the index agrees with evaluation, it does not merely pre-filter. With the index absent
// or behind, the matches are the same.
#include "imap/search/text_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "imap/search/casemap.hpp"
#include "imap/search/test_corpus.hpp"
#include "store/change_feed.hpp"
#include "store/test_support.hpp"
#include "store/text/text_indexer.hpp"

namespace harbor::imap {
namespace {

using store::testing::open_or_fail;
using store::testing::TempDir;

SearchKey text_key(SearchKeyKind kind, std::string needle)
{
    SearchKey key;
    key.kind = kind;
    key.value = std::move(needle);
    return key;
}

SearchProgram compile(const SearchKey& key)
{
    Result<SearchProgram> program = compile_search(key, "UTF-8", SearchContext{});
    EXPECT_TRUE(program);
    return program ? std::move(*program) : SearchProgram{};
}

std::size_t count_characters(const SearchProgram& program)
{
    const std::string& needle = program.root.needle;
    return static_cast<std::size_t>(std::count_if(needle.begin(), needle.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

// A few characters from the middle of a text, on character boundaries: needles that occur.
std::string piece_of(std::string_view text, std::size_t length)
{
    std::size_t start = text.size() / 2;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0U) == 0x80U) {
        --start;
    }
    std::size_t end = start;
    for (std::size_t characters = 0; end < text.size() && characters < length; ++characters) {
        ++end;
        while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
            ++end;
        }
    }
    return std::string(text.substr(start, end - start));
}

class TextIndexCorpus : public ::testing::Test {
protected:
    struct Box {
        store::MailboxId id;
        std::uint32_t uidvalidity = 0;
        std::vector<store::MessageRecord> messages;
        std::vector<std::unique_ptr<MessageContent>> contents;
    };

    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        const store::Account alice = store::testing::make_alice(*store_);
        raw_ = mime_corpus_messages();
        ASSERT_GE(raw_.size(), 150u);
        // INBOX holds every message as appended; "Delivered" every one with a prefix, as SMTP
        // delivery stores it (MailboxCopy::prefix).
        for (const std::string& raw : raw_) {
            ASSERT_TRUE(store_->append(store::testing::append_request(alice.id, "INBOX", raw)));
            store::DeliverRequest request;
            request.bytes = raw;
            store::MailboxCopy copy;
            copy.account = alice.id;
            copy.mailbox = "Delivered";
            copy.prefix = "Delivered-To: Ünïcode.Alice@example.org\r\n";
            request.copies.push_back(copy);
            Result<store::DeliverResult> delivered = store_->deliver(std::move(request));
            ASSERT_TRUE(delivered && delivered->copies[0]);
        }
        for (const char* name : {"INBOX", "Delivered"}) {
            Result<store::Mailbox> box = store_->find_mailbox(alice.id, name);
            ASSERT_TRUE(box);
            Result<std::vector<store::MessageRecord>> messages = store_->list_messages(box->id);
            ASSERT_TRUE(messages);
            boxes_.push_back(Box{box->id, box->uidvalidity, std::move(*messages), {}});
            for (const store::MessageRecord& record : boxes_.back().messages) {
                boxes_.back().contents.push_back(
                    std::make_unique<MessageContent>(*store_->read_message(record)));
            }
        }
        index_ = open_index("text-index.sqlite");
        ASSERT_NE(index_, nullptr);
        store::ChangeFeed changes(*store_);
        store::text::TextIndexer indexer(*store_, changes, *index_, extract);
        indexer.wait_idle_for_test();  // the start-up catch-up has indexed every mailbox
        std::set<std::string> blobs;  // one per append or delivery (small blobs are serial)
        for (const Box& box : boxes_) {
            for (const store::MessageRecord& record : box.messages) {
                blobs.insert(record.blob.sha256);
            }
        }
        EXPECT_EQ(indexer.counters().indexed, blobs.size());
        EXPECT_EQ(indexer.counters().failed, 0u);
        // The index keeps these without their text (store::text::max_indexed_text).
        for (const std::string& raw : raw_) {
            const store::text::BlobText text = extract(raw);
            text_too_long_.push_back(text.header.size() + text.body.size() >
                                     store::text::max_indexed_text);
        }
    }

    static store::text::BlobText extract(std::string_view raw) { return extract_search_text(raw); }

    std::unique_ptr<store::text::TextIndex> open_index(const char* name)
    {
        Result<std::unique_ptr<store::text::TextIndex>> index =
            store::text::TextIndex::open(dir_.path() / name, extraction_fingerprint({}));
        EXPECT_TRUE(index) << index.error().to_string();
        return index ? std::move(*index) : nullptr;
    }

    std::optional<TextCandidates> candidates(store::text::TextIndex& index, const Box& box,
                                             const std::vector<store::MessageRecord>& messages,
                                             const SearchProgram& program,
                                             std::uint32_t uidvalidity_change = 0)
    {
        return text_candidates(index, box.id, box.uidvalidity + uidvalidity_change,
                               store::MessageList(messages), program);
    }

    // The UIDs of `box` that match `program`: through the plan when there is one, as the
    // session does, else by evaluating every message.
    std::vector<std::uint32_t> matches(const Box& box, const std::optional<TextCandidates>& plan,
                                       const SearchProgram& program)
    {
        std::vector<std::uint32_t> uids;
        for (std::size_t i = 0; i < box.messages.size(); ++i) {
            const TextVerdict verdict = plan ? plan->verdicts[i] : TextVerdict::Full;
            if (verdict == TextVerdict::No) {
                continue;
            }
            const SearchProgram& run = verdict == TextVerdict::Residual ? plan->residual : program;
            if (evaluate_with_content(run, box.messages[i], *box.contents[i]) == Match::Yes) {
                uids.push_back(box.messages[i].uid);
            }
        }
        return uids;
    }

    static Match evaluate_with_content(const SearchProgram& program,
                                       const store::MessageRecord& record, MessageContent& content)
    {
        MessageView view{.uid = record.uid,
                         .flags = record.flags,
                         .internal_date = record.internal_date,
                         .size = record.size,
                         .modseq = record.modseq};
        view.content = &content;
        return evaluate(program, view);
    }

    // Checks one program against the evaluator in both mailboxes; returns the matches seen.
    std::size_t check(const SearchKey& key)
    {
        const SearchProgram program = compile(key);
        std::size_t matches = 0;
        for (Box& box : boxes_) {
            std::optional<TextCandidates> plan = candidates(*index_, box, box.messages, program);
            EXPECT_EQ(plan.has_value(), uses_text_index(program));
            if (!plan) {
                // Only a needle the index cannot answer: fewer than three characters folded,
                // a NUL, or U+FFFD, which stands for NUL in the index.
                EXPECT_TRUE(count_characters(program) < 3 ||
                            program.root.needle.find("\xEF\xBF\xBD") != std::string::npos ||
                            program.root.needle.find('\0') != std::string::npos)
                    << key.value;
                return 0;
            }
            EXPECT_GE(plan->answered_keys, 1u);
            for (std::size_t i = 0; i < box.messages.size(); ++i) {
                const store::MessageRecord& record = box.messages[i];
                const Match expected = evaluate_with_content(program, record, *box.contents[i]);
                matches += expected == Match::Yes ? 1 : 0;
                const TextVerdict verdict = plan->verdicts[i];
                SCOPED_TRACE("needle \"" + key.value + "\" uid " + std::to_string(record.uid) +
                             " mailbox " + std::to_string(box.id.value));
                if (verdict == TextVerdict::No) {
                    EXPECT_EQ(expected, Match::No);  // candidates are a superset of matches
                } else if (verdict == TextVerdict::Residual) {
                    // What the index decided, it decided exactly.
                    EXPECT_EQ(evaluate_with_content(plan->residual, record, *box.contents[i]),
                              expected);
                } else if (!text_too_long_[i]) {
                    // Everything was indexed before the search, so the one thing left undecided
                    // (but for a text too long for the index) is a TEXT needle with a line
                    // break, which could straddle prefix and blob.
                    EXPECT_EQ(key.kind, SearchKeyKind::Text);
                    EXPECT_FALSE(record.prefix.empty());
                    EXPECT_NE(key.value.find('\n'), std::string::npos);
                }
            }
        }
        return matches;
    }

    TempDir dir_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<store::text::TextIndex> index_;
    std::vector<std::string> raw_;
    std::vector<bool> text_too_long_;  // per message of raw_ (and of each box, in UID order)
    std::vector<Box> boxes_;
};

TEST_F(TextIndexCorpus, IndexAgreesWithTheEvaluatorOnEveryMessage)
{
    std::set<std::string> needles = {"the",
                                     "THE",
                                     "and",
                                     "http",
                                     "content",
                                     "from:",
                                     "subject: ",
                                     "boundary",
                                     "=?",
                                     "\"",
                                     "caf\xC3\xA9",
                                     "\xC3\xBC",
                                     "\xC3\x9C\x62",
                                     "\xE6\x97\xA5\xE6\x9C\xAC",
                                     "--",
                                     "delivered-to",
                                     "\xC3\xBCn\xC3\xAF",
                                     "alice@exa",
                                     "stra\xC3\x9F"
                                     "e",
                                     "\xEF\xAC\x81"
                                     "le",
                                     "a\nb",
                                     "\n\nx"};
    // Pieces of each message's own text, so most needles match something unusual.
    for (const std::unique_ptr<MessageContent>& content : boxes_[0].contents) {
        needles.insert(piece_of(content->folded_body(), 5));
        needles.insert(piece_of(content->folded_header(), 4));
    }
    // The corpus has texts the index keeps without, so check() meets them too.
    EXPECT_GT(std::count(text_too_long_.begin(), text_too_long_.end(), true), 0);
    std::size_t matches = 0;
    for (const std::string& needle : needles) {
        matches += check(text_key(SearchKeyKind::Body, needle));
        matches += check(text_key(SearchKeyKind::Text, needle));
    }
    EXPECT_GT(matches, 1000u);
}

TEST_F(TextIndexCorpus, KeysBesideTextKeysStayInTheResidualProgram)
{
    SearchKey both;
    both.kind = SearchKeyKind::And;
    both.children.push_back(text_key(SearchKeyKind::Body, "the"));
    both.children.push_back(text_key(SearchKeyKind::Subject, "re"));
    both.children.push_back(text_key(SearchKeyKind::Text, "content-type"));
    both.children.push_back(text_key(SearchKeyKind::Body, "x"));  // too short: stays
    check(both);
    const SearchProgram program = compile(both);
    std::optional<TextCandidates> plan =
        candidates(*index_, boxes_[0], boxes_[0].messages, program);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->answered_keys, 2u);
    ASSERT_EQ(plan->residual.root.children.size(), 2u);
    EXPECT_EQ(content_need(plan->residual), ContentNeed::Full);

    SearchKey flag_and_body;
    flag_and_body.kind = SearchKeyKind::And;
    flag_and_body.children.push_back(text_key(SearchKeyKind::Body, "the"));
    SearchKey unseen;
    unseen.kind = SearchKeyKind::Unseen;
    flag_and_body.children.push_back(unseen);
    plan = candidates(*index_, boxes_[0], boxes_[0].messages, compile(flag_and_body));
    ASSERT_TRUE(plan);
    EXPECT_EQ(content_need(plan->residual), ContentNeed::None);  // no message need be read
    check(flag_and_body);
}

TEST_F(TextIndexCorpus, ProgramsTheIndexCannotNarrowAreLeftAlone)
{
    SearchKey either;
    either.kind = SearchKeyKind::Or;
    either.children.push_back(text_key(SearchKeyKind::Body, "the"));
    either.children.push_back(text_key(SearchKeyKind::Body, "and"));
    for (const SearchKey& key :
         {either, text_key(SearchKeyKind::Body, "ab"), text_key(SearchKeyKind::Subject, "the")}) {
        EXPECT_FALSE(uses_text_index(compile(key)));
        EXPECT_FALSE(candidates(*index_, boxes_[0], boxes_[0].messages, compile(key)));
    }
}

TEST_F(TextIndexCorpus, AnIndexAbsentOrBehindGivesTheSameMatches)
{
    // An empty index (a fresh file: the indexer has not come by) decides nothing.
    std::unique_ptr<store::text::TextIndex> empty = open_index("empty.sqlite");
    ASSERT_NE(empty, nullptr);
    // One behind: every other blob of INBOX indexed, and no watermark, as when the indexer is
    // partway through a batch; a copy above the watermark is looked up blob by blob.
    std::unique_ptr<store::text::TextIndex> behind = open_index("behind.sqlite");
    ASSERT_NE(behind, nullptr);
    std::vector<store::text::NewEntry> half;
    for (std::size_t i = 0; i < boxes_[0].messages.size(); i += 2) {
        const store::BlobId& blob = boxes_[0].messages[i].blob;
        half.push_back({blob, extract_search_text(*store_->read_blob(blob))});
    }
    ASSERT_TRUE(behind->add(half));

    std::size_t compared = 0;
    for (const Box& box : boxes_) {
        for (const char* needle :
             {"the", "content", "delivered-to", "\xC3\xBCn\xC3\xAF", "boundary"}) {
            for (SearchKeyKind kind : {SearchKeyKind::Body, SearchKeyKind::Text}) {
                SCOPED_TRACE(std::string(needle) + " mailbox " + std::to_string(box.id.value));
                const SearchProgram program = compile(text_key(kind, needle));
                const std::vector<std::uint32_t> expected = matches(box, std::nullopt, program);
                std::optional<TextCandidates> none = candidates(*empty, box, box.messages, program);
                ASSERT_TRUE(none);
                EXPECT_TRUE(std::all_of(none->verdicts.begin(), none->verdicts.end(),
                                        [](TextVerdict v) { return v == TextVerdict::Full; }));
                EXPECT_EQ(matches(box, none, program), expected);
                std::optional<TextCandidates> part =
                    candidates(*behind, box, box.messages, program);
                ASSERT_TRUE(part);
                EXPECT_EQ(matches(box, part, program), expected);
                std::optional<TextCandidates> full =
                    candidates(*index_, box, box.messages, program);
                ASSERT_TRUE(full);
                EXPECT_EQ(matches(box, full, program), expected);
                compared += expected.size();
            }
        }
    }
    EXPECT_GT(compared, 100u);

    // The behind index decided the copies of INBOX it had (No or Residual), no others, and
    // none whose text it keeps without.
    const SearchProgram program = compile(text_key(SearchKeyKind::Body, "the"));
    std::optional<TextCandidates> part =
        candidates(*behind, boxes_[0], boxes_[0].messages, program);
    ASSERT_TRUE(part);
    for (std::size_t i = 0; i < boxes_[0].messages.size(); ++i) {
        const bool indexed =
            (i % 2 == 0 || std::any_of(half.begin(), half.end(),
                                       [&](const store::text::NewEntry& e) {
                                           return e.blob == boxes_[0].messages[i].blob;
                                       })) &&
            !text_too_long_[i];
        EXPECT_EQ(part->verdicts[i] != TextVerdict::Full, indexed) << i;
    }
    const auto too_long = std::count(text_too_long_.begin(), text_too_long_.end(), true);

    // A message the session knows of but the index snapshot did not (stored after it).
    std::vector<store::MessageRecord> messages = boxes_[0].messages;
    store::MessageRecord later = messages.back();
    later.uid += 1000;
    later.blob = store::BlobId{std::string(64, 'a')};
    messages.push_back(later);
    std::optional<TextCandidates> plan = candidates(*index_, boxes_[0], messages, program);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->verdicts.back(), TextVerdict::Full);
    EXPECT_EQ(std::count(plan->verdicts.begin(), plan->verdicts.end(), TextVerdict::Full),
              1 + too_long);
    EXPECT_GT(std::count(plan->verdicts.begin(), plan->verdicts.end(), TextVerdict::No), 0);
    // Another UIDVALIDITY (the mailbox renamed): the watermark does not apply, and every copy
    // is looked up by its blob, with the same answers.
    plan = candidates(*index_, boxes_[0], boxes_[0].messages, program, 1);
    ASSERT_TRUE(plan);
    EXPECT_EQ(std::count(plan->verdicts.begin(), plan->verdicts.end(), TextVerdict::Full),
              too_long);
    EXPECT_EQ(matches(boxes_[0], plan, program), matches(boxes_[0], std::nullopt, program));
}

TEST(ExtractSearchText, IsWhatTheEvaluatorSearches)
{
    const std::string raw =
        "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 au lait\r\n";
    const SearchText text = extract_search_text(raw);
    MessageContent content(raw);
    EXPECT_EQ(text.header, content.folded_header());
    EXPECT_EQ(text.body, content.folded_body());
    EXPECT_NE(text.body.find(fold_unicode_casemap("café", 100).text), std::string::npos);
    EXPECT_NE(text.header.find(fold_unicode_casemap("grüße", 100).text), std::string::npos);
}

}  // namespace
}  // namespace harbor::imap
