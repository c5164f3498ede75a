// Unit tests for mime/rfc2047: the RFC 2047 §8 examples, RFC 2231 §5 language suffixes, the
// broken forms mail readers accept, the limits, and every prefix of every input.
#include "mime/rfc2047.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::mime {
namespace {

const std::string replacement_char = "\xef\xbf\xbd";

struct EncodedWordCase {
    const char* name;
    std::string input;
    std::string want;
};

std::vector<EncodedWordCase> rfc_cases()
{
    return {
        // RFC 2047 §8, the display table.
        {"8 single", "(=?ISO-8859-1?Q?a?=)", "(a)"},
        {"8 word then text", "(=?ISO-8859-1?Q?a?= b)", "(a b)"},
        {"8 adjacent", "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
        {"8 two spaces", "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"},
        {"8 folded", "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"},
        {"8 underscore", "(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
        {"8 two charsets", "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"},
        // RFC 2047 §8, the header examples.
        {"8 from", "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
         "Keith Moore <moore@cs.utk.edu>"},
        {"8 to", "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
         "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>"},
        {"8 cc", "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
         "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>"},
        {"8 subject", "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
                      "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
         "If you can read this you understand the example."},
        {"8 hebrew", "Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n"
                     "    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
         "Nathaniel Borenstein <nsb@thumper.bellcore.com>    ("
         "\xd7\x9d\xd7\x95\xd7\x9c\xd7\xa9 \xd7\x9f\xd7\x91 "
         "\xd7\x99\xd7\x9c\xd7\x98\xd7\xa4\xd7\xa0)"},
        {"8 olle", "=?ISO-8859-1?Q?Olle_J=E4rnefors?=", "Olle J\xc3\xa4rnefors"},
        // RFC 2231 §5: a language after the charset.
        {"2231 language", "=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"},
    };
}

std::vector<EncodedWordCase> broken_cases()
{
    return {
        {"plain text", "hello world", "hello world"},
        {"empty", "", ""},
        {"lower-case q", "=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9"},
        {"lower-case b", "=?UTF-8?b?Y2Fmw6k=?=", "caf\xc3\xa9"},
        {"b without padding", "=?UTF-8?B?Y2Fmw6k?=", "caf\xc3\xa9"},
        {"glued to words", "foo=?utf-8?q?bar?=baz", "foobarbaz"},
        {"in quoted string", "\"=?utf-8?q?J=C3=B6rg?=\" <j@example.com>",
         "\"J\xc3\xb6rg\" <j@example.com>"},
        {"missing end", "=?utf-8?q?caf=C3=A9", "caf\xc3\xa9"},
        {"utf-8 split across words", "=?utf-8?b?ww==?= =?utf-8?b?qQ==?=", "\xc3\xa9"},
        {"separator kept", "=?utf-8?q?a?=-=?utf-8?q?b?=", "a-b"},
        {"glued words", "=?utf-8?q?a?==?utf-8?q?b?=", "ab"},
        {"charset switch", "=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=", "\xc3\xa9\xc3\xa9"},
        {"space inside word", "=?utf-8?q?a b?=", "=?utf-8?q?a b?="},
        {"bad encoding letter", "=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
        {"empty charset", "=??q?a?=", "=??q?a?="},
        {"only marker", "=?", "=?"},
        {"unfolding", "a\r\n b", "a b"},
        {"raw utf-8 kept", "J\xc3\xb6rg =?utf-8?q?x?=", "J\xc3\xb6rg x"},
        {"raw 8-bit replaced", "a\xff", "a" + replacement_char},
        {"many markers", "=?=?=?utf-8?q?b?=", "=?=?b"},
        {"gb2312 word", "=?gb2312?B?1tDOxA==?=", "\xe4\xb8\xad\xe6\x96\x87"},
    };
}

struct FlagCase {
    const char* name;
    std::string input;
    std::string want;
    bool unknown;
    bool invalid;
};

TEST(Rfc2047, RfcExamples)
{
    for (const auto& c : rfc_cases()) {
        const DecodedHeader got = decode_rfc2047(c.input);
        EXPECT_EQ(got.utf8, c.want) << c.name;
        EXPECT_FALSE(got.unknown_charset || got.had_invalid || got.truncated) << c.name;
    }
}

TEST(Rfc2047, AdjacentIso2022JpWords)
{
    // Each ISO-2022-JP word returns to ASCII (RFC 1468); joined, the escapes meet.
    const DecodedHeader got =
        decode_rfc2047("=?iso-2022-jp?b?GyRCRnwbKEI=?= =?iso-2022-jp?b?GyRCS1wbKEI=?=");
    EXPECT_EQ(got.utf8, "\xe6\x97\xa5\xe6\x9c\xac");  // 日本
    EXPECT_FALSE(got.had_invalid);
}

TEST(Rfc2047, BrokenForms)
{
    for (const auto& c : broken_cases()) {
        EXPECT_EQ(decode_rfc2047(c.input).utf8, c.want) << c.name;
    }
}

TEST(Rfc2047, Flags)
{
    const FlagCase cases[] = {
        {"unknown charset kept", "=?x-klingon?q?abc?= =?utf-8?q?d?=", "=?x-klingon?q?abc?= d", true,
         false},
        {"invalid bytes", "=?utf-8?q?=FF?=", replacement_char, false, true},
        {"bad q escape", "=?utf-8?q?a=ZZ?=", "a=ZZ", false, true},
        {"b junk", "=?utf-8?b?Y2F!t?=", "cam", false, true},
        {"unsafe charset", "=?utf-8,swaplfnl?q?a?=", "=?utf-8,swaplfnl?q?a?=", true, false},
    };
    for (const auto& c : cases) {
        const DecodedHeader got = decode_rfc2047(c.input);
        EXPECT_EQ(got.utf8, c.want) << c.name;
        EXPECT_EQ(got.unknown_charset, c.unknown) << c.name;
        EXPECT_EQ(got.had_invalid, c.invalid) << c.name;
    }
}

TEST(Rfc2047, Limits)
{
    const DecodedHeader words = decode_rfc2047("=?utf-8?q?a?= =?utf-8?q?b?= =?utf-8?q?c?=",
                                               Rfc2047Limits{.max_encoded_words = 2});
    EXPECT_EQ(words.utf8, "ab =?utf-8?q?c?=");
    EXPECT_TRUE(words.too_many_words);
    EXPECT_EQ(words.encoded_words, 2u);

    const DecodedHeader unknown = decode_rfc2047("=?x-a?q?a?= =?x-b?q?b?= =?utf-8?q?c?=",
                                                 Rfc2047Limits{.max_encoded_words = 2});
    EXPECT_EQ(unknown.utf8, "=?x-a?q?a?= =?x-b?q?b?= =?utf-8?q?c?=");
    EXPECT_TRUE(unknown.too_many_words);
    EXPECT_EQ(unknown.encoded_words, 0u);

    const DecodedHeader output =
        decode_rfc2047("x =?utf-8?q?=C3=A9=C3=A9?=", Rfc2047Limits{.max_output = 4});
    EXPECT_EQ(output.utf8, "x \xc3\xa9");
    EXPECT_TRUE(output.truncated);

    const DecodedHeader input = decode_rfc2047("abcdef", Rfc2047Limits{.max_input = 3});
    EXPECT_EQ(input.utf8, "abc");
    EXPECT_TRUE(input.truncated);

    // Words that never close must not make decoding quadratic.
    std::string open_words;
    for (int i = 0; i < 5000; ++i) {
        open_words += "=?utf-8?q?x";
    }
    open_words += " tail";
    EXPECT_EQ(decode_rfc2047(open_words).utf8, open_words);
}

TEST(Rfc2047, EveryPrefixDecodes)
{
    std::vector<EncodedWordCase> cases = rfc_cases();
    for (const auto& c : broken_cases()) {
        cases.push_back(c);
    }
    for (const auto& c : cases) {
        for (std::size_t n = 0; n <= c.input.size(); ++n) {
            const DecodedHeader got = decode_rfc2047(c.input.substr(0, n));
            EXPECT_LE(got.utf8.size(), default_max_header_output) << c.name;
        }
    }
}

}  // namespace
}  // namespace harbor::mime
