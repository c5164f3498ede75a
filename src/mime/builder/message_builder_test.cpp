// Unit tests for mime/builder/message_builder: the Content-Transfer-Encoding choice (RFC 2045
// §6), boundaries (RFC 2046 §5.1.1), MIME-Version only at the top (RFC 2045 §4), message/rfc822
// children (RFC 2046 §5.2.1) and CRLF lines of at most 998 octets (RFC 5322 §2.1.1).
#include "mime/builder/message_builder.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mime/body.hpp"
#include "mime/builder/builder_test_support.hpp"
#include "mime/message.hpp"

namespace harbor::mime {
namespace {

struct EncodingCase {
    const char* name;
    std::string content_type;
    std::string body;
    BodyPosition position;
    std::string_view want;
};

TEST(ChooseTransferEncoding, Table)
{
    const std::string long_line(999, 'a');
    const std::vector<EncodingCase> cases = {
        {"ascii lines", "text/plain", "hello\r\nworld\r\n", BodyPosition::EndOfMessage, "7bit"},
        {"empty", "text/plain", "", BodyPosition::EndOfMessage, "7bit"},
        {"no final CRLF inside multipart", "text/plain", "abc", BodyPosition::InsideMultipart,
         "7bit"},
        // At the end of the message a final CRLF would become content: QP keeps it exact.
        {"no final CRLF at the end", "text/plain", "abc", BodyPosition::EndOfMessage,
         "quoted-printable"},
        {"line of 999", "text/plain", long_line + "\r\n", BodyPosition::EndOfMessage,
         "quoted-printable"},
        {"line of 998", "text/plain", long_line.substr(1) + "\r\n", BodyPosition::EndOfMessage,
         "7bit"},
        {"bare LF", "text/plain", "a\nb\r\n", BodyPosition::EndOfMessage, "quoted-printable"},
        {"NUL", "text/plain", std::string("a\0b\r\n", 5), BodyPosition::EndOfMessage,
         "quoted-printable"},
        {"mostly ascii utf-8", "text/plain", "caf\xc3\xa9 au lait\r\n", BodyPosition::EndOfMessage,
         "quoted-printable"},
        {"cjk text", "text/plain", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\r\n",
         BodyPosition::EndOfMessage, "base64"},
        {"binary", "application/octet-stream", "\x89PNG\r\n\x1a\n", BodyPosition::EndOfMessage,
         "base64"},
        {"ascii attachment", "application/json", "{}\r\n", BodyPosition::EndOfMessage, "7bit"},
    };
    for (const EncodingCase& c : cases) {
        EXPECT_EQ(choose_transfer_encoding(c.content_type, c.body, c.position), c.want) << c.name;
    }
}

TEST(Boundary, NeverInContent)
{
    EXPECT_TRUE(boundary_occurs("x\r\n--abc\r\n", "abc"));
    EXPECT_TRUE(boundary_occurs("--abcdef", "abc"));  // a prefix of a line is enough to clash
    EXPECT_FALSE(boundary_occurs("abc -abc", "abc"));
    for (int i = 0; i < 50; ++i) {
        const std::string content = "--=_harbor_ and =_harbor_ text";
        const std::string boundary = new_boundary({content});
        EXPECT_FALSE(boundary_occurs(content, boundary));
        EXPECT_LE(boundary.size(), 70u);  // RFC 2046 §5.1.1
    }
}

TEST(BuildMessage, SinglePart)
{
    BuildPart part;
    part.headers.push_back(unstructured_field("Subject", "Hi"));
    part.headers.push_back(plain_field("Content-Type", "image/gif"));  // dropped: ours wins
    part.content_type_parameters = {{"charset", "utf-8"}};
    part.body = "Hello\r\n";
    EXPECT_EQ(build_message(part),
              "Subject: Hi\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: 7bit\r\n"
              "\r\n"
              "Hello\r\n");
}

TEST(BuildMessage, ExplicitEncodingsAreCheckedAndKept)
{
    BuildPart part;
    part.body = "caf\xc3\xa9\r\n";
    part.encoding = BodyEncoding::SevenBit;  // not 7bit data: Auto decides
    EXPECT_NE(build_message(part).find("quoted-printable"), std::string::npos);
    part.encoding = BodyEncoding::EightBit;
    EXPECT_NE(build_message(part).find("Content-Transfer-Encoding: 8bit"), std::string::npos);
    part.encoding = BodyEncoding::Base64;
    const std::string message = build_message(part);
    EXPECT_NE(message.find("Content-Transfer-Encoding: base64"), std::string::npos);
    const Message parsed = parse_message(message);
    EXPECT_EQ(decode_body(message, parsed.root).bytes, part.body);
}

TEST(BuildMessage, MultipartTree)
{
    BuildPart root;
    root.content_type = "multipart/mixed";
    root.headers.push_back(unstructured_field("Subject", "tree"));
    BuildPart alternative;
    alternative.content_type = "multipart/alternative";
    BuildPart plain;
    plain.content_type_parameters = {{"charset", "utf-8"}};
    plain.body = "--=_harbor_looks-like-a-boundary\r\nplain\r\n";
    BuildPart html;
    html.content_type = "text/html";
    html.body = "<p>x</p>";
    alternative.children = {plain, html};
    BuildPart attachment;
    attachment.content_type = "application/pdf";
    attachment.disposition = "attachment";
    attachment.disposition_parameters = {{"filename", "report.pdf"}};
    attachment.body = std::string("%PDF\x00\xff", 6);
    BuildPart inner;
    inner.headers.push_back(unstructured_field("Subject", "inner"));
    inner.body = "inner body\r\n";
    BuildPart forwarded;
    forwarded.content_type = "message/rfc822";
    forwarded.children = {inner};
    root.children = {alternative, attachment, forwarded};

    const std::string message = build_message(root);
    EXPECT_TRUE(test::lines_ok(message));
    const Message parsed = parse_message(message);
    ASSERT_EQ(parsed.root.children.size(), 3u);
    const Part& alt = parsed.root.children[0];
    ASSERT_EQ(alt.children.size(), 2u);
    EXPECT_EQ(decode_body(message, alt.children[0]).bytes, plain.body);
    EXPECT_EQ(decode_body(message, alt.children[1]).bytes, html.body);
    EXPECT_EQ(decode_body(message, parsed.root.children[1]).bytes, attachment.body);
    EXPECT_EQ(parsed.root.children[1].disposition.type, "attachment");
    const Part& encapsulated = parsed.root.children[2];
    ASSERT_EQ(encapsulated.children.size(), 1u);
    EXPECT_EQ(body_bytes(message, encapsulated.children[0]), "inner body\r\n");
    // MIME-Version once at the top and once in the encapsulated message, nowhere else.
    std::size_t count = 0;
    for (std::size_t at = message.find("MIME-Version"); at != std::string::npos;
         at = message.find("MIME-Version", at + 1)) {
        ++count;
    }
    EXPECT_EQ(count, 2u);
    EXPECT_EQ(find_field(alt.children[0].fields, "MIME-Version"), nullptr);
}

TEST(BuildMessage, EightBitChildMarksTheMultipart)
{
    BuildPart root;
    root.content_type = "multipart/mixed";
    BuildPart forwarded;
    forwarded.content_type = "message/rfc822";
    forwarded.body = "Subject: x\r\n\r\ncaf\xc3\xa9\r\n";
    root.children = {forwarded};
    const std::string message = build_message(root);
    const Message parsed = parse_message(message);
    EXPECT_EQ(parsed.root.transfer_encoding, TransferEncoding::EightBit);  // RFC 2045 §6.4
    ASSERT_EQ(parsed.root.children.size(), 1u);
    EXPECT_EQ(parsed.root.children[0].transfer_encoding, TransferEncoding::EightBit);
}

TEST(BuildMessage, TopLevelBodyKeepsItsBytes)
{
    for (const std::string body : {"abc", "abc\r\n", "a\rb", "x\n", ""}) {
        BuildPart part;
        part.body = body;
        const std::string message = build_message(part);
        EXPECT_TRUE(test::lines_ok(message)) << body;
        EXPECT_EQ(decode_body(message, parse_message(message).root).bytes, body) << body;
    }
}

}  // namespace
}  // namespace harbor::mime
