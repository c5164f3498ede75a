// The text view of whole messages: text and HTML parts, the multipart/alternative choice,
// attachments, encapsulated messages, charsets, limits, and messages from the shared corpus.
#include "mime/text/text_view.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace harbor::mime {
namespace {

struct Viewed {
    std::string raw;
    TextView view;
};

Viewed view_of(std::string raw, const TextViewLimits& limits = {})
{
    Viewed viewed{std::move(raw), {}};
    viewed.view = text_view(viewed.raw, parse_message(viewed.raw), limits);
    return viewed;
}

std::string read_corpus(const std::string& path)
{
    std::ifstream file(std::string(HARBOR_TESTDATA_DIR) + "/mime/" + path, std::ios::binary);
    std::ostringstream bytes;
    bytes << file.rdbuf();
    return bytes.str();
}

TEST(TextView, PlainTextLineEndsAndSubject)
{
    const Viewed v = view_of(
        "Subject: =?utf-8?q?Caf=C3=A9?= \r\n  menu\r\n\r\nline one\r\nline two\rthree\r\n");
    EXPECT_EQ(v.view.subject, "Caf\xc3\xa9 menu");
    EXPECT_EQ(v.view.text, "line one\nline two\nthree");
    EXPECT_FALSE(v.view.html_seen);
    EXPECT_TRUE(v.view.attachments.empty());
}

TEST(TextView, CharsetAndTransferEncoding)
{
    const Viewed v = view_of(
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nna=EFve caf=E9=\r\n!\r\n");
    EXPECT_EQ(v.view.text, "na\xc3\xafve caf\xc3\xa9!");
    EXPECT_FALSE(v.view.had_invalid);
}

TEST(TextView, UnknownCharsetIsFlagged)
{
    const Viewed v = view_of("Content-Type: text/plain; charset=x-no-such\r\n\r\nabc\r\n");
    EXPECT_EQ(v.view.text, "abc");
    EXPECT_TRUE(v.view.unknown_charset);
}

TEST(TextView, HtmlPart)
{
    const Viewed v = view_of(
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        std::string("PHA+SGk8L3A+PHA+PGEgaHJlZj0iaHR0cHM6Ly9hLmV4YW1wbGUvIj5nbzwvYT48L3A+\r\n"));
    // <p>Hi</p><p><a href="https://a.example/">go</a></p>
    EXPECT_EQ(v.view.text, "Hi\ngo");
    EXPECT_TRUE(v.view.html_seen);
    ASSERT_EQ(v.view.links.size(), 1u);
    EXPECT_EQ(v.view.links[0].url, "https://a.example/");
    EXPECT_EQ(v.view.links[0].text, "go");
}

const char* const alternative_message =
    "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\n%PLAIN%\r\n"
    "--b\r\nContent-Type: text/html\r\n\r\n"
    "<p>Rich <a href=\"https://evil.example/\">www.bank.com</a><img src=\"cid:i\">"
    "<script>x</script></p>\r\n"
    "--b--\r\n";

std::string alternative(const std::string& plain)
{
    std::string raw = alternative_message;
    raw.replace(raw.find("%PLAIN%"), 7, plain);
    return raw;
}

TEST(TextView, AlternativeTakesPlainTextButHtmlLinks)
{
    const Viewed v = view_of(alternative("Plain version"));
    EXPECT_EQ(v.view.text, "Plain version");
    EXPECT_TRUE(v.view.html_seen);
    ASSERT_EQ(v.view.links.size(), 1u);
    EXPECT_TRUE(v.view.links[0].text_host_mismatch);
    EXPECT_EQ(v.view.images, std::vector<std::string>{"cid:i"});
    EXPECT_TRUE(v.view.flags.has_script);
    EXPECT_TRUE(v.view.flags.has_link_host_mismatch);
}

TEST(TextView, BlankPlainAlternativeFallsBackToHtml)
{
    // A blank text/plain hiding the HTML's text from filters.
    const Viewed v = view_of(alternative(" \r\n\xc2\xa0 "));
    EXPECT_EQ(v.view.text, "Rich www.bank.com");
    EXPECT_EQ(v.view.links.size(), 1u);
}

TEST(TextView, AttachmentsAreListedNotRead)
{
    const Viewed v = view_of(
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        "--b\r\nContent-Type: text/plain; name=notes.txt\r\n"
        "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.txt\r\n\r\n"
        "secret text\r\n"
        "--b\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
        "--b\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\nPNG\r\n"
        "--b--\r\n");
    EXPECT_EQ(v.view.text, "body");
    ASSERT_EQ(v.view.attachments.size(), 3u);
    EXPECT_EQ(v.view.attachments[0].filename, "r\xc3\xa9sum\xc3\xa9.txt");
    EXPECT_EQ(v.view.attachments[0].content_type, "text/plain");
    EXPECT_EQ(v.view.attachments[0].disposition, "attachment");
    EXPECT_EQ(v.view.attachments[0].encoded_size, 11u);
    EXPECT_EQ(v.view.attachments[1].filename, "a.pdf");
    EXPECT_EQ(v.view.attachments[1].content_type, "application/pdf");
    EXPECT_EQ(v.view.attachments[1].disposition, "");
    EXPECT_EQ(v.view.attachments[2].content_type, "image/png");
    EXPECT_EQ(v.view.attachments[2].disposition, "inline");
}

TEST(TextView, EncapsulatedMessageIsRead)
{
    const Viewed v = view_of(
        "Subject: outer\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\n\r\nSee below.\r\n"
        "--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
        "Subject: =?iso-8859-1?q?inner_=E9?=\r\n\r\ninner body\r\n"
        "--b--\r\n");
    EXPECT_EQ(v.view.subject, "outer");
    EXPECT_EQ(v.view.text, "See below.\ninner \xc3\xa9\ninner body");
    ASSERT_EQ(v.view.attachments.size(), 1u);
    EXPECT_EQ(v.view.attachments[0].content_type, "message/rfc822");
}

TEST(TextView, OtherTextSubtypesReadAsPlain)
{
    const Viewed v = view_of("Content-Type: text/x-unknown\r\n\r\n<b>as is</b>\r\n");
    EXPECT_EQ(v.view.text, "<b>as is</b>");
}

TEST(TextView, Limits)
{
    TextViewLimits limits;
    limits.max_text = 10;
    limits.max_attachments = 1;
    const Viewed v = view_of(
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\n\r\n0123456789abc\r\n--b\r\n\r\nmore\r\n"
        "--b\r\nContent-Type: image/gif\r\n\r\nG\r\n"
        "--b\r\nContent-Type: image/gif\r\n\r\nG\r\n--b--\r\n",
        limits);
    EXPECT_EQ(v.view.text, "0123456789");
    EXPECT_EQ(v.view.attachments.size(), 1u);
    EXPECT_TRUE(v.view.truncated);
}

TEST(TextView, PartTreeTruncationIsReported)
{
    Limits mime_limits;
    mime_limits.max_parts = 2;
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\n\r\na\r\n--b\r\n\r\nb\r\n--b--\r\n";
    const TextView view = text_view(raw, parse_message(raw, mime_limits));
    EXPECT_EQ(view.text, "a");
    EXPECT_TRUE(view.truncated);
}

TEST(TextView, CorpusNestedAlternatives)
{
    // RFC 8621 §4.1.4's example: the alternative has no text/plain child, so its text comes
    // from the last (multipart/related with the HTML); B, C and D are the other alternative.
    const Viewed v = view_of(read_corpus("stalwart-mail-parser/resources/eml/rfc/007.eml"));
    ASSERT_FALSE(v.raw.empty());
    EXPECT_EQ(v.view.subject, "RFC 8621 Section 4.1.4 test");
    EXPECT_EQ(v.view.text, "A\nE\nJ\nJ\nK");
    std::vector<std::string> types;
    for (const Attachment& attachment : v.view.attachments) {
        types.push_back(attachment.content_type);
    }
    EXPECT_EQ(types, (std::vector<std::string>{"image/jpeg", "image/jpeg", "image/jpeg",
                                               "application/x-excel"}));
    EXPECT_TRUE(v.view.html_seen);
}

TEST(TextView, CorpusHtmlWithEmbeddedImage)
{
    const Viewed v =
        view_of(read_corpus("stalwart-mail-parser/resources/eml/thirdparty/018.eml"));
    ASSERT_FALSE(v.raw.empty());
    EXPECT_EQ(v.view.subject, "29 (HTML + embedded image) + attachment");
    // Quoted-printable UTF-8 in the HTML, the preamble of the multipart is not text.
    EXPECT_EQ(v.view.text, "Search for h\xc3\xb6h\xc3\xb6");
    EXPECT_EQ(v.view.images, std::vector<std::string>{"cid:part1.8C5E6A81.D0C1B91A@example.com"});
    ASSERT_EQ(v.view.attachments.size(), 2u);
    EXPECT_EQ(v.view.attachments[0].filename, "kigaaldcbanejcbi.png");
    EXPECT_EQ(v.view.attachments[0].disposition, "inline");
    EXPECT_EQ(v.view.attachments[1].filename, "attach2.png");
    EXPECT_EQ(v.view.attachments[1].disposition, "attachment");
}

TEST(TextView, CorpusAlternativeAndForward)
{
    const Viewed v = view_of(read_corpus("stalwart-mail-parser/resources/eml/rfc/009.eml"));
    ASSERT_FALSE(v.raw.empty());
    EXPECT_EQ(v.view.text,
              "Hello\nHello, this is an elaborate request for you to finally say hello "
              "already!\nPlease say Hello");
    EXPECT_TRUE(v.view.attachments.empty());
}

}  // namespace
}  // namespace harbor::mime
