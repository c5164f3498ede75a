// Unit tests for mime/builder/rewrite: which parts get the disclaimer, byte-for-byte copies of
// everything else, re-encoding in UTF-8, signed messages left alone (RFC 1847, RFC 8551),
// wrapping of single non-text parts, boundaries kept clear (RFC 2046 §5.1.1), and random
// built messages rewritten and parsed again.
#include "mime/builder/rewrite.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mime/body.hpp"
#include "mime/builder/builder_test_support.hpp"
#include "mime/builder/message_builder.hpp"

namespace harbor::mime {
namespace {

const Disclaimer disclaimer{"-- \nSent via Harbor \xe2\x9c\x89", "<p>Sent via Harbor</p>"};
const std::string plain_suffix = "-- \r\nSent via Harbor \xe2\x9c\x89\r\n";

RewriteResult rewrite(std::string_view raw)
{
    return append_disclaimer(raw, parse_message(raw), disclaimer);
}

std::string text_of(std::string_view raw, const Part& part)
{
    return decode_text(raw, part).utf8;
}

TEST(Rewrite, TopLevelLatin1QuotedPrintable)
{
    const std::string raw =
        "From: a@example.org\r\n"
        "Subject: folded\r\n"
        " subject\r\n"
        "Content-Type: text/plain; charset=iso-8859-1; format=flowed\r\n"
        "X-Keep: yes\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Gr=FC=DFe\r\n";
    const RewriteResult result = rewrite(raw);
    ASSERT_EQ(result.status, RewriteStatus::Changed);
    const std::string& out = result.bytes;
    EXPECT_TRUE(out.starts_with("From: a@example.org\r\nSubject: folded\r\n subject\r\n"));
    EXPECT_NE(out.find("MIME-Version: 1.0\r\n"), std::string::npos);
    EXPECT_NE(out.find("format=flowed"), std::string::npos);
    EXPECT_NE(out.find("charset=utf-8"), std::string::npos);
    EXPECT_NE(out.find("X-Keep: yes\r\n"), std::string::npos);
    const Message parsed = parse_message(out);
    EXPECT_EQ(text_of(out, parsed.root),
              "Gr\xc3\xbc\xc3\x9f"
              "e\r\n" +
                  plain_suffix);
    EXPECT_TRUE(test::lines_ok(out));
}

TEST(Rewrite, HtmlInsertedBeforeBody)
{
    const std::string raw =
        "Content-Type: text/html; charset=utf-8\r\n\r\n<html><BODY><p>hi</p></BODY></html>\r\n";
    const RewriteResult result = rewrite(raw);
    const Message parsed = parse_message(result.bytes);
    EXPECT_EQ(text_of(result.bytes, parsed.root),
              "<html><BODY><p>hi</p><p>Sent via Harbor</p></BODY></html>\r\n");
    const std::string no_body = "Content-Type: text/html\r\n\r\n<p>hi</p>";
    const RewriteResult appended = rewrite(no_body);
    EXPECT_EQ(text_of(appended.bytes, parse_message(appended.bytes).root),
              "<p>hi</p><p>Sent via Harbor</p>");
}

const std::string nested =
    "Subject: nested\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble stays\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=alt\r\n"
    "\r\n"
    "--alt\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "plain text\r\n"
    "--alt\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PGJvZHk+aHRtbDwvYm9keT4=\r\n"
    "--alt--\r\n"
    "--outer\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Disposition: attachment; filename=notes.txt\r\n"
    "\r\n"
    "attached text\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "\r\n"
    "inner text\r\n"
    "--outer--\r\n"
    "epilogue stays\r\n";

TEST(Rewrite, MainPartsOnlyEverythingElseByteForByte)
{
    const Message before = parse_message(nested);
    const RewriteResult result = rewrite(nested);
    ASSERT_EQ(result.status, RewriteStatus::Changed);
    EXPECT_EQ(result.changes.size(), 2u);
    const std::string& out = result.bytes;
    const Message after = parse_message(out);
    ASSERT_EQ(after.root.children.size(), 3u);
    const Part& alt = after.root.children[0];
    ASSERT_EQ(alt.children.size(), 2u);
    EXPECT_EQ(text_of(out, alt.children[0]), "plain text\r\n" + plain_suffix);
    EXPECT_EQ(text_of(out, alt.children[1]), "<body>html<p>Sent via Harbor</p></body>");
    // The attachment and the forwarded message are untouched, byte for byte.
    for (std::size_t k = 1; k < 3; ++k) {
        const Part& old_part = before.root.children[k];
        const Part& new_part = after.root.children[k];
        EXPECT_EQ(std::string_view(out).substr(
                      new_part.header_offset,
                      new_part.body_offset + new_part.body_length - new_part.header_offset),
                  std::string_view(nested).substr(
                      old_part.header_offset,
                      old_part.body_offset + old_part.body_length - old_part.header_offset));
    }
    const std::size_t preamble_end = nested.find("--outer\r\n") + 9;
    EXPECT_EQ(out.substr(0, preamble_end), nested.substr(0, preamble_end));  // header, preamble
    EXPECT_TRUE(out.ends_with("\r\n--outer--\r\nepilogue stays\r\n"));
}

TEST(Rewrite, SignedAndEncryptedAreSkipped)
{
    const std::string signed_message =
        "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=b\r\n"
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nsigned\r\n--b\r\n"
        "Content-Type: application/pgp-signature\r\n\r\nsig\r\n--b--\r\n";
    const RewriteResult skipped = rewrite(signed_message);
    EXPECT_EQ(skipped.status, RewriteStatus::SkippedSigned);
    EXPECT_EQ(rewrite_status_name(skipped.status), "skipped: signed");
    EXPECT_EQ(skipped.bytes, signed_message);
    const std::string smime =
        "Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n";
    EXPECT_EQ(rewrite(smime).status, RewriteStatus::SkippedSigned);
    EXPECT_EQ(rewrite("Content-Type: multipart/encrypted; boundary=e\r\n\r\n--e--\r\n").status,
              RewriteStatus::SkippedEncrypted);
}

TEST(Rewrite, SingleNonTextPartIsWrapped)
{
    const std::string raw =
        "Subject: pdf only\r\n"
        "Content-Type: application/pdf; name=a.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "JVBERi0xLjQK\r\n";
    const RewriteResult result = rewrite(raw);
    ASSERT_EQ(result.status, RewriteStatus::Changed);
    const Message parsed = parse_message(result.bytes);
    EXPECT_EQ(parsed.root.content_type.subtype, "mixed");
    ASSERT_NE(find_field(parsed.root.fields, "Subject"), nullptr);
    ASSERT_EQ(parsed.root.children.size(), 2u);
    EXPECT_EQ(text_of(result.bytes, parsed.root.children[0]), plain_suffix);
    EXPECT_EQ(parsed.root.children[1].content_type.subtype, "pdf");
    EXPECT_EQ(decode_body(result.bytes, parsed.root.children[1]).bytes, "%PDF-1.4\n");
    EXPECT_TRUE(test::lines_ok(result.bytes));
}

TEST(Rewrite, AttachmentsOnlyGetANewFirstPart)
{
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n"
        "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n"
        "--m--\r\n";
    const RewriteResult result = rewrite(raw);
    const Message parsed = parse_message(result.bytes);
    ASSERT_EQ(parsed.root.children.size(), 2u);
    EXPECT_EQ(text_of(result.bytes, parsed.root.children[0]), plain_suffix);
    EXPECT_EQ(parsed.root.children[1].content_type.subtype, "png");
}

TEST(Rewrite, ReencodedTextStaysClearOfTheBoundary)
{
    // The base64 text decodes to a line that is the enclosing delimiter: as 7bit or QP it
    // would end the part early, so the rewrite must stay in base64.
    const std::string inner = "--b\r\nmore\r\n";
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n"
        "\r\n" +
        encode_base64_mime(inner) + "\r\n--b--\r\n";
    const RewriteResult result = rewrite(raw);
    const Message parsed = parse_message(result.bytes);
    ASSERT_EQ(parsed.root.children.size(), 1u);
    EXPECT_EQ(parsed.root.children[0].transfer_encoding, TransferEncoding::Base64);
    EXPECT_EQ(text_of(result.bytes, parsed.root.children[0]), inner + plain_suffix);
}

TEST(Rewrite, HeaderWithoutContentTypeOrSeparator)
{
    const RewriteResult bare = rewrite("Subject: x\r\n\r\nhello");
    EXPECT_EQ(text_of(bare.bytes, parse_message(bare.bytes).root), "hello\r\n" + plain_suffix);
    const RewriteResult no_separator = rewrite("Subject: x");
    const Message parsed = parse_message(no_separator.bytes);
    EXPECT_NE(find_field(parsed.root.fields, "Subject"), nullptr);
    EXPECT_EQ(text_of(no_separator.bytes, parsed.root), plain_suffix);
}

// Found by fuzz_mime_rewrite: the last delimiter ends the input without a line end, so the
// parser sees an empty text/plain part there; its new fields must start on a line of their own.
TEST(Rewrite, EmptyLastPartAfterUnterminatedDelimiter)
{
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: image/png\r\n\r\nxx\r\n--b";
    const Message before = parse_message(raw);
    ASSERT_EQ(before.root.children.size(), 2u);
    const RewriteResult result = rewrite(raw);
    ASSERT_EQ(result.status, RewriteStatus::Changed);
    const Message after = parse_message(result.bytes);
    ASSERT_EQ(after.root.children.size(), 2u);
    EXPECT_EQ(after.root.children[1].content_type.subtype, "plain");
    EXPECT_EQ(text_of(result.bytes, after.root.children[1]), plain_suffix);
}

TEST(Rewrite, TruncatedInputIsSkipped)
{
    Limits limits;
    limits.max_header_fields = 1;
    const std::string raw = "A: 1\r\nB: 2\r\n\r\nbody\r\n";
    const RewriteResult result = append_disclaimer(raw, parse_message(raw, limits), disclaimer);
    EXPECT_EQ(result.status, RewriteStatus::SkippedTruncated);
    EXPECT_EQ(result.bytes, raw);
}

// Random multipart messages from the builder: the first top-level text/plain gets the
// disclaimer, every other leaf decodes exactly as before.
TEST(Rewrite, RandomMessagesRoundTrip)
{
    test::RandomText random(5);
    for (int i = 0; i < 1000; ++i) {
        BuildPart root;
        root.content_type = "multipart/mixed";
        const std::size_t count = 1 + random.below(4);
        const std::size_t text_at = random.below(count);
        for (std::size_t k = 0; k < count; ++k) {
            BuildPart child;
            child.content_type = k == text_at ? "text/plain" : "application/octet-stream";
            child.content_type_parameters = {{"charset", "utf-8"}};
            child.body = random.body();
            child.encoding = static_cast<BodyEncoding>(random.below(5));
            root.children.push_back(child);
        }
        const std::string raw = build_message(root);
        const Message before = parse_message(raw);
        const RewriteResult result = append_disclaimer(raw, before, disclaimer);
        ASSERT_EQ(result.status, RewriteStatus::Changed);
        const Message after = parse_message(result.bytes);
        ASSERT_EQ(after.root.children.size(), count) << result.bytes;
        EXPECT_TRUE(test::lines_ok(result.bytes));
        for (std::size_t k = 0; k < count; ++k) {
            if (k == text_at) {
                std::string want = text_of(raw, before.root.children[k]);
                if (!want.empty() && want.back() != '\n') {
                    want += "\r\n";
                }
                EXPECT_EQ(text_of(result.bytes, after.root.children[k]), want + plain_suffix);
            } else {
                EXPECT_EQ(decode_body(result.bytes, after.root.children[k]).bytes,
                          decode_body(raw, before.root.children[k]).bytes);
            }
        }
        if (HasFailure()) {
            FAIL() << "case " << i;
        }
    }
}

}  // namespace
}  // namespace harbor::mime
