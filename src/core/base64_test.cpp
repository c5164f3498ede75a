// Unit tests for core/base64: RFC 4648 §10 vectors, strictness (§3.3, §3.5), and the tolerant
// MIME decoder and line-wrapping encoder of RFC 2045 §6.8.
#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor {
namespace {

struct EncodeCase {
    const char* name;
    std::string input;
    std::string want;
};

TEST(Base64, EncodesRfc4648Vectors)
{
    const EncodeCase cases[] = {
        {"empty", "", ""},
        {"f", "f", "Zg=="},
        {"fo", "fo", "Zm8="},
        {"foo", "foo", "Zm9v"},
        {"foob", "foob", "Zm9vYg=="},
        {"fooba", "fooba", "Zm9vYmE="},
        {"foobar", "foobar", "Zm9vYmFy"},
        {"binary", std::string("\x00\xff\xfe", 3), "AP/+"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(encode_base64(c.input), c.want) << c.name;
        Result<std::string> back = decode_base64(c.want);
        ASSERT_TRUE(back) << c.name;
        EXPECT_EQ(*back, c.input) << c.name;
    }
}

TEST(Base64, UnpaddedForm)
{
    EXPECT_EQ(encode_base64("f", Padding::Omitted), "Zg");
    EXPECT_EQ(encode_base64("fo", Padding::Omitted), "Zm8");
    Result<std::string> decoded = decode_base64("Zm8", Padding::Omitted);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, "fo");
}

struct BadCase {
    const char* name;
    std::string input;
    Padding padding;
};

TEST(Base64, RejectsNonCanonicalInput)
{
    const BadCase cases[] = {
        {"missing padding", "Zg", Padding::Required},
        {"three pads", "Z===", Padding::Required},
        {"pad in middle", "Zg==Zg==", Padding::Required},
        {"whitespace", "Zm9v Yg==", Padding::Required},
        {"newline", "Zm9v\nYg==", Padding::Required},
        {"url alphabet", "AP_-", Padding::Required},
        {"non-zero trailing bits", "Zh==", Padding::Required},
        {"non-zero trailing bits 2", "Zm9=", Padding::Required},
        {"single char group", "Zm9vY", Padding::Omitted},
        {"padding when omitted", "Zg==", Padding::Omitted},
        {"nul byte", std::string("Zm\0v", 4), Padding::Required},
        {"high byte", "Zm\xc3\xa9", Padding::Required},
    };
    for (const auto& c : cases) {
        Result<std::string> decoded = decode_base64(c.input, c.padding);
        ASSERT_FALSE(decoded) << c.name;
        EXPECT_EQ(decoded.error().code, Errc::Invalid) << c.name;
    }
}

TEST(Base64, RoundTripsAllByteValues)
{
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes += static_cast<char>(i);
    }
    for (std::size_t length = 0; length <= bytes.size(); length += 37) {
        const std::string input = bytes.substr(0, length);
        Result<std::string> back = decode_base64(encode_base64(input));
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, input);
        Result<std::string> unpadded =
            decode_base64(encode_base64(input, Padding::Omitted), Padding::Omitted);
        ASSERT_TRUE(unpadded);
        EXPECT_EQ(*unpadded, input);
    }
}

struct MimeCase {
    const char* name;
    std::string input;
    std::string want;
    bool junk;
    bool truncated;
};

TEST(Base64Mime, DecodesLikeMailReaders)
{
    const MimeCase cases[] = {
        {"empty", "", "", false, false},
        {"canonical", "Zm9vYmFy", "foobar", false, false},
        {"crlf lines", "Zm9v\r\nYmFy\r\n", "foobar", false, false},
        {"bare lf and spaces", " Zm9v\n Ym Fy\t", "foobar", false, false},
        {"padding", "Zg==", "f", false, false},
        {"missing padding 2", "Zg", "f", false, false},
        {"missing padding 3", "Zm8", "fo", false, false},
        {"stops at padding", "Zg==Zm9v", "f", true, false},
        {"stops at single pad", "Zm8=\r\n", "fo", false, false},
        {"junk ignored", "Zm9!v*YmFy", "foobar", true, false},
        {"url alphabet is junk", "AP_-", std::string("\x00", 1), true, false},
        {"dangling char", "Zm9vY", "foo", false, true},
        {"non-canonical bits", "Zh==", "f", false, false},
        {"8-bit junk", "Zm9v\xc3\xa9YmFy", "foobar", true, false},
        {"only junk", "!!!", "", true, false},
        {"only padding", "====", "", false, false},
    };
    for (const auto& c : cases) {
        const MimeBase64 got = decode_base64_mime(c.input);
        EXPECT_EQ(got.bytes, c.want) << c.name;
        EXPECT_EQ(got.saw_junk, c.junk) << c.name;
        EXPECT_EQ(got.truncated, c.truncated) << c.name;
    }
}

TEST(Base64Mime, InputLimitTruncates)
{
    const MimeBase64 got = decode_base64_mime("Zm9vYmFy", MimeDecodeLimits{.max_input = 4});
    EXPECT_EQ(got.bytes, "foo");
    EXPECT_TRUE(got.truncated);
}

TEST(Base64Mime, EncoderWrapsAt76AndRoundTrips)
{
    std::string bytes;
    for (int i = 0; i < 1000; ++i) {
        bytes += static_cast<char>(i * 7);
    }
    for (std::size_t length : {0, 1, 56, 57, 58, 114, 1000}) {
        const std::string input = bytes.substr(0, length);
        const std::string encoded = encode_base64_mime(input);
        std::size_t line_start = 0;
        while (line_start <= encoded.size()) {
            std::size_t end = encoded.find("\r\n", line_start);
            if (end == std::string::npos) {
                end = encoded.size();
            }
            EXPECT_LE(end - line_start, mime_max_line) << length;
            line_start = end + 2;
        }
        EXPECT_NE(encoded.substr(encoded.size() >= 2 ? encoded.size() - 2 : 0), "\r\n");
        const MimeBase64 back = decode_base64_mime(encoded);
        EXPECT_EQ(back.bytes, input) << length;
        EXPECT_FALSE(back.saw_junk) << length;
    }
    // 57 bytes make exactly one full line of 76 characters.
    EXPECT_EQ(encode_base64_mime(bytes.substr(0, 57)).size(), 76u);
    EXPECT_EQ(encode_base64_mime(bytes.substr(0, 58)).size(), 76u + 2 + 4);
}

TEST(Base64Mime, EveryPrefixDecodes)
{
    const std::string input = "Zm9v\r\nYm!Fy=\r\nZg==\r\n";
    for (std::size_t n = 0; n <= input.size(); ++n) {
        const MimeBase64 got = decode_base64_mime(std::string_view(input).substr(0, n));
        EXPECT_LE(got.bytes.size(), n);
        (void)decode_base64(std::string_view(input).substr(0, n));
    }
}

}  // namespace
}  // namespace harbor
