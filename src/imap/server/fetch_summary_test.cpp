// FETCH and header SEARCH from blob summaries (imap/search/message_summary.hpp) against the
// message itself: over every message of the shared MIME corpora, alone and behind several
// prefixes, under the default limits and under small ones, what the summary answers is byte
// for byte what format_message_data() gives for the copy, and the header block it gives is
// the one SEARCH loads (ContentNeed::Header), so header keys match the same messages. Then
// end to end: the corpora stored plainly and as deliveries with a prefix, indexed by the
// background indexer, formatted through the index and without it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "imap/search/evaluate.hpp"
#include "imap/search/message_summary.hpp"
#include "imap/search/test_corpus.hpp"
#include "imap/search/text_index.hpp"
#include "imap/server/fetch_data.hpp"
#include "store/change_feed.hpp"
#include "store/test_support.hpp"
#include "store/text/text_indexer.hpp"

namespace harbor::imap::server {
namespace {

MessageDataItem item(MessageDataItem::Kind kind, std::string name, std::string section = "")
{
    MessageDataItem out;
    out.kind = kind;
    out.response_name = std::move(name);
    out.section = std::move(section);
    return out;
}

// Every item a summary answers, as session_fetch.cpp describes them.
std::vector<MessageDataItem> summary_items()
{
    using Kind = MessageDataItem::Kind;
    std::vector<MessageDataItem> items = {
        item(Kind::Envelope, "ENVELOPE"),
        item(Kind::Body, "BODY"),
        item(Kind::BodyStructure, "BODYSTRUCTURE"),
        item(Kind::Section, "RFC822.HEADER", "HEADER"),
        item(Kind::Section, "BODY[HEADER]", "HEADER"),
        item(Kind::Section, "BODY[HEADER.FIELDS (FROM SUBJECT DATE X-MAILER)]",
             "HEADER.FIELDS (FROM SUBJECT DATE X-MAILER)"),
        item(Kind::Section, "BODY[HEADER.FIELDS.NOT (RECEIVED DELIVERED-TO)]",
             "HEADER.FIELDS.NOT (RECEIVED DELIVERED-TO)"),
    };
    MessageDataItem partial = item(Kind::Section, "BODY[HEADER]<10>", "HEADER");
    partial.partial = true;
    partial.origin = 10;
    partial.count = 40;
    items.push_back(partial);
    return items;
}

const char* const prefixes[] = {
    "",
    "Delivered-To: alice@example.org\r\n",
    "Return-Path: <bounce@example.net>\r\nDelivered-To: Ünïcode.Alice@example.org\r\n",
    "Delivered-To: bare-lf@example.org\n",
    "Subject: a prefix holding an envelope field\r\n",
    "Content-Type: text/html\r\n",
    "X-Long: "
    "0123456789012345678901234567890123456789012345678901234567890123456789\r\n",
};

mime::Limits small_limits()
{
    mime::Limits limits;
    limits.max_header_fields = 12;
    limits.max_total_header_fields = 40;
    limits.max_header_bytes = 900;
    limits.max_line_length = 60;
    limits.max_depth = 3;
    limits.max_parts = 8;
    return limits;
}

// What session_search.cpp loads for a program that reads only the header.
std::string loaded_header(const std::string& raw, const mime::Limits& limits)
{
    const mime::HeaderBlock block = mime::parse_header_block(raw, 0, limits);
    return raw.substr(0, std::min(block.length, raw.size()));
}

SearchKey key(SearchKeyKind kind, std::string value, std::string header_name = "")
{
    SearchKey out;
    out.kind = kind;
    out.value = std::move(value);
    out.header_name = std::move(header_name);
    return out;
}

std::vector<SearchProgram> header_programs()
{
    std::vector<SearchKey> keys = {
        key(SearchKeyKind::From, "example"),
        key(SearchKeyKind::To, "@"),
        key(SearchKeyKind::Cc, "a"),
        key(SearchKeyKind::Bcc, "e"),
        key(SearchKeyKind::Subject, "re"),
        key(SearchKeyKind::Subject, "é"),
        key(SearchKeyKind::Header, "", "Message-ID"),
        key(SearchKeyKind::Header, "alice", "Delivered-To"),
        key(SearchKeyKind::Header, "mime", "Content-Type"),
    };
    SearchKey since = key(SearchKeyKind::SentSince, "");
    since.date = Date{2005, 6, 1};
    keys.push_back(since);
    SearchKey before = key(SearchKeyKind::SentBefore, "");
    before.date = Date{2010, 1, 1};
    keys.push_back(before);
    SearchKey on = key(SearchKeyKind::SentOn, "");
    on.date = Date{2004, 3, 1};
    keys.push_back(on);
    std::vector<SearchProgram> programs;
    for (const SearchKey& one : keys) {
        Result<SearchProgram> program = compile_search(one, "UTF-8", SearchContext{});
        EXPECT_TRUE(program);
        EXPECT_EQ(content_need(*program), ContentNeed::Header);
        programs.push_back(std::move(*program));
    }
    return programs;
}

Match evaluate_on(const SearchProgram& program, std::string bytes, const mime::Limits& limits)
{
    ContentLimits content_limits;
    content_limits.mime = limits;
    MessageContent content(std::move(bytes), content_limits);
    MessageView view;
    view.content = &content;
    return evaluate(program, view);
}

struct Hits {
    std::size_t copies = 0;
    std::size_t structure = 0;  // all items answered from the summary
    std::size_t header = 0;     // a header block for SEARCH
};

Hits check_corpus(const std::string& prefix, const mime::Limits& limits)
{
    ContentLimits content_limits;
    content_limits.mime = limits;
    const std::vector<MessageDataItem> items = summary_items();
    const std::vector<SearchProgram> programs = header_programs();
    Hits hits;
    for (const std::string& blob : mime_corpus_messages()) {
        SCOPED_TRACE("prefix \"" + prefix + "\" message " + blob.substr(0, 60));
        const std::string copy = prefix + blob;
        const store::text::BlobSummary summary = extract_search_text(blob, content_limits).summary;
        ++hits.copies;
        Result<std::vector<std::string>> expected = format_message_data(copy, items, limits);
        EXPECT_TRUE(expected);
        if (!expected) {
            continue;
        }
        if (std::optional<std::vector<std::string>> got =
                format_from_summary(summary, prefix, items, limits)) {
            ++hits.structure;
            EXPECT_EQ(*got, *expected);
        }
        // Each item alone as well: ENVELOPE may fit where the header sections do not.
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::vector<MessageDataItem> one = {items[i]};
            if (std::optional<std::vector<std::string>> got =
                    format_from_summary(summary, prefix, one, limits)) {
                EXPECT_EQ(*got, std::vector<std::string>{(*expected)[i]});
            }
        }
        const SummaryFit fit = fit_summary(summary, prefix, limits);
        if (fit.header) {
            ++hits.header;
            const std::string loaded = loaded_header(copy, limits);
            EXPECT_EQ(*fit.header, loaded);
            for (const SearchProgram& program : programs) {
                EXPECT_EQ(evaluate_on(program, *fit.header, limits),
                          evaluate_on(program, loaded, limits));
            }
        }
    }
    return hits;
}

TEST(FetchSummary, AnswersLikeTheMessageUnderDefaultLimits)
{
    for (const char* prefix : prefixes) {
        const Hits hits = check_corpus(prefix, mime::Limits{});
        ASSERT_GE(hits.copies, 150u);
        const std::string_view text = prefix;
        if (text.starts_with("Subject") || text.starts_with("Content-Type")) {
            // Conservative: a prefix with a field ENVELOPE or BODY reads is never summarized.
            EXPECT_EQ(hits.structure, 0u) << prefix;
        } else {
            // The corpora hold malformed messages on purpose, but most are summarized.
            EXPECT_GE(hits.structure * 10, hits.copies * 8) << prefix;
        }
        EXPECT_GE(hits.header * 10, hits.copies * 8) << prefix;
    }
}

TEST(FetchSummary, AnswersLikeTheMessageUnderSmallLimits)
{
    // Limits the corpora run into: summaries are refused or used, never wrong.
    for (const char* prefix : prefixes) {
        const Hits hits = check_corpus(prefix, small_limits());
        if (std::string_view(prefix).starts_with("X-Long")) {
            // Its line is longer than max_line_length: the copy's parse would differ.
            EXPECT_EQ(hits.header, 0u);
        } else {
            EXPECT_GT(hits.header, 0u) << prefix;
            EXPECT_LT(hits.header, hits.copies) << prefix;
        }
    }
}

TEST(FetchSummary, ItemsThatNeedTheMessageAreNotAnswered)
{
    const std::string blob = "Subject: x\r\n\r\nbody\r\n";
    const store::text::BlobSummary summary = extract_search_text(blob).summary;
    using Kind = MessageDataItem::Kind;
    for (const MessageDataItem& needs_body :
         {item(Kind::Section, "BODY[]", ""), item(Kind::Section, "BODY[TEXT]", "TEXT"),
          item(Kind::Section, "BODY[1.HEADER]", "1.HEADER"), item(Kind::Binary, "BINARY[1]", "1"),
          item(Kind::BinarySize, "BINARY.SIZE[1]", "1")}) {
        EXPECT_FALSE(format_from_summary(summary, "", {needs_body}, mime::Limits{}))
            << needs_body.response_name;
    }
    EXPECT_TRUE(format_from_summary(summary, "", summary_items(), mime::Limits{}));
}

// Through the store and the index, as the session's FETCH batch does it.
TEST(FetchSummary, FormatsTheSameThroughTheIndex)
{
    store::testing::TempDir dir;
    std::unique_ptr<store::Store> store = store::testing::open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    const store::Account alice = store::testing::make_alice(*store);
    std::vector<std::string> corpus = mime_corpus_messages();
    for (const std::string& raw : corpus) {
        ASSERT_TRUE(store->append(store::testing::append_request(alice.id, "INBOX", raw)));
        store::DeliverRequest request;
        request.bytes = raw;
        store::MailboxCopy copy;
        copy.account = alice.id;
        copy.mailbox = "Delivered";
        copy.prefix = "Return-Path: <b@example.net>\r\nDelivered-To: alice@example.org\r\n";
        request.copies.push_back(copy);
        Result<store::DeliverResult> delivered = store->deliver(std::move(request));
        ASSERT_TRUE(delivered && delivered->copies[0]);
    }
    Result<std::unique_ptr<store::text::TextIndex>> index = store::text::TextIndex::open(
        dir.path() / store::text::index_file_name, extraction_fingerprint({}));
    ASSERT_TRUE(index);
    {
        store::ChangeFeed changes(*store);
        store::text::TextIndexer indexer(*store, changes, **index, [](std::string_view raw) {
            return extract_search_text(raw);
        });
        indexer.wait_idle_for_test();
    }
    const std::vector<MessageDataItem> items = summary_items();
    for (const char* name : {"INBOX", "Delivered"}) {
        SCOPED_TRACE(name);
        Result<store::Mailbox> box = store->find_mailbox(alice.id, name);
        ASSERT_TRUE(box);
        Result<std::vector<store::MessageRecord>> messages = store->list_messages(box->id);
        ASSERT_TRUE(messages);
        ASSERT_EQ(messages->size(), corpus.size());
        std::vector<const store::MessageRecord*> records;
        for (const store::MessageRecord& record : *messages) {
            records.push_back(&record);
        }
        const std::vector<std::optional<store::text::BlobSummary>> summaries =
            copy_summaries(**index, records, ContentLimits{});
        const auto summarized = static_cast<std::size_t>(std::count_if(
            summaries.begin(), summaries.end(),
            [](const std::optional<store::text::BlobSummary>& s) { return s.has_value(); }));
        EXPECT_GE(summarized * 10, records.size() * 8);
        const std::vector<Result<std::vector<std::string>>> cached =
            format_messages(*store, index->get(), records, items, mime::Limits{});
        const std::vector<Result<std::vector<std::string>>> read =
            format_messages(*store, nullptr, records, items, mime::Limits{});
        ASSERT_EQ(cached.size(), records.size());
        ASSERT_EQ(read.size(), records.size());
        for (std::size_t i = 0; i < records.size(); ++i) {
            ASSERT_TRUE(cached[i] && read[i]);
            EXPECT_EQ(*cached[i], *read[i]) << "uid " << records[i]->uid;
        }
        // An index made with other limits is not trusted for this session's.
        ContentLimits other;
        other.mime.max_header_fields = 10;
        const std::vector<std::optional<store::text::BlobSummary>> refused =
            copy_summaries(**index, records, other);
        EXPECT_TRUE(std::none_of(
            refused.begin(), refused.end(),
            [](const std::optional<store::text::BlobSummary>& s) { return s.has_value(); }));
    }
}

}  // namespace
}  // namespace harbor::imap::server
