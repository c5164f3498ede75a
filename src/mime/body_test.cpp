// Part content: RFC 2045 §6.7/§6.8 transfer decoding through the part tree, §6.4 unknown and
// composite encodings, charset conversion with the RFC 2046 §4.1.2 default and mislabelled text.
#include "mime/body.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::mime {
namespace {

struct Parsed {
    std::string raw;
    Message message;
};

Parsed parse(std::string raw)
{
    Parsed parsed{std::move(raw), {}};
    parsed.message = parse_message(parsed.raw);
    return parsed;
}

TEST(DecodeBody, Base64ThroughThePartTree)
{
    const Parsed p = parse(
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: BASE64\r\n\r\n"
        "AAEC/w==\r\n");
    const DecodedBody body = decode_body(p.raw, p.message.root);
    EXPECT_EQ(body.bytes, std::string("\x00\x01\x02\xff", 4));
    EXPECT_FALSE(body.saw_invalid);
}

TEST(DecodeBody, QuotedPrintableSoftBreaksAndJunk)
{
    const Parsed p = parse(
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nab=\r\ncd=3D=ZZ\r\n");
    const DecodedBody body = decode_body(p.raw, p.message.root);
    EXPECT_EQ(body.bytes, "abcd==ZZ\r\n");
    EXPECT_TRUE(body.saw_invalid);
}

TEST(DecodeBody, UnknownEncodingGivesRawBytes)
{
    // RFC 2045 §6.4: an unrecognised encoding is treated as opaque data.
    const Parsed p = parse("Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n");
    const DecodedBody body = decode_body(p.raw, p.message.root);
    EXPECT_EQ(body.bytes, "begin 644 a\r\n");
    EXPECT_TRUE(body.unknown_encoding);
}

TEST(DecodeBody, CompositeTypesAreNeverDecoded)
{
    // RFC 2045 §6.4: multipart and message/rfc822 take only 7bit, 8bit or binary.
    const Parsed p = parse(
        "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "Subject: x\r\n\r\nhi\r\n");
    EXPECT_EQ(decode_body(p.raw, p.message.root).bytes, "Subject: x\r\n\r\nhi\r\n");
}

TEST(DecodeBody, InputCapTruncates)
{
    const Parsed p = parse("\r\n0123456789");
    const DecodedBody body = decode_body(p.raw, p.message.root, BodyLimits{4, 100});
    EXPECT_EQ(body.bytes, "0123");
    EXPECT_TRUE(body.truncated);
}

TEST(DecodeText, DeclaredCharsetIsConverted)
{
    const Parsed p = parse(
        "Content-Type: text/plain; charset=ISO-8859-2\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nza=BF=F3=B3=E6\r\n");
    const BodyText text = decode_text(p.raw, p.message.root);
    EXPECT_EQ(text.utf8, "za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87\r\n");  // "zażółć"
    EXPECT_EQ(text.charset, "iso-8859-2");
    EXPECT_FALSE(text.had_invalid);
}

TEST(DecodeText, DefaultCharsetIsUsAscii)
{
    const Parsed p = parse("Subject: x\r\n\r\nplain\r\n");
    const BodyText text = decode_text(p.raw, p.message.root);
    EXPECT_EQ(text.utf8, "plain\r\n");
    EXPECT_EQ(text.charset, "us-ascii");
    EXPECT_FALSE(text.charset_guessed);
}

TEST(DecodeText, MislabelledUtf8IsReadAsUtf8)
{
    const Parsed p = parse("Content-Type: text/plain; charset=us-ascii\r\n\r\ncaf\xc3\xa9\r\n");
    const BodyText text = decode_text(p.raw, p.message.root);
    EXPECT_EQ(text.utf8, "caf\xc3\xa9\r\n");
    EXPECT_TRUE(text.charset_guessed);
}

TEST(DecodeText, MislabelledLatin1IsReadAsWindows1252)
{
    const Parsed p = parse("Content-Type: text/plain\r\n\r\ncaf\xe9 \x80\r\n");
    const BodyText text = decode_text(p.raw, p.message.root);
    EXPECT_EQ(text.utf8, "caf\xc3\xa9 \xe2\x82\xac\r\n");  // "café €"
    EXPECT_FALSE(text.charset_guessed);
}

TEST(DecodeText, UnknownCharsetFallsBackAndIsFlagged)
{
    const Parsed p = parse("Content-Type: text/plain; charset=x-martian\r\n\r\nok \xff\r\n");
    const BodyText text = decode_text(p.raw, p.message.root);
    EXPECT_TRUE(text.unknown_charset);
    EXPECT_EQ(text.utf8, "ok \xef\xbf\xbd\r\n");
    EXPECT_TRUE(text.had_invalid);
}

TEST(DecodeText, Base64Utf16)
{
    // "hi" in UTF-16LE with a byte order mark, base64 encoded.
    const Parsed p = parse(
        "Content-Type: text/plain; charset=utf-16\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "//5oAGkA\r\n");
    EXPECT_EQ(decode_text(p.raw, p.message.root).utf8, "hi");
}

TEST(DecodeText, OutputCapEndsOnAWholeCharacter)
{
    const Parsed p = parse("Content-Type: text/plain; charset=utf-8\r\n\r\n\xc3\xa9\xc3\xa9\xc3\xa9");
    const BodyText text = decode_text(p.raw, p.message.root, BodyLimits{100, 3});
    EXPECT_EQ(text.utf8, "\xc3\xa9");
    EXPECT_TRUE(text.truncated);
}

}  // namespace
}  // namespace harbor::mime
