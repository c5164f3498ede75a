// Unit tests for sasl/base64: RFC 4648 §10 test vectors and strictness (§3.3, §3.5).
#include "sasl/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::sasl {
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

}  // namespace
}  // namespace harbor::sasl
