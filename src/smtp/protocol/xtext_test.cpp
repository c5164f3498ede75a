// Unit tests for smtp/protocol/xtext: RFC 3461 §4 xtext, strict decoding and the round trip.
#include "smtp/protocol/xtext.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace harbor::smtp {
namespace {

struct DecodeCase {
    const char* name;
    std::string input;
    std::optional<std::string> want;
};

TEST(SmtpXtext, DecodesStrictly)
{
    const DecodeCase cases[] = {
        {"plain xchars", "abc!~<>\"\\", "abc!~<>\"\\"},
        {"empty", "", ""},
        {"hexchar", "a+2Bb", "a+b"},
        {"equals sign encoded", "x+3Dy", "x=y"},
        {"space encoded", "a+20b", "a b"},
        {"non-ASCII octet", "+C3+BC", "\xc3\xbc"},
        {"NUL decodes (callers check)", "+00", std::string(1, '\0')},
        {"lower-case hex refused (two upper case digits)", "+2b", std::nullopt},
        {"one hex digit", "+2", std::nullopt},
        {"lone plus at end", "abc+", std::nullopt},
        {"non-hex after plus", "+GG", std::nullopt},
        {"raw equals", "a=b", std::nullopt},
        {"raw space", "a b", std::nullopt},
        {"control character", "a\tb", std::nullopt},
        {"raw non-ASCII", "\xc3\xbc", std::nullopt},
        {"DEL", "\x7f", std::nullopt},
    };
    for (const DecodeCase& test : cases) {
        EXPECT_EQ(decode_xtext(test.input), test.want) << test.name;
    }
}

TEST(SmtpXtext, EncodesAndRoundTrips)
{
    EXPECT_EQ(encode_xtext("a+b=c d"), "a+2Bb+3Dc+20d");
    EXPECT_EQ(encode_xtext(std::string("\0\r\n", 3)), "+00+0D+0A");
    std::string every_octet;
    for (int i = 0; i < 256; ++i) {
        every_octet += static_cast<char>(i);
    }
    const std::optional<std::string> back = decode_xtext(encode_xtext(every_octet));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, every_octet);
}

}  // namespace
}  // namespace harbor::smtp
