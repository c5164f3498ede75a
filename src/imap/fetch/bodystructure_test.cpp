// BODY and BODYSTRUCTURE (RFC 9051 §7.5.2, grammar §9 "body") for each part shape.
#include <gtest/gtest.h>

#include <string>

#include "imap/fetch/bodystructure.hpp"
#include "mime/message.hpp"

namespace harbor::imap {
namespace {

std::string structure(const std::string& raw, StructureForm form = StructureForm::BodyStructure)
{
    return format_body_structure(mime::parse_message(raw), form);
}

TEST(BodyStructure, DefaultTypeIsTextPlainUsAscii)
{
    // RFC 2045 §5.2: no Content-Type means text/plain; charset=us-ascii. Size and lines of the
    // body as stored: 11 octets, 2 lines (§7.5.2 body-fld-octets, body-fld-lines).
    EXPECT_EQ(structure("Subject: x\r\n\r\nab\r\ncdefg\r\n"),
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 2 "
              "NIL NIL NIL NIL)");
    EXPECT_EQ(structure("Subject: x\r\n\r\nab\r\ncdefg\r\n", StructureForm::Body),
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 2)");
}

TEST(BodyStructure, UnterminatedLastLineCounts)
{
    EXPECT_EQ(structure("\r\nab\r\ncd", StructureForm::Body),
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 2)");
}

TEST(BodyStructure, TextWithoutCharsetGetsUsAscii)
{
    // RFC 2046 §4.1.2: the charset of text/* defaults to US-ASCII.
    EXPECT_EQ(
        structure("Content-Type: text/html; format=flowed\r\n\r\n<p>\r\n", StructureForm::Body),
        "(\"text\" \"html\" (\"charset\" \"us-ascii\" \"format\" \"flowed\") NIL NIL "
        "\"7bit\" 5 1)");
}

TEST(BodyStructure, BasicPartHasNoLines)
{
    // §9 body-type-basic: media-basic SP body-fields, no body-fld-lines.
    EXPECT_EQ(structure("Content-Type: application/pdf\r\nContent-Transfer-Encoding: BASE64\r\n"
                        "Content-ID: <id@x>\r\nContent-Description: the doc\r\n\r\nAAAA\r\n",
                        StructureForm::Body),
              "(\"application\" \"pdf\" NIL \"<id@x>\" \"the doc\" \"base64\" 6)");
}

TEST(BodyStructure, ExtensionData)
{
    // §9 body-ext-1part: md5, dsp, lang, loc; the folded Content-Location is one URI.
    EXPECT_EQ(structure("Content-Type: image/png; name=a.png\r\n"
                        "Content-MD5: Q2hlY2s=\r\n"
                        "Content-Disposition: attachment; filename=\"a b.png\"; size=3\r\n"
                        "Content-Language: en (English), de\r\n"
                        "Content-Location: http://example.com/\r\n a.png\r\n\r\nabc"),
              "(\"image\" \"png\" (\"name\" \"a.png\") NIL NIL \"7bit\" 3 \"Q2hlY2s=\" "
              "(\"attachment\" (\"filename\" \"a b.png\" \"size\" \"3\")) (\"en\" \"de\") "
              "\"http://example.com/a.png\")");
}

TEST(BodyStructure, Rfc2231ContinuationsJoinedAndReencoded)
{
    // RFC 2231 §3: "IMAP4 servers SHOULD decode parameter value continuations"; a §4 value
    // with a charset stays one extended parameter so the response stays 7-bit.
    EXPECT_EQ(structure("Content-Type: application/x-stuff;\r\n"
                        " title*0=\"This is \"; title*1=\"long\";\r\n"
                        " name*=us-ascii'en'a%20b;\r\n"
                        " file*0*=utf-8''caf%C3; file*1*=%A9.txt\r\n\r\nx",
                        StructureForm::Body),
              "(\"application\" \"x-stuff\" (\"title\" \"This is long\" \"name*\" "
              "\"us-ascii'en'a%20b\" \"file*\" \"utf-8''caf%C3%A9.txt\") NIL NIL \"7bit\" 1)");
}

TEST(BodyStructure, EncodedWordParameterStaysSevenBit)
{
    // mime decodes filename="=?utf-8?..?=" for readers; IMAP gets it back as an encoded-word.
    const std::string out =
        structure("Content-Type: application/pdf; name=\"=?utf-8?q?caf=C3=A9?=\"\r\n\r\nx",
                  StructureForm::Body);
    EXPECT_EQ(out,
              "(\"application\" \"pdf\" (\"name\" \"=?utf-8?b?Y2Fmw6k=?=\") NIL NIL "
              "\"7bit\" 1)");
}

TEST(BodyStructure, UnknownEncodingTokenIsKept)
{
    // RFC 2045 §6.4 an unknown mechanism is reported as written; a non-token is no mechanism.
    EXPECT_EQ(structure("Content-Transfer-Encoding: X-UUencode\r\n\r\nx", StructureForm::Body),
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"x-uuencode\" 1 1)");
    EXPECT_EQ(structure("Content-Transfer-Encoding: ?bad\r\n\r\nx", StructureForm::Body),
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 1)");
}

TEST(BodyStructure, MultipartWithParamsAndDisposition)
{
    const std::string raw =
        "Content-Type: multipart/alternative; boundary=b\r\n"
        "Content-Disposition: inline\r\nContent-Language: fr\r\n\r\n"
        "--b\r\n\r\none\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<b>two</b>\r\n"
        "--b--\r\n";
    EXPECT_EQ(structure(raw),
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL "
              "NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL "
              "NIL) \"alternative\" (\"boundary\" \"b\") (\"inline\" NIL) (\"fr\") NIL)");
    EXPECT_EQ(structure(raw, StructureForm::Body),
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)(\"text\" "
              "\"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1) \"alternative\")");
}

TEST(BodyStructure, MultipartWithoutDelimiterHasItsBodyAsOnePart)
{
    // §9 body-type-mpart = 1*body, and RFC 2046 §5.1.1 has no rule for a multipart whose
    // delimiter never comes: the whole body is its one headerless text/plain part (octets and
    // lines of the body), so a client can show it; section.cpp serves it as part 1.
    EXPECT_EQ(structure("Content-Type: multipart/mixed; boundary=z\r\n\r\nno delimiter\r\n",
                        StructureForm::Body),
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1) \"mixed\")");
    // Only the close delimiter: no body part either (§5.1.1 wants one before "--z--").
    EXPECT_EQ(structure("Content-Type: multipart/mixed; boundary=z\r\n\r\n--z--\r\n",
                        StructureForm::Body),
              "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1) \"mixed\")");
}

TEST(BodyStructure, MessageRfc822HasEnvelopeBodyAndLines)
{
    const std::string raw =
        "Content-Type: message/rfc822\r\n\r\n"
        "Subject: inner\r\nFrom: a@x\r\n\r\nhello\r\n";
    EXPECT_EQ(structure(raw, StructureForm::Body),
              "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 36 (NIL \"inner\" ((NIL NIL \"a\" "
              "\"x\")) ((NIL NIL \"a\" \"x\")) ((NIL NIL \"a\" \"x\")) NIL NIL NIL NIL NIL) "
              "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1) 4)");
}

TEST(BodyStructure, MessageGlobalIsAMessage)
{
    // RFC 6532 §3.7 message/global; RFC 9051 §9 media-message includes "GLOBAL".
    const std::string out = structure(
        "Content-Type: message/global\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Subject: \xc3\xa9\r\n\r\nx",
        StructureForm::Body);
    EXPECT_EQ(out,
              "(\"message\" \"global\" NIL NIL NIL \"8bit\" 16 (NIL {2}\r\n\xc3\xa9 NIL NIL "
              "NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL "
              "NIL \"7bit\" 1 1) 3)");
}

TEST(BodyStructure, EncodedMessageStillHasEnvelopeAndBody)
{
    // RFC 2045 §6.4: a base64 message/rfc822 is not parsed, but §9 body-type-msg still needs
    // an envelope and a body.
    EXPECT_EQ(structure("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n"
                        "\r\nAAAA\r\n",
                        StructureForm::Body),
              "(\"message\" \"rfc822\" NIL NIL NIL \"base64\" 6 (NIL NIL NIL NIL NIL NIL NIL NIL "
              "NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) 1)");
}

TEST(BodyStructure, DigestPartsDefaultToMessage)
{
    // RFC 2046 §5.1.5: in multipart/digest a part without Content-Type is message/rfc822.
    const std::string out = structure(
        "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: s\r\n\r\nb\r\n"
        "--d--\r\n",
        StructureForm::Body);
    EXPECT_EQ(out,
              "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 15 (NIL \"s\" NIL NIL NIL NIL "
              "NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
              "\"7bit\" 1 1) 3) \"digest\")");
}

TEST(BodyStructure, DeepNestingIsBounded)
{
    // The parser caps depth (mime::Limits::max_depth); the writer follows the capped tree.
    std::string raw;
    for (int i = 0; i < 500; ++i) {
        raw += "Content-Type: message/rfc822\r\n\r\n";
    }
    raw += "x";
    const std::string out = structure(raw, StructureForm::Body);
    EXPECT_EQ(out.substr(0, 20), "(\"message\" \"rfc822\" ");
    EXPECT_EQ(out.back(), ')');
}

}  // namespace
}  // namespace harbor::imap
