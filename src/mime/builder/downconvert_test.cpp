// Unit tests for mime/builder/downconvert: 8-bit leaf bodies re-encoded (text/* as
// quoted-printable, the rest as base64, RFC 2045 §6), containers recursed into with their
// boundaries kept (RFC 2046 §5.1.1), 8-bit header fields reported and left alone, signed and
// encrypted messages skipped (RFC 1847), truncated ones too. Random messages and Python's
// email package: downconvert_corpus_test.cpp.
#include "mime/builder/downconvert.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mime/body.hpp"
#include "mime/builder/builder_test_support.hpp"
#include "mime/builder/downconvert_test_support.hpp"

namespace harbor::mime {
namespace {

TEST(Downconvert, SevenBitMessageUnchanged)
{
    const std::string raw =
        "From: a@example.org\r\nContent-Transfer-Encoding: 8bit\r\n\r\nplain ascii\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    EXPECT_EQ(result.status, DowngradeStatus::Unchanged);
    EXPECT_EQ(result.bytes, raw);
    EXPECT_FALSE(result.header_8bit);
    EXPECT_TRUE(result.changes.empty());
    EXPECT_EQ(downgrade_status_name(result.status), "unchanged");
}

TEST(Downconvert, EightBitHeaderOnlyIsReportedNotChanged)
{
    const std::string raw = "From: a@example.org\r\nSubject: Gr\xc3\xbc\xc3\x9f\x65\r\n\r\nhi\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    EXPECT_EQ(result.status, DowngradeStatus::Unchanged);
    EXPECT_EQ(result.bytes, raw);
    EXPECT_TRUE(result.header_8bit);
}

TEST(Downconvert, TopLevelTextEightBitBecomesQuotedPrintable)
{
    const std::string raw =
        "From: a@example.org\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "X-Keep: yes\r\n"
        "\r\n"
        "Gr\xfc\xdf\x65\r\n"
        ".dot\r\n"
        "From here\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_EQ(result.bytes,
              "From: a@example.org\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=iso-8859-1\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n"
              "X-Keep: yes\r\n"
              "\r\n"
              "Gr=FC=DFe\r\n"
              "=2Edot\r\n"
              "=46rom here\r\n");
    ASSERT_EQ(result.changes.size(), 1U);
    EXPECT_EQ(result.changes[0], "text/plain at offset 0: 8bit -> quoted-printable");
}

TEST(Downconvert, MissingEncodingFieldIsAddedWithMimeVersion)
{
    const std::string raw = "Subject: x\r\n\r\ncaf\xc3\xa9";  // no final line end either
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_EQ(result.bytes,
              "Subject: x\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n"
              "\r\ncaf=C3=A9=\r\n");
}

TEST(Downconvert, DuplicateEncodingFieldsBecomeOne)
{
    const std::string raw =
        "Content-Transfer-Encoding: 7bit\r\nMIME-Version: 1.0\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n\xe9\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_EQ(result.bytes,
              "Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: 1.0\r\n\r\n=E9\r\n");
}

TEST(Downconvert, NonTextBecomesBase64)
{
    std::string binary = "PK\x03\x04";
    for (int i = 0; i < 300; ++i) {
        binary += static_cast<char>(i * 7 % 256);
    }
    const std::string raw =
        "MIME-Version: 1.0\r\nContent-Type: application/zip\r\n"
        "Content-Transfer-Encoding: binary\r\n\r\n" +
        binary;
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_NE(result.bytes.find("Content-Transfer-Encoding: base64\r\n\r\n"), std::string::npos);
    EXPECT_EQ(result.bytes.substr(result.bytes.size() - 2), "\r\n");
    EXPECT_EQ(decode_body(result.bytes, parse_message(result.bytes).root).bytes, binary);
}

TEST(Downconvert, MultipartPartsConvertedBoundariesKept)
{
    const std::string raw =
        "From: a@example.org\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "preamble\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "\xe2\x82\xac 5\r\n"
        "--b1\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "ascii stays\r\n"
        "--b1\r\n"
        "Content-Type: image/png\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "\x89PNG\r\n"
        "--b1--\r\n"
        "epilogue\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_EQ(result.bytes,
              "From: a@example.org\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
              "Content-Transfer-Encoding: 7bit\r\n"
              "\r\n"
              "preamble\r\n"
              "--b1\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n"
              "\r\n"
              "=E2=82=AC 5\r\n"
              "--b1\r\n"
              "Content-Type: text/plain\r\n"
              "\r\n"
              "ascii stays\r\n"
              "--b1\r\n"
              "Content-Type: image/png\r\n"
              "Content-Transfer-Encoding: base64\r\n"
              "\r\n"
              "iVBORw==\r\n"
              "--b1--\r\n"
              "epilogue\r\n");
}

TEST(Downconvert, EncapsulatedMessageConvertedAndLabelled7bit)
{
    const std::string raw =
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=out\r\n"
        "\r\n"
        "--out\r\n"
        "Content-Type: message/rfc822\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Subject: inner\r\n"
        "\r\n"
        "inner \xe9t\xe9\r\n"
        "--out--\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_NE(result.bytes.find("Content-Type: message/rfc822\r\n"
                                "Content-Transfer-Encoding: 7bit\r\n"
                                "\r\n"
                                "Subject: inner\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Transfer-Encoding: quoted-printable\r\n"
                                "\r\n"
                                "inner =E9t=E9\r\n"
                                "--out--\r\n"),
              std::string::npos)
        << result.bytes;
}

TEST(Downconvert, MessageGlobalBecomesBase64)
{
    const std::string inner = "Subject: \xc3\xa9t\xc3\xa9\r\n\r\n\xc3\xa9\r\n";
    const std::string raw =
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=g\r\n\r\n--g\r\n"
        "Content-Type: message/global\r\n\r\n" +
        inner + "--g--\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    ASSERT_EQ(result.status, DowngradeStatus::Changed);
    EXPECT_FALSE(result.header_8bit);
    EXPECT_TRUE(clean_7bit(result.bytes));
    const Message parsed = parse_message(result.bytes);
    ASSERT_EQ(parsed.root.children.size(), 1U);
    const Part& global = parsed.root.children[0];
    EXPECT_EQ(global.transfer_encoding, TransferEncoding::Base64);
    // Without the CRLF before the delimiter, which belongs to it.
    // decode_body() leaves message/* as it is: undo the base64 here.
    EXPECT_EQ(decode_base64_mime(body_bytes(result.bytes, global)).bytes,
              inner.substr(0, inner.size() - 2));
    EXPECT_EQ(downconvert_to_7bit(result.bytes).status, DowngradeStatus::Unchanged);
}

TEST(Downconvert, EightBitPartHeaderReportedAndKept)
{
    const std::string raw =
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n"
        "\r\n"
        "--b\r\n"
        "Content-Type: application/pdf; name=\"r\xc3\xa9sum\xc3\xa9.pdf\"\r\n"
        "\r\n"
        "%PDF\xe2\xe3\r\n"
        "--b--\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result, false);
    EXPECT_TRUE(result.header_8bit);
    EXPECT_NE(result.bytes.find("name=\"r\xc3\xa9sum\xc3\xa9.pdf\"\r\n"
                                "Content-Transfer-Encoding: base64\r\n"),
              std::string::npos);
}

TEST(Downconvert, SignedAndEncryptedSkipped)
{
    const std::string body =
        "\r\n--s\r\nContent-Type: text/plain\r\n\r\n\xe9\r\n--s\r\n"
        "Content-Type: application/pgp-signature\r\n\r\nsig\r\n--s--\r\n";
    const std::string signed_raw =
        "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; "
        "boundary=s\r\n" +
        body;
    DowngradeResult result = downconvert_to_7bit(signed_raw);
    EXPECT_EQ(result.status, DowngradeStatus::SkippedSigned);
    EXPECT_EQ(result.bytes, signed_raw);
    EXPECT_EQ(downgrade_status_name(result.status), "skipped: signed");

    const std::string encrypted_raw =
        "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
        "boundary=s\r\n" +
        body;
    result = downconvert_to_7bit(encrypted_raw);
    EXPECT_EQ(result.status, DowngradeStatus::SkippedEncrypted);
    EXPECT_EQ(result.bytes, encrypted_raw);

    const std::string pkcs7 =
        "Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n"
        "Content-Transfer-Encoding: binary\r\n\r\n0\x82\x01\x00";
    result = downconvert_to_7bit(pkcs7);
    EXPECT_EQ(result.status, DowngradeStatus::SkippedSigned);
    EXPECT_EQ(result.bytes, pkcs7);

    // Signed but 7-bit: nothing to convert, so nothing to skip.
    const std::string clean =
        "Content-Type: multipart/signed; boundary=s\r\n\r\n--s\r\n\r\na\r\n--s--\r\n";
    EXPECT_EQ(downconvert_to_7bit(clean).status, DowngradeStatus::Unchanged);
}

TEST(Downconvert, TruncatedMessageSkipped)
{
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n\xe9\r\n--b\r\n\r\nb\r\n"
        "--b--\r\n";
    Limits limits;
    limits.max_parts = 2;
    const DowngradeResult result = downconvert_to_7bit(raw, limits);
    EXPECT_EQ(result.status, DowngradeStatus::SkippedTruncated);
    EXPECT_EQ(result.bytes, raw);
    EXPECT_EQ(downconvert_to_7bit(raw).status, DowngradeStatus::Changed);
}

TEST(Downconvert, MultipartWithoutBoundarySkipped)
{
    const std::string raw = "Content-Type: multipart/mixed\r\n\r\n\xe9\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    EXPECT_EQ(result.status, DowngradeStatus::SkippedMalformed);
    EXPECT_EQ(result.bytes, raw);
}

TEST(Downconvert, BoundaryInQuotedPrintableFallsBackToBase64)
{
    // "--b" inside a line is text, but quoted-printable soft breaks could put it at a line
    // start; base64 has no '-'.
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "caf\xc3\xa9 x--b\r\n--b--\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_NE(result.bytes.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
}

TEST(Downconvert, LongEightBitLinesAreWrapped)
{
    const std::string line(500, '\xe9');
    const std::string raw = "Content-Type: text/plain\r\n\r\n" + line + "\r\n" + line + "\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    const std::string_view body =
        std::string_view(result.bytes).substr(result.bytes.find("\r\n\r\n") + 4);
    std::size_t start = 0;
    while (start < body.size()) {
        const std::size_t end = body.find("\r\n", start);
        ASSERT_NE(end, std::string_view::npos);
        EXPECT_LE(end - start, 76U);
        start = end + 2;
    }
}

TEST(Downconvert, BareLineFeedsKept)
{
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n\xe9t\xe9\nline\r\n--b\n"
        "Content-Type: application/octet-stream\n\n" +
        std::string(100, '\xff') + "\n--b--\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    ASSERT_EQ(result.status, DowngradeStatus::Changed);
    EXPECT_TRUE(clean_7bit(result.bytes));
    const std::string head =
        "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
        "Content-Transfer-Encoding: quoted-printable\n\n=E9t=E9\nline\r\n--b\n"
        "Content-Type: application/octet-stream\n"
        "Content-Transfer-Encoding: base64\n\n";
    ASSERT_TRUE(result.bytes.starts_with(head)) << result.bytes;
    EXPECT_TRUE(result.bytes.ends_with("\n--b--\n"));
    EXPECT_EQ(result.bytes.find('\r', head.size()), std::string::npos);  // soft breaks: LF
    const Message parsed = parse_message(result.bytes);
    ASSERT_EQ(parsed.root.children.size(), 2U);
    EXPECT_EQ(decode_body(result.bytes, parsed.root.children[1]).bytes, std::string(100, '\xff'));
    EXPECT_EQ(downconvert_to_7bit(result.bytes).status, DowngradeStatus::Unchanged);
}

TEST(Downconvert, EncodedPartsWithStrayEightBitOctetsRepaired)
{
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naGVs\xff"
        "bG8=\r\n--b\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nna\xefve =3D\r\n--b--\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_NE(result.bytes.find("\r\n\r\naGVsbG8=\r\n"), std::string::npos);
    EXPECT_NE(result.bytes.find("\r\n\r\nna=EFve =3D\r\n"), std::string::npos);
}

TEST(Downconvert, EightBitPreambleAndEpilogueBecomeQuestionMarks)
{
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=b\r\n\r\nPr\xe9\x61mbule\r\n--b\r\n\r\nok\r\n"
        "--b--\r\n\xff\r\n";
    const DowngradeResult result = downconvert_to_7bit(raw);
    expect_same_content(raw, result);
    EXPECT_EQ(result.bytes,
              "Content-Type: multipart/mixed; boundary=b\r\n\r\nPr?ambule\r\n--b\r\n\r\nok\r\n"
              "--b--\r\n?\r\n");
}

TEST(Downconvert, StatusNames)
{
    EXPECT_EQ(downgrade_status_name(DowngradeStatus::Changed), "changed");
    EXPECT_EQ(downgrade_status_name(DowngradeStatus::SkippedEncrypted), "skipped: encrypted");
    EXPECT_EQ(downgrade_status_name(DowngradeStatus::SkippedTruncated), "skipped: truncated");
    EXPECT_EQ(downgrade_status_name(DowngradeStatus::SkippedMalformed), "skipped: malformed");
}

}  // namespace
}  // namespace harbor::mime
