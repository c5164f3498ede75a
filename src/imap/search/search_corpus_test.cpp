// SEARCH, SORT and THREAD over the shared MIME corpora (shared/testdata/mime: stalwart
// mail-parser, python email, crymap torture test ...): every message must evaluate without
// failing, and the results must agree with what the MIME layer reads from the same headers.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "imap/protocol/test_support.hpp"
#include "imap/search/casemap.hpp"
#include "imap/search/evaluate.hpp"
#include "imap/search/test_corpus.hpp"
#include "imap/search/sort.hpp"
#include "imap/search/thread.hpp"
#include "mime/rfc2047.hpp"

namespace harbor::imap {
namespace {

class SearchCorpus : public ::testing::Test {
protected:
    static void SetUpTestSuite() { raw_ = new std::vector<std::string>(mime_corpus_messages()); }
    static void TearDownTestSuite() { delete raw_; }

    void SetUp() override
    {
        for (const std::string& raw : *raw_) {
            contents_.push_back(std::make_unique<MessageContent>(raw));
            MessageView view;
            view.sequence = static_cast<std::uint32_t>(views_.size() + 1);
            view.uid = view.sequence + 1000;
            view.internal_date = 1700000000 + view.sequence;
            view.size = raw.size();
            view.content = contents_.back().get();
            views_.push_back(view);
        }
        context_.message_count = static_cast<std::uint32_t>(views_.size());
        context_.max_uid = static_cast<std::uint32_t>(views_.size() + 1000);
    }

    SearchProgram program(const std::string& criteria)
    {
        Result<Command> command = test::parse_wire("t SEARCH " + criteria + "\r\n");
        EXPECT_TRUE(command) << criteria;
        Result<SearchProgram> compiled = compile_search(
            std::get<SearchArgs>(command->args).key, std::get<SearchArgs>(command->args).charset,
            context_);
        EXPECT_TRUE(compiled) << criteria;
        return std::move(*compiled);
    }

    static std::vector<std::string>* raw_;
    std::vector<std::unique_ptr<MessageContent>> contents_;
    std::vector<MessageView> views_;
    SearchContext context_;
};

std::vector<std::string>* SearchCorpus::raw_ = nullptr;

TEST_F(SearchCorpus, CorpusIsThere)
{
    EXPECT_GE(views_.size(), 150u);
}

TEST_F(SearchCorpus, ComplementsAndContentKeysAgree)
{
    const SearchProgram body = program("BODY the");
    const SearchProgram not_body = program("NOT BODY the");
    const SearchProgram text = program("TEXT the");
    const SearchProgram all = program("ALL");
    std::size_t body_matches = 0;
    for (const MessageView& view : views_) {
        const Match in_body = evaluate(body, view);
        ASSERT_NE(in_body, Match::NeedContent);
        EXPECT_NE(in_body, evaluate(not_body, view)) << view.sequence;
        // TEXT is header or body, so it matches whenever BODY does.
        if (in_body == Match::Yes) {
            ++body_matches;
            EXPECT_EQ(evaluate(text, view), Match::Yes) << view.sequence;
        }
        EXPECT_EQ(evaluate(all, view), Match::Yes);
    }
    EXPECT_GT(body_matches, 20u);
}

TEST_F(SearchCorpus, SubjectMatchesItsOwnDecodedText)
{
    // A piece of each decoded Subject (as the MIME layer decodes it), searched back as a
    // UTF-8 literal, finds its message through SUBJECT, HEADER SUBJECT and TEXT.
    std::size_t checked = 0;
    for (MessageView& view : views_) {
        const mime::HeaderField* field =
            mime::find_field(view.content->header_fields(), "Subject");
        if (field == nullptr) {
            continue;
        }
        const std::string decoded = mime::decode_rfc2047(field->value).utf8;
        const std::size_t start = decoded.find_first_not_of(' ');
        if (start == std::string::npos || decoded.size() - start < 4) {
            continue;
        }
        // Cut on a UTF-8 character boundary.
        std::size_t end = std::min(decoded.size(), start + 12);
        while (end < decoded.size() && (static_cast<unsigned char>(decoded[end]) & 0xC0) == 0x80) {
            ++end;
        }
        const std::string piece = decoded.substr(start, end - start);
        const std::string literal = "{" + std::to_string(piece.size()) + "+}\r\n" + piece;
        for (const std::string key : {"SUBJECT ", "HEADER Subject ", "TEXT "}) {
            const SearchProgram search = program("CHARSET UTF-8 " + key + literal);
            EXPECT_EQ(evaluate(search, view), Match::Yes) << view.sequence << " " << key << piece;
        }
        ++checked;
    }
    EXPECT_GT(checked, 100u);
}

TEST_F(SearchCorpus, HeaderFieldsAreTheRootFieldsOfTheFullParse)
{
    // header_fields() splits the header block alone when message() has not run; it must give
    // the root's fields of the full parse, field for field (BOMs, limits, obsolete syntax).
    for (const std::string& raw : *raw_) {
        MessageContent header_only(raw);
        MessageContent full(raw);
        const std::vector<mime::HeaderField>& fields = header_only.header_fields();
        const std::vector<mime::HeaderField>& root = full.message().root.fields;
        ASSERT_EQ(fields.size(), root.size()) << raw.substr(0, 80);
        for (std::size_t i = 0; i < fields.size(); ++i) {
            EXPECT_EQ(fields[i].name, root[i].name);
            EXPECT_EQ(fields[i].value, root[i].value);
            EXPECT_EQ(fields[i].offset, root[i].offset);
            EXPECT_EQ(fields[i].length, root[i].length);
        }
    }
}

TEST_F(SearchCorpus, FieldContainsAgreesWithFoldedFields)
{
    // field_contains() skips decoding and folding for plain ASCII values; over every field of
    // every corpus message, with needles cut from the folded values and a few that are in no
    // message, it must answer as contains_folded() over folded_fields() does.
    std::size_t matched = 0;
    for (const std::string& raw : *raw_) {
        MessageContent fast(raw);
        MessageContent slow(raw);
        for (const mime::HeaderField& field : slow.header_fields()) {
            const std::string name(field.name);
            const std::vector<std::string>& values = slow.folded_fields(name);
            std::vector<std::string> needles = {"", "ZZQXJ", "\xC3\xA9T\xC3\xA9", "=?"};
            for (const std::string& value : values) {
                needles.push_back(value.substr(0, 6));
                needles.push_back(value.substr(value.size() / 2, 5));
            }
            for (const std::string& needle : needles) {
                const bool first = !values.empty() && contains_folded(values.front(), needle);
                const bool any = std::any_of(values.begin(), values.end(),
                                             [&](const std::string& value) {
                                                 return contains_folded(value, needle);
                                             });
                EXPECT_EQ(fast.field_contains(name, needle, true), first) << name << " " << needle;
                EXPECT_EQ(fast.field_contains(name, needle, false), any) << name << " " << needle;
                matched += any ? 1 : 0;
            }
        }
    }
    EXPECT_GT(matched, 1000u);
}

TEST_F(SearchCorpus, SortIsAPermutationInOrder)
{
    const std::vector<SortCriterion> criteria = {{SortKey::Subject, false},
                                                 {SortKey::Date, true}};
    const std::vector<std::size_t> order = sort_messages(views_, criteria);
    ASSERT_EQ(order.size(), views_.size());
    std::vector<std::size_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        EXPECT_EQ(sorted[i], i);
    }
    // DATE alone: sent dates ascend.
    const std::vector<std::size_t> by_date = sort_messages(views_, {{{SortKey::Date, false}}});
    for (std::size_t i = 1; i < by_date.size(); ++i) {
        EXPECT_LE(sent_date(views_[by_date[i - 1]]), sent_date(views_[by_date[i]]));
    }
}

TEST_F(SearchCorpus, ThreadsHoldEveryMessageOnce)
{
    std::vector<ThreadMessage> messages;
    for (const MessageView& view : views_) {
        messages.push_back(thread_message_of(view, view.uid));
    }
    for (ThreadAlgorithm algorithm : {ThreadAlgorithm::References, ThreadAlgorithm::OrderedSubject}) {
        const ThreadTree tree = thread_messages(algorithm, messages);
        std::vector<std::uint32_t> numbers;
        for (const ThreadTree::Node& node : tree.nodes) {
            if (node.number != ThreadTree::dummy) {
                numbers.push_back(node.number);
            }
        }
        std::sort(numbers.begin(), numbers.end());
        ASSERT_EQ(numbers.size(), views_.size());
        for (std::size_t i = 0; i < numbers.size(); ++i) {
            EXPECT_EQ(numbers[i], views_[i].uid);
        }
        const std::string list = format_thread_list(tree);
        EXPECT_EQ(std::count(list.begin(), list.end(), '('),
                  std::count(list.begin(), list.end(), ')'));
    }
}

}  // namespace
}  // namespace harbor::imap
