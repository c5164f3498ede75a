// Part tree: RFC 2046 §5.1.1 multipart (the example, delimiters, prefix traps, missing close
// delimiters), §5.1.5 digest, §5.2.1 message/rfc822, LF-only input, limits.
#include "mime/message.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mime/message_test_support.hpp"

#include "core/line_ends.hpp"

namespace harbor::mime {
namespace {

std::string to_lf(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
            out += text[i];
        }
    }
    return out;
}

// type/subtype[children] for containers, type/subtype(body)lines for leaves.
std::string shape(std::string_view raw, const Part& part)
{
    std::string out = part.content_type.type + "/" + part.content_type.subtype;
    if (!part.children.empty()) {
        out += "[";
        for (std::size_t i = 0; i < part.children.size(); ++i) {
            out += (i == 0 ? "" : ",") + shape(raw, part.children[i]);
        }
        return out + "]";
    }
    return out + "(" + to_lf(body_bytes(raw, part)) + ")" + std::to_string(part.body_lines);
}

struct TreeCase {
    const char* label;
    const char* input;  // written with LF; each case also runs with CRLF
    const char* shape;
};

class MessageTreeTest : public testing::TestWithParam<TreeCase> {};

TEST_P(MessageTreeTest, LfAndCrlf)
{
    const TreeCase& c = GetParam();
    for (const std::string& raw : {std::string(c.input), to_crlf(c.input)}) {
        const Message message = parse_message(raw);
        EXPECT_EQ(shape(raw, message.root), c.shape) << c.label;
        EXPECT_EQ(message.truncated, Limit::None) << c.label;
        test::check_message(raw, message, Limits{}, c.label);
    }
}

constexpr const char* rfc2046_example =
    "From: Nathaniel Borenstein <nsb@bellcore.com>\n"
    "To: Ned Freed <ned@innosoft.com>\n"
    "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\n"
    "Subject: Sample message\n"
    "MIME-Version: 1.0\n"
    "Content-type: multipart/mixed; boundary=\"simple boundary\"\n"
    "\n"
    "This is the preamble.  It is to be ignored, though it\n"
    "is a handy place for composition agents to include an\n"
    "explanatory note to non-MIME conformant readers.\n"
    "\n"
    "--simple boundary\n"
    "\n"
    "This is implicitly typed plain US-ASCII text.\n"
    "It does NOT end with a linebreak.\n"
    "--simple boundary\n"
    "Content-type: text/plain; charset=us-ascii\n"
    "\n"
    "This is explicitly typed plain US-ASCII text.\n"
    "It DOES end with a linebreak.\n"
    "\n"
    "--simple boundary--\n"
    "\n"
    "This is the epilogue.  It is also to be ignored.\n";

INSTANTIATE_TEST_SUITE_P(
    Rfc2046, MessageTreeTest,
    testing::Values(
        TreeCase{"rfc2046 §5.1.1 example", rfc2046_example,
                 "multipart/mixed[text/plain(This is implicitly typed plain US-ASCII text.\n"
                 "It does NOT end with a linebreak.)2,"
                 "text/plain(This is explicitly typed plain US-ASCII text.\n"
                 "It DOES end with a linebreak.\n)2]"},
        TreeCase{"plain message", "Subject: hi\n\nhello\nworld\n", "text/plain(hello\nworld\n)2"},
        TreeCase{"empty input", "", "text/plain()0"},
        TreeCase{"header only", "Subject: hi\n", "text/plain()0"},
        TreeCase{"outer boundary is a prefix of the inner one",
                 "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                 "Content-Type: multipart/alternative; boundary=b1\n\n--b1\n"
                 "Content-Type: text/plain\n\none\n--b1\nContent-Type: text/html\n\n"
                 "<p>two</p>\n--b1--\n--b\nContent-Type: text/plain\n\nthree\n--b--\n",
                 "multipart/mixed[multipart/alternative[text/plain(one)1,"
                 "text/html(<p>two</p>)1],text/plain(three)1]"},
        TreeCase{"inner boundary is a prefix of the outer one",
                 "Content-Type: multipart/mixed; boundary=b1\n\n--b1\n"
                 "Content-Type: multipart/alternative; boundary=b\n\n--b\n\none\n--b--\n"
                 "--b1\n\ntwo\n--b1--\n",
                 "multipart/mixed[multipart/alternative[text/plain(one)1],text/plain(two)1]"},
        TreeCase{"missing close delimiter runs to the end",
                 "Content-Type: multipart/mixed; boundary=x\n\n--x\n\na\n--x\n\nb\n",
                 "multipart/mixed[text/plain(a)1,text/plain(b\n)1]"},
        TreeCase{"inner close missing: the outer delimiter ends it",
                 "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
                 "Content-Type: multipart/mixed; boundary=i\n\n--i\n\nx\n--o\n\ny\n--o--\n",
                 "multipart/mixed[multipart/mixed[text/plain(x)1],text/plain(y)1]"},
        TreeCase{"no delimiter at all", "Content-Type: multipart/mixed; boundary=q\n\nabc\n",
                 "multipart/mixed(abc\n)1"},
        TreeCase{"no boundary parameter", "Content-Type: multipart/mixed\n\nabc\n",
                 "multipart/mixed(abc\n)1"},
        TreeCase{"transport padding after delimiters",
                 "Content-Type: multipart/mixed; boundary=w\n\n--w  \t\n\na\n--w-- \n",
                 "multipart/mixed[text/plain(a)1]"},
        TreeCase{"lines that only start like a delimiter",
                 "Content-Type: multipart/mixed; boundary=w\n\n--w\n\n--wx\n --w\n--w-x\n--w--\n",
                 "multipart/mixed[text/plain(--wx\n --w\n--w-x)3]"},
        TreeCase{"empty part", "Content-Type: multipart/mixed; boundary=e\n\n--e\n--e--\n",
                 "multipart/mixed[text/plain()0]"},
        TreeCase{"close delimiter at the end without a line end",
                 "Content-Type: multipart/mixed; boundary=q\n\n--q\n\nA\n--q--",
                 "multipart/mixed[text/plain(A)1]"},
        TreeCase{"message/rfc822 parsed recursively",
                 "Content-Type: message/rfc822\n\nSubject: inner\n"
                 "Content-Type: multipart/mixed; boundary=z\n\n--z\n\nhi\n--z--\n",
                 "message/rfc822[multipart/mixed[text/plain(hi)1]]"},
        TreeCase{"message/global parsed recursively",
                 "Content-Type: message/global\nContent-Transfer-Encoding: 8bit\n\n"
                 "Subject: \xc3\xa9\n\nbody\n",
                 "message/global[text/plain(body\n)1]"},
        TreeCase{"base64 message/rfc822 stays a leaf (RFC 2045 §6.4)",
                 "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
                 "U3ViamVjdDogeA==\n",
                 "message/rfc822(U3ViamVjdDogeA==\n)1"},
        TreeCase{"digest parts default to message/rfc822 (§5.1.5)",
                 "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\n1\n--d--\n",
                 "multipart/digest[message/rfc822[text/plain(1)1]]"}));

TEST(Message, OffsetsExactInBothLineEnds)
{
    for (const std::string& raw : {std::string(rfc2046_example), to_crlf(rfc2046_example)}) {
        const Message message = parse_message(raw);
        ASSERT_EQ(message.root.children.size(), 2u);
        const Part& second = message.root.children[1];
        EXPECT_EQ(to_lf(header_bytes(raw, second)),
                  "Content-type: text/plain; charset=us-ascii\n\n");
        EXPECT_TRUE(to_lf(raw.substr(0, second.header_offset)).ends_with("--simple boundary\n"));
        EXPECT_EQ(message.root.content_type.boundary(), "simple boundary");
        EXPECT_EQ(message.root.fields.size(), 6u);
        EXPECT_FALSE(message.root.missing_close_delimiter);
        EXPECT_EQ(message.part_count, 3u);
    }
}

TEST(Message, Flags)
{
    Message m = parse_message("Content-Type: multipart/mixed; boundary=x\n\n--x\n\na\n");
    EXPECT_TRUE(m.root.missing_close_delimiter);
    m = parse_message("Content-Type: multipart/mixed\n\nabc\n");
    EXPECT_TRUE(m.root.missing_boundary);
    m = parse_message("Content-Type: multipart/mixed; boundary=x\n\npreamble\n--x--\n");
    EXPECT_TRUE(m.root.missing_boundary);  // only the close delimiter: no body part
    EXPECT_TRUE(m.root.children.empty());
    EXPECT_FALSE(m.root.missing_close_delimiter);
    m = parse_message("\xef\xbb\xbf" "From: a@example.com\nSubject: x\n\nbody");
    EXPECT_TRUE(m.leading_bom);
    EXPECT_EQ(m.root.header_offset, 3u);
    ASSERT_EQ(m.root.fields.size(), 2u);
    EXPECT_EQ(m.root.fields[0].name, "From");
    m = parse_message("bogus line\nSubject: x\n\nbody");
    EXPECT_TRUE(m.root.skipped_header_lines);
    ASSERT_EQ(m.root.fields.size(), 1u);
    m = parse_message("Content-Type: text/html\nContent-Transfer-Encoding: base64\n"
                      "Content-Disposition: attachment; filename=a.html\n\nPGI+");
    EXPECT_EQ(m.root.transfer_encoding, TransferEncoding::Base64);
    EXPECT_EQ(m.root.disposition.type, "attachment");
    EXPECT_EQ(m.root.content_type.subtype, "html");
}

std::string nested_multiparts(int levels)
{
    std::string raw;
    for (int i = 0; i < levels; ++i) {
        raw += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
               std::to_string(i) + "\n";
    }
    return raw + "\nleaf\n";
}

TEST(MessageLimits, DepthTruncates)
{
    const std::string raw = nested_multiparts(150);
    const Message message = parse_message(raw);
    EXPECT_EQ(message.truncated, Limit::Depth);
    EXPECT_EQ(limit_name(message.truncated), "max_depth");
    EXPECT_EQ(message.max_depth_seen, default_max_depth);
    test::check_message(raw, message, Limits{}, "depth");
    const Message shallow = parse_message(nested_multiparts(50));
    EXPECT_EQ(shallow.truncated, Limit::None);
    EXPECT_EQ(shallow.max_depth_seen, 50u);
}

TEST(MessageLimits, EncapsulationDepthTruncates)
{
    std::string raw;
    for (int i = 0; i < 5000; ++i) {
        raw += "Content-Type: message/rfc822\n\n";
    }
    const Message message = parse_message(raw);
    EXPECT_EQ(message.truncated, Limit::Depth);
    test::check_message(raw, message, Limits{}, "rfc822 depth");
}

TEST(MessageLimits, PartsTruncate)
{
    std::string raw = "Content-Type: multipart/mixed; boundary=p\n\n";
    for (int i = 0; i < 20000; ++i) {
        raw += "--p\n\nx\n";
    }
    const Message message = parse_message(raw);
    EXPECT_EQ(message.truncated, Limit::Parts);
    EXPECT_EQ(message.part_count, default_max_parts);
    test::check_message(raw, message, Limits{}, "parts");
}

TEST(MessageLimits, TotalHeaderFieldsTruncate)
{
    std::string raw = "Content-Type: multipart/mixed; boundary=p\n\n";
    for (int i = 0; i < 10; ++i) {
        raw += "--p\nA: 1\nB: 2\nC: 3\n\nx\n";
    }
    Limits limits;
    limits.max_total_header_fields = 12;
    const Message message = parse_message(raw, limits);
    EXPECT_EQ(message.truncated, Limit::TotalHeaderFields);
    EXPECT_EQ(message.root.children.size(), 10u);  // the tree is whole, fields are dropped
    test::check_message(raw, message, limits, "total fields");
}

}  // namespace
// parse_root_header() is the root's header of parse_message(), for a BOM, a field limit and
// total-field limit alike, without the body.
TEST(ParseRootHeader, IsTheRootHeaderOfTheFullParse)
{
    Limits tight;
    tight.max_header_fields = 5;
    tight.max_total_header_fields = 3;
    const std::string many = "A: 1\nB: 2\nC: 3\nD: 4\n\nbody";
    const std::string with_bom = "\xef\xbb\xbf" "From: a@example.com\nSubject: x\n\nbody";
    for (const std::string& raw : {with_bom, many, std::string("no separator at all")}) {
        for (const Limits& limits : {Limits{}, tight}) {
            const Message full = parse_message(raw, limits);
            const HeaderBlock root = parse_root_header(raw, limits);
            EXPECT_EQ(root.length, full.root.header_length) << raw;
            ASSERT_EQ(root.fields.size(), full.root.fields.size()) << raw;
            for (std::size_t i = 0; i < root.fields.size(); ++i) {
                EXPECT_EQ(root.fields[i].name, full.root.fields[i].name);
                EXPECT_EQ(root.fields[i].value, full.root.fields[i].value);
                EXPECT_EQ(root.fields[i].offset, full.root.fields[i].offset);
            }
        }
    }
    EXPECT_EQ(parse_root_header(many, tight).fields.size(), 3u);
}

}  // namespace harbor::mime
