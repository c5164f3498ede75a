// Unit tests for core/quoted_printable: RFC 2045 §6.7 rules, the broken forms mail readers
// accept, RFC 2047 §4.2 "Q", and encoder line lengths and round trips.
#include "core/quoted_printable.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor {
namespace {

struct QpCase {
    const char* name;
    std::string input;
    std::string want;
    bool invalid;
};

TEST(QuotedPrintable, Decodes)
{
    const QpCase cases[] = {
        {"empty", "", "", false},
        {"plain", "hello", "hello", false},
        {"escape", "caf=C3=A9", "caf\xc3\xa9", false},
        {"lower-case hex", "caf=c3=a9", "caf\xc3\xa9", false},
        {"soft break crlf", "abc=\r\ndef", "abcdef", false},
        {"soft break lf", "abc=\ndef", "abcdef", false},
        {"soft break with trailing ws", "abc= \t\r\ndef", "abcdef", false},
        {"soft break at end", "abc=", "abc", false},
        {"hard break kept", "a\r\nb", "a\r\nb", false},
        {"bare lf becomes crlf", "a\nb\n", "a\r\nb\r\n", false},
        {"trailing ws removed", "a  \r\nb\t", "a\r\nb", false},
        {"inner ws kept", "a \t b", "a \t b", false},
        {"escaped ws kept", "a=20\r\n", "a \r\n", false},
        {"invalid kept", "a=XYb", "a=XYb", true},
        {"half invalid kept", "=4G", "=4G", true},
        {"short at end", "=4", "=4", true},
        {"equals before break is soft", "=\r\n=\r\n", "", false},
        {"8-bit passes", "\xff", "\xff", false},
        {"rfc 2045 example", "Now's the time =\r\nfor all folk to come=\r\n to the aid of",
         "Now's the time for all folk to come to the aid of", false},
        {"cr alone kept", "a\rb", "a\rb", false},
    };
    for (const auto& c : cases) {
        const QpDecoded got = decode_quoted_printable(c.input);
        EXPECT_EQ(got.bytes, c.want) << c.name;
        EXPECT_EQ(got.saw_invalid, c.invalid) << c.name;
        EXPECT_FALSE(got.truncated) << c.name;
    }
}

TEST(QuotedPrintable, DecodesQ)
{
    const QpCase cases[] = {
        {"underscore", "a_b", "a b", false},
        {"rfc 2047 example", "Keld_J=F8rn_Simonsen", "Keld J\xf8rn Simonsen", false},
        {"escaped underscore", "=5F", "_", false},
        {"lower hex", "=e9", "\xe9", false},
        {"invalid", "=Z1", "=Z1", true},
        {"trailing equals", "ab=", "ab=", true},
    };
    for (const auto& c : cases) {
        const QpDecoded got = decode_q_encoding(c.input);
        EXPECT_EQ(got.bytes, c.want) << c.name;
        EXPECT_EQ(got.saw_invalid, c.invalid) << c.name;
    }
}

TEST(QuotedPrintable, InputLimit)
{
    const QpDecoded got = decode_quoted_printable("abcdef", MimeDecodeLimits{.max_input = 3});
    EXPECT_EQ(got.bytes, "abc");
    EXPECT_TRUE(got.truncated);
}

struct QpEncodeCase {
    const char* name;
    std::string input;
    std::string want;
};

TEST(QuotedPrintable, Encodes)
{
    const QpEncodeCase cases[] = {
        {"plain", "hello", "hello"},
        {"equals", "a=b", "a=3Db"},
        {"non-ascii", "caf\xc3\xa9", "caf=C3=A9"},
        {"trailing space", "a \r\nb ", "a=20\r\nb=20"},
        {"inner space", "a b", "a b"},
        {"lone lf", "a\nb", "a=0Ab"},
        {"leading dot", ".\r\n.", "=2E\r\n=2E"},
        {"from line", "From me\r\nFrom", "=46rom me\r\nFrom"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(encode_quoted_printable(c.input), c.want) << c.name;
    }
    EXPECT_EQ(encode_q_encoding("a b_c=?\xe9"), "a_b=5Fc=3D=3F=E9");
}

TEST(QuotedPrintable, EncoderLinesAtMost76AndRoundTrip)
{
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
    }
    const std::string inputs[] = {
        std::string(300, 'x'),
        std::string(200, ' '),
        std::string(100, '=') + "\r\n" + std::string(80, 'y') + " \r\n",
        all + all,
        "From here\r\n" + std::string(74, 'a') + "From there",
        std::string(75, 'a') + ".",
    };
    for (const auto& input : inputs) {
        const std::string encoded = encode_quoted_printable(input);
        std::size_t start = 0;
        while (start <= encoded.size()) {
            std::size_t end = encoded.find("\r\n", start);
            if (end == std::string::npos) {
                end = encoded.size();
            }
            EXPECT_LE(end - start, mime_max_line);
            const std::string_view line = std::string_view(encoded).substr(start, end - start);
            EXPECT_FALSE(line.starts_with(".")) << line;
            EXPECT_FALSE(line.starts_with("From ")) << line;
            start = end + 2;
        }
        const QpDecoded back = decode_quoted_printable(encoded);
        EXPECT_EQ(back.bytes, input);
        EXPECT_FALSE(back.saw_invalid);
        EXPECT_EQ(decode_q_encoding(encode_q_encoding(input)).bytes, input);
    }
}

TEST(QuotedPrintable, EveryPrefixDecodes)
{
    const std::string input = "a=C3=A9 \r\nb=\r\n=4 =XY_c\nd=";
    for (std::size_t n = 0; n <= input.size(); ++n) {
        const std::string_view prefix = std::string_view(input).substr(0, n);
        EXPECT_LE(decode_quoted_printable(prefix).bytes.size(), n + n);
        EXPECT_LE(decode_q_encoding(prefix).bytes.size(), n);
    }
}

}  // namespace
}  // namespace harbor
