// BODY[] and RFC822 are answered from the stored bytes without parsing (fetch_data.cpp): over
// every message of the shared MIME corpora, whole and in partial ranges, the answer is the
// literal of what resolve_section() gives for the empty section of the parsed message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "imap/fetch/imap_string.hpp"
#include "imap/fetch/section.hpp"
#include "imap/search/test_corpus.hpp"
#include "imap/server/fetch_data.hpp"
#include "mime/message.hpp"

namespace harbor::imap::server {
namespace {

MessageDataItem whole(std::string name, bool partial = false, std::uint64_t origin = 0,
                      std::uint64_t count = 0)
{
    MessageDataItem out;
    out.kind = MessageDataItem::Kind::Section;
    out.response_name = std::move(name);
    out.partial = partial;
    out.origin = origin;
    out.count = count;
    return out;
}

TEST(FetchData, WholeMessageIsTheEmptySectionOverTheCorpora)
{
    const std::vector<std::string> corpus = mime_corpus_messages();
    ASSERT_GT(corpus.size(), 50u);
    const std::vector<MessageDataItem> items = {
        whole("RFC822"),
        whole("BODY[]"),
        whole("BODY[]<0>", true, 0, 100),
        whole("BODY[]<7>", true, 7, 1'000'000),
        whole("BODY[]<4000000000>", true, 4'000'000'000u, 10),
    };
    std::size_t compared = 0;
    for (const std::string& raw : corpus) {
        const mime::Message message = mime::parse_message(raw, mime::Limits{});
        Result<Section> empty = parse_section("");
        ASSERT_TRUE(empty);
        Result<SectionBytes> section = resolve_section(raw, message, *empty);
        ASSERT_TRUE(section);
        Result<std::vector<std::string>> got = format_message_data(raw, items, mime::Limits{});
        ASSERT_TRUE(got);
        ASSERT_EQ(got->size(), items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            std::string_view bytes = section->bytes();
            if (items[i].partial) {
                bytes = apply_partial(bytes, Partial{items[i].origin, items[i].count});
            }
            std::string expected = " " + items[i].response_name + " ";
            append_string(expected, bytes);
            EXPECT_EQ((*got)[i], expected) << items[i].response_name;
            ++compared;
        }
    }
    EXPECT_EQ(compared, corpus.size() * items.size());
}

// Structure and whole-message items in one request share one parse and keep their order.
TEST(FetchData, WholeMessageBesideStructureItems)
{
    const std::string raw =
        "From: a@example.org\r\nSubject: mixed\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
    MessageDataItem structure;
    structure.kind = MessageDataItem::Kind::BodyStructure;
    structure.response_name = "BODYSTRUCTURE";
    const std::vector<MessageDataItem> items = {whole("BODY[]"), structure, whole("RFC822")};
    Result<std::vector<std::string>> got = format_message_data(raw, items, mime::Limits{});
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 3u);
    std::string literal;
    append_string(literal, raw);
    EXPECT_EQ((*got)[0], " BODY[] " + literal);
    EXPECT_EQ((*got)[1],
              " BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
              "\"7bit\" 6 1 NIL NIL NIL NIL)");
    EXPECT_EQ((*got)[2], " RFC822 " + literal);
}

}  // namespace
}  // namespace harbor::imap::server
