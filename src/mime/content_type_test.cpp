// Content-Type (RFC 2045 §5, §5.2 default), Content-Disposition (RFC 2183), CTE (RFC 2045 §6).
#include "mime/content_type.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::mime {
namespace {

struct TypeCase {
    const char* input;
    const char* type;
    const char* subtype;
    const char* charset;  // nullptr: no charset parameter
    const char* boundary;
    bool malformed;
};

class ContentTypeTest : public testing::TestWithParam<TypeCase> {};

TEST_P(ContentTypeTest, Parses)
{
    const TypeCase& c = GetParam();
    const ContentType parsed = parse_content_type(c.input);
    EXPECT_EQ(parsed.type, c.type) << c.input;
    EXPECT_EQ(parsed.subtype, c.subtype) << c.input;
    EXPECT_EQ(parsed.malformed, c.malformed) << c.input;
    const MimeParameter* charset = find_parameter(parsed.parameters, "charset");
    if (c.charset == nullptr) {
        EXPECT_EQ(charset, nullptr) << c.input;
    } else {
        ASSERT_NE(charset, nullptr) << c.input;
        EXPECT_EQ(charset->value, c.charset) << c.input;
    }
    EXPECT_EQ(parsed.boundary(), c.boundary) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc2045, ContentTypeTest,
    testing::Values(
        TypeCase{" text/plain; charset=\"UTF-8\"", "text", "plain", "UTF-8", "", false},
        TypeCase{" TEXT/HTML", "text", "html", nullptr, "", false},
        TypeCase{" multipart/mixed;\r\n boundary=\"simple boundary\"", "multipart", "mixed",
                 nullptr, "simple boundary", false},
        TypeCase{" (comment) text / plain (x) ; charset=iso-8859-1", "text", "plain",
                 "iso-8859-1", "", false},
        TypeCase{" multipart/alternative; boundary=b1; BOUNDARY=b2", "multipart", "alternative",
                 nullptr, "b1", false},
        // §5.2: an unusable value means text/plain; charset=us-ascii.
        TypeCase{" text", "text", "plain", "us-ascii", "", true},
        TypeCase{"", "text", "plain", "us-ascii", "", true},
        TypeCase{" /plain", "text", "plain", "us-ascii", "", true},
        TypeCase{" \"text/plain\"", "text", "plain", "us-ascii", "", true},
        TypeCase{" application/pdf; name*0=a; name*1=b.pdf", "application", "pdf", nullptr, "",
                 false}));

TEST(ContentType, DefaultsAndKinds)
{
    const ContentType plain = default_content_type();
    EXPECT_TRUE(plain.defaulted);
    EXPECT_EQ(find_parameter(plain.parameters, "charset")->value, "us-ascii");
    const ContentType digest = default_content_type(DefaultType::MessageRfc822);
    EXPECT_TRUE(digest.is_encapsulated_message());
    EXPECT_TRUE(parse_content_type("message/global").is_encapsulated_message());
    EXPECT_FALSE(parse_content_type("message/partial").is_encapsulated_message());
    EXPECT_TRUE(parse_content_type("Multipart/Mixed; boundary=x").is_multipart());
    const ContentType bad = parse_content_type("junk", DefaultType::MessageRfc822);
    EXPECT_TRUE(bad.malformed);
    EXPECT_EQ(bad.subtype, "rfc822");
}

TEST(ContentDisposition, Parses)
{
    const ContentDisposition d = parse_content_disposition(
        " Attachment;\r\n filename=\"a b.txt\"; size=10");
    EXPECT_EQ(d.type, "attachment");
    EXPECT_FALSE(d.malformed);
    ASSERT_NE(find_parameter(d.parameters, "filename"), nullptr);
    EXPECT_EQ(find_parameter(d.parameters, "filename")->value, "a b.txt");
    EXPECT_TRUE(parse_content_disposition(" ; filename=x").malformed);
    EXPECT_EQ(parse_content_disposition(" inline").type, "inline");
}

TEST(TransferEncoding, Parses)
{
    EXPECT_EQ(parse_transfer_encoding(" BASE64"), TransferEncoding::Base64);
    EXPECT_EQ(parse_transfer_encoding(" quoted-printable (c)"),
              TransferEncoding::QuotedPrintable);
    EXPECT_EQ(parse_transfer_encoding("8bit"), TransferEncoding::EightBit);
    EXPECT_EQ(parse_transfer_encoding(" binary"), TransferEncoding::Binary);
    EXPECT_EQ(parse_transfer_encoding(""), TransferEncoding::SevenBit);
    EXPECT_EQ(parse_transfer_encoding(" x-uuencode"), TransferEncoding::Unknown);
    EXPECT_EQ(transfer_encoding_name(TransferEncoding::Base64), "base64");
}

}  // namespace
}  // namespace harbor::mime
