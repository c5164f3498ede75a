// Header block splitting and unfolding: RFC 5322 §2.2, §2.2.3, §4.5 obsolete syntax, limits.
#include "mime/header.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::mime {
namespace {

struct FieldCase {
    const char* label;
    std::string input;
    std::vector<std::pair<std::string, std::string>> fields;  // name, raw value
    std::size_t length;                                       // header block bytes
    bool skipped;
    bool missing_separator;
};

class HeaderBlockTest : public testing::TestWithParam<FieldCase> {};

TEST_P(HeaderBlockTest, Splits)
{
    const FieldCase& c = GetParam();
    const HeaderBlock block = parse_header_block(c.input, 0, Limits{});
    ASSERT_EQ(block.fields.size(), c.fields.size()) << c.label;
    for (std::size_t i = 0; i < c.fields.size(); ++i) {
        EXPECT_EQ(block.fields[i].name, c.fields[i].first) << c.label;
        EXPECT_EQ(block.fields[i].value, c.fields[i].second) << c.label;
        const std::string_view whole = std::string_view(c.input).substr(
            block.fields[i].offset, block.fields[i].length);
        EXPECT_EQ(whole.substr(0, block.fields[i].name.size()), c.fields[i].first) << c.label;
    }
    EXPECT_EQ(block.length, c.length) << c.label;
    EXPECT_EQ(block.skipped_lines, c.skipped) << c.label;
    EXPECT_EQ(block.missing_separator, c.missing_separator) << c.label;
    EXPECT_EQ(block.truncated, Limit::None) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc5322, HeaderBlockTest,
    testing::Values(
        FieldCase{"crlf", "From: a\r\nTo: b\r\n\r\nbody", {{"From", " a"}, {"To", " b"}}, 18,
                  false, false},
        FieldCase{"bare lf", "From: a\nTo: b\n\nbody", {{"From", " a"}, {"To", " b"}}, 15, false,
                  false},
        FieldCase{"folded (§2.2.3)", "Subject: a\r\n b\r\n\tc\r\n\r\n",
                  {{"Subject", " a\r\n b\r\n\tc"}}, 22, false, false},
        FieldCase{"wsp before colon (§4.5)", "Subject : x\r\n\r\n", {{"Subject", " x"}}, 15,
                  false, false},
        FieldCase{"line without colon", "From: a\r\ngarbage\r\nTo: b\r\n\r\n",
                  {{"From", " a"}, {"To", " b"}}, 27, true, false},
        FieldCase{"mbox From_ line", "From x Mon Jan  1 00:00:00 2001\nA: 1\n\n", {{"A", " 1"}},
                  38, true, false},
        FieldCase{"leading continuation", " x\r\nA: 1\r\n\r\n", {{"A", " 1"}}, 12, true,
                  false},
        FieldCase{"empty header", "\r\nbody", {}, 2, false, false},
        FieldCase{"no separator", "A: 1\r\nB: 2", {{"A", " 1"}, {"B", " 2"}}, 10, false, true},
        FieldCase{"empty value", "A:\r\n\r\n", {{"A", ""}}, 6, false, false},
        FieldCase{"utf-8 value (RFC 6532)", "Subject: \xc3\xa9t\xc3\xa9\n\n",
                  {{"Subject", " \xc3\xa9t\xc3\xa9"}}, 16, false, false}));

TEST(HeaderBlock, OffsetsAreAbsolute)
{
    const std::string input = "A: 1\r\nB: 2\r\n\r\n";
    const HeaderBlock block = parse_header_block(input, 100, Limits{});
    ASSERT_EQ(block.fields.size(), 2u);
    EXPECT_EQ(block.fields[0].offset, 100u);
    EXPECT_EQ(block.fields[0].length, 6u);
    EXPECT_EQ(block.fields[1].offset, 106u);
}

TEST(HeaderBlock, FieldLimitTruncates)
{
    std::string input;
    for (int i = 0; i < 20; ++i) {
        input += "X-A: 1\r\n folded\r\n";
    }
    input += "\r\nbody";
    Limits limits;
    limits.max_header_fields = 5;
    const HeaderBlock block = parse_header_block(input, 0, limits);
    EXPECT_EQ(block.fields.size(), 5u);
    EXPECT_EQ(block.truncated, Limit::HeaderFields);
    EXPECT_FALSE(block.skipped_lines);
    EXPECT_EQ(block.length, input.size() - 4);  // the body is still found
    EXPECT_EQ(block.fields[4].value, " 1\r\n folded");
    EXPECT_EQ(limit_name(block.truncated), "max_header_fields");
}

TEST(HeaderBlock, LineAndByteLimits)
{
    Limits limits;
    limits.max_line_length = 10;
    const std::string input = "A: 1\r\nB: 0123456789\r\n\r\n";
    HeaderBlock block = parse_header_block(input, 0, limits);
    ASSERT_EQ(block.fields.size(), 1u);
    EXPECT_EQ(block.truncated, Limit::LineLength);
    EXPECT_EQ(block.length, input.size());

    limits = Limits{};
    limits.max_header_bytes = 8;
    block = parse_header_block(input, 0, limits);
    ASSERT_EQ(block.fields.size(), 1u);
    EXPECT_EQ(block.truncated, Limit::HeaderBytes);
    EXPECT_EQ(block.length, input.size());
}

TEST(Unfold, RemovesOnlyLineBreaksBeforeWsp)
{
    EXPECT_EQ(unfold(" a\r\n b\r\n\tc"), " a b\tc");
    EXPECT_EQ(unfold(" a\n b"), " a b");
    EXPECT_EQ(unfold("a\r\nb"), "a\r\nb");  // not a fold: left alone
    EXPECT_EQ(unfold(""), "");
}

TEST(FindField, CaseInsensitive)
{
    const std::string input = "content-TYPE: text/html\r\n\r\n";
    const HeaderBlock block = parse_header_block(input, 0, Limits{});
    const HeaderField* field = find_field(block.fields, "Content-Type");
    ASSERT_NE(field, nullptr);
    EXPECT_EQ(field->value, " text/html");
    EXPECT_EQ(find_field(block.fields, "To"), nullptr);
}

}  // namespace
}  // namespace harbor::mime
