// Section specs (RFC 9051 §6.4.5, grammar §9 section-spec), partials, and RFC 3516 BINARY.
#include <gtest/gtest.h>

#include <string>

#include "imap/fetch/section.hpp"

namespace harbor::imap {
namespace {

// RFC 9051 §6.4.5's example shape: a multipart with a text part, a message/rfc822 whose body
// is multipart, and a base64 part.
const std::string raw =
    "Subject: top\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
    "--o\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
    "--o\r\nContent-Type: message/rfc822\r\n\r\n"
    "Subject: inner\r\nFrom: a@x\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
    "--i\r\n\r\ninner one\r\n--i\r\nContent-Type: text/html\r\n\r\n<b>two</b>\r\n--i--\r\n"
    "--o\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "AGFi\r\nYw==\r\n"
    "--o\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    "caf=C3=A9=\r\n!\r\n"
    "--o\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n"
    "--o--\r\n";

std::string fetch(std::string_view section)
{
    const mime::Message message = mime::parse_message(raw);
    Result<Section> spec = parse_section(section);
    if (!spec) {
        return "parse error: " + spec.error().to_string();
    }
    Result<SectionBytes> bytes = resolve_section(raw, message, *spec);
    if (!bytes) {
        return "error: " + bytes.error().to_string();
    }
    return std::string(bytes->bytes());
}

struct SectionCase {
    const char* section;
    std::string want;
};

TEST(Section, ResolvesPartsAndTexts)
{
    const SectionCase cases[] = {
        {"", raw},
        {"HEADER", "Subject: top\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"},
        {"1", "first"},
        {"1.MIME", "Content-Type: text/plain\r\n\r\n"},
        {"2.HEADER",
         "Subject: inner\r\nFrom: a@x\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"},
        {"2.1", "inner one"},
        {"2.2", "<b>two</b>"},
        {"2.2.MIME", "Content-Type: text/html\r\n\r\n"},
        {"2.TEXT",
         "--i\r\n\r\ninner one\r\n--i\r\nContent-Type: text/html\r\n\r\n<b>two</b>\r\n"
         "--i--"},
        {"3", "AGFi\r\nYw=="},
        {"header.fields (from SUBJECT)", "Subject: top\r\n\r\n"},
        {"2.HEADER.FIELDS (\"From\" Subject)", "Subject: inner\r\nFrom: a@x\r\n\r\n"},
        {"2.HEADER.FIELDS.NOT (Content-Type)", "Subject: inner\r\nFrom: a@x\r\n\r\n"},
        {"HEADER.FIELDS (X-None)", "\r\n"},
    };
    for (const SectionCase& c : cases) {
        EXPECT_EQ(fetch(c.section), c.want) << c.section;
    }
}

TEST(Section, SinglePartMessageBodyIsPartOne)
{
    // §6.4.5: "Every message has at least one part number."
    const std::string single = "Subject: s\r\n\r\nbody\r\n";
    const mime::Message message = mime::parse_message(single);
    Result<SectionBytes> one = resolve_section(single, message, *parse_section("1"));
    ASSERT_TRUE(one);
    EXPECT_EQ(one->bytes(), "body\r\n");
    EXPECT_FALSE(resolve_section(single, message, *parse_section("2")));
}

TEST(Section, MissingPartsAreNotFound)
{
    for (const char* section : {"9", "1.1", "1.HEADER", "3.TEXT", "2.3"}) {
        EXPECT_EQ(fetch(section).substr(0, 16), "error: not-found") << section;
    }
}

TEST(Section, GrammarErrors)
{
    for (const char* section :
         {"0", "01", "1.", "1..2", "MIME", "HEADER.FIELDS", "HEADER.FIELDS ()", "TEXTX",
          "HEADER.FIELDS (a", "1.BOGUS", "HEADER.FIELDS (\"a)", "4294967296"}) {
        EXPECT_FALSE(parse_section(section)) << section;
    }
}

TEST(Section, Partial)
{
    // §6.4.5: "<0.2>" of "abcd" is "ab"; an origin past the end gives an empty string.
    EXPECT_EQ(apply_partial("abcd", {0, 2}), "ab");
    EXPECT_EQ(apply_partial("abcd", {2, 100}), "cd");
    EXPECT_EQ(apply_partial("abcd", {4, 1}), "");
    EXPECT_EQ(apply_partial("abcd", {UINT64_MAX, UINT64_MAX}), "");
}

TEST(Binary, DecodesContent)
{
    // RFC 3516 §4.2: BINARY[3] is the decoded base64, with its NUL.
    const mime::Message message = mime::parse_message(raw);
    Result<std::string> decoded = binary_section(raw, message, {3});
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, std::string("\0abc", 4));
    Result<std::uint64_t> size = binary_size(raw, message, {3});
    ASSERT_TRUE(size);
    EXPECT_EQ(*size, 4U);
    Result<std::string> qp = binary_section(raw, message, {4});
    ASSERT_TRUE(qp);
    EXPECT_EQ(*qp, "caf\xc3\xa9!");
    Result<std::string> whole = binary_section(raw, message, {});
    ASSERT_TRUE(whole);
    EXPECT_EQ(*whole, raw);
}

TEST(Binary, UnknownEncodingAndMissingPart)
{
    // RFC 3516 §4.3 [UNKNOWN-CTE]
    const mime::Message message = mime::parse_message(raw);
    Result<std::string> unknown = binary_section(raw, message, {5});
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, Errc::Unsupported);
    Result<std::uint64_t> size = binary_size(raw, message, {7});
    ASSERT_FALSE(size);
    EXPECT_EQ(size.error().code, Errc::NotFound);
}

TEST(Binary, TooLargeIsALimit)
{
    const mime::Message message = mime::parse_message(raw);
    Result<std::string> decoded = binary_section(raw, message, {3}, mime::BodyLimits{4, 4});
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, Errc::Limit);
}

Result<SectionBytes> fetch_from(std::string_view message_raw, const mime::Message& message,
                                std::string_view section)
{
    Result<Section> spec = parse_section(section);
    EXPECT_TRUE(spec) << section;
    return spec ? resolve_section(message_raw, message, *spec) : unexpected(spec.error());
}

TEST(Section, MultipartWithoutDelimiterServesItsBodyAsPart1)
{
    // BODYSTRUCTURE shows the body of a multipart whose delimiter never comes as its one
    // headerless part (bodystructure.cpp); part 1 must then be fetchable: the body, with an
    // empty MIME header (RFC 2046 §5.1.1: a part may have no header). Nothing below it.
    const std::string text =
        "Content-Type: multipart/mixed; boundary=z\r\n\r\nno delimiter\r\n";
    const mime::Message message = mime::parse_message(text);
    Result<SectionBytes> body = fetch_from(text, message, "1");
    ASSERT_TRUE(body);
    EXPECT_EQ(body->bytes(), "no delimiter\r\n");
    Result<SectionBytes> mime_header = fetch_from(text, message, "1.MIME");
    ASSERT_TRUE(mime_header);
    EXPECT_EQ(mime_header->bytes(), "");
    for (std::string_view missing : {"2", "1.1", "1.HEADER", "1.TEXT"}) {
        Result<SectionBytes> none = fetch_from(text, message, missing);
        ASSERT_FALSE(none) << missing;
        EXPECT_EQ(none.error().code, Errc::NotFound) << missing;
    }
    Result<std::string> binary = binary_section(text, message, {1});
    ASSERT_TRUE(binary);
    EXPECT_EQ(*binary, "no delimiter\r\n");
}

TEST(Section, HeaderKeepsALeadingBom)
{
    // The parser skips a leading UTF-8 BOM to read the first field (mime::Message::leading_bom),
    // but HEADER and TEXT still split the whole message (RFC 9051 §6.4.5): HEADER starts at
    // the first byte.
    const std::string text = "\xef\xbb\xbfSubject: s\r\n\r\nbody\r\n";
    const mime::Message message = mime::parse_message(text);
    Result<SectionBytes> header = fetch_from(text, message, "HEADER");
    ASSERT_TRUE(header);
    EXPECT_EQ(header->bytes(), "\xef\xbb\xbfSubject: s\r\n\r\n");
    Result<SectionBytes> fields = fetch_from(text, message, "HEADER.FIELDS (SUBJECT)");
    ASSERT_TRUE(fields);
    EXPECT_EQ(fields->bytes(), "Subject: s\r\n\r\n");
}

}  // namespace
}  // namespace harbor::imap
