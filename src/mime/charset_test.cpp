// Unit tests for mime/charset: ICU conversion, the mail-reader aliases, U+FFFD replacement
// (Unicode §3.9 maximal subparts), unsafe names, and the input/output limits.
#include "mime/charset.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::mime {
namespace {

const std::string fffd = "\xef\xbf\xbd";

struct Case {
    const char* name;
    std::string charset;
    std::string input;
    std::string want;
    bool invalid;
};

TEST(Charset, ConvertsToUtf8)
{
    const Case cases[] = {
        {"latin1 alias", "latin1", "caf\xe9", "caf\xc3\xa9", false},
        {"iso-8859-1 is windows-1252", "ISO-8859-1", "\x80", "\xe2\x82\xac", false},
        {"us-ascii with 8-bit", "us-ascii", "\xe9", "\xc3\xa9", false},
        {"cp1252 quotes", "cp1252", "\x93hi\x94", "\xe2\x80\x9chi\xe2\x80\x9d", false},
        {"gb2312", "gb2312", "\xd6\xd0\xce\xc4", "\xe4\xb8\xad\xe6\x96\x87", false},
        {"gb2312 label, gbk text", "GB2312", "\x81\x40", "\xe4\xb8\x82", false},
        {"shift_jis", "Shift_JIS", "\x82\xa0", "\xe3\x81\x82", false},
        {"iso-2022-jp", "iso-2022-jp", "\x1b$B$\"\x1b(B", "\xe3\x81\x82", false},
        // Two encoded-words joined: "ESC ( B" meets "ESC $ B"; readers show 日本 (no U+FFFD).
        {"iso-2022-jp escapes back to back", "ISO-2022-JP", "\x1b$BF|\x1b(B\x1b$BK\\\x1b(B",
         "\xe6\x97\xa5\xe6\x9c\xac", false},
        {"iso-2022-jp lone ESC", "iso-2022-jp", "a\x1b", "a" + fffd, true},
        {"koi8-r", "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4",
         "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", false},
        {"quoted name", "\"utf-8\"", "ok", "ok", false},
        {"utf-8 valid", "UTF-8", "\xe2\x82\xac", "\xe2\x82\xac", false},
        {"utf8 spelling", "utf8", "a", "a", false},
        {"utf-8 bad byte", "utf-8", "a\xff" "b", "a" + fffd + "b", true},
        {"utf-8 overlong", "utf-8", "\xc0\xaf", fffd + fffd, true},
        {"utf-8 cut sequence", "utf-8", "\xe2\x82", fffd, true},
        {"utf-8 surrogate", "utf-8", "\xed\xa0\x80", fffd + fffd + fffd, true},
        {"utf-8 past U+10FFFF", "utf-8", "\xf4\x90\x80\x80", fffd + fffd + fffd + fffd, true},
        {"utf-16be", "UTF-16BE", std::string("\x00" "A", 2), "A", false},
        {"utf-16le pair", "utf-16le", std::string("\x3d\xd8\x00\xde", 4), "\xf0\x9f\x98\x80",
         false},
        {"utf-16le lone surrogate", "utf-16le", std::string("\x00\xd8", 2), fffd, true},
        {"gbk invalid trail", "gbk", "\x81", fffd, true},
        {"empty input", "utf-8", "", "", false},
    };
    for (const auto& c : cases) {
        const Utf8Text got = convert_to_utf8(c.charset, c.input);
        EXPECT_FALSE(got.unknown_charset) << c.name;
        EXPECT_EQ(got.utf8, c.want) << c.name;
        EXPECT_EQ(got.had_invalid, c.invalid) << c.name;
        EXPECT_FALSE(got.truncated) << c.name;
    }
}

TEST(Charset, UnknownAndUnsafeNames)
{
    const std::string names[] = {
        "",        "x-klingon", "unknown-8bit", "x-unknown", "utf-8,swaplfnl", "utf 8",
        "\"\"",    "   ",       std::string(65, 'a'),       "iso-8859-1\n", "binary",
    };
    for (const auto& name : names) {
        const Utf8Text got = convert_to_utf8(name, "abc");
        EXPECT_TRUE(got.unknown_charset) << name;
        EXPECT_EQ(got.utf8, "") << name;
        EXPECT_FALSE(is_known_charset(name)) << name;
    }
}

TEST(Charset, AliasTargetsExist)
{
    for (const char* name : {"us-ascii", "latin-1", "iso-8859-9", "tis-620", "euc-cn", "x-gbk",
                             "ks_c_5601-1987", "euc-kr", "big5", "sjis", "cp932",
                             "unicode-1-1-utf-7", "windows-1251", "iso-8859-15", "utf-7"}) {
        EXPECT_TRUE(is_known_charset(name)) << name;
    }
}

// ASCII-only input skips ICU for the charsets that pass it through; ICU itself, made to run by a
// final non-ASCII byte, must then agree on every byte below 0x80, shift-state bytes included.
TEST(Charset, AsciiPassesThroughOnlyWhereIcuAgrees)
{
    std::string ascii;
    for (int byte = 0; byte < 0x80; ++byte) {
        ascii.push_back(static_cast<char>(byte));
    }
    const char* passing[] = {
        "us-ascii",     "ascii",          "utf-8",        "UTF8",         "iso-8859-1",
        "latin1",       "windows-1250",   "windows-1251", "windows-1252", "windows-1253",
        "windows-1254", "windows-1255",   "windows-1256", "windows-1257", "windows-1258",
        "windows-874",  "tis-620",        "iso-8859-2",   "iso-8859-3",   "iso-8859-4",
        "iso-8859-5",   "iso-8859-6",     "iso-8859-7",   "iso-8859-8",   "iso-8859-9",
        "iso-8859-10",  "iso-8859-11",    "iso-8859-13",  "iso-8859-14",  "iso-8859-15",
        "koi8-r",       "koi8-u",         "gbk",          "gb2312",       "gb18030",
        "euc-kr",       "ks_c_5601-1987", "big5",         "euc-jp",
    };
    for (const char* charset : passing) {
        EXPECT_TRUE(passes_ascii_through(charset)) << charset;
        const Utf8Text fast = convert_to_utf8(charset, ascii);
        EXPECT_EQ(fast.utf8, ascii) << charset;
        EXPECT_FALSE(fast.had_invalid || fast.truncated || fast.unknown_charset) << charset;
        const Utf8Text by_icu = convert_to_utf8(charset, ascii + "\xa4");
        ASSERT_FALSE(by_icu.unknown_charset) << charset;
        EXPECT_EQ(by_icu.utf8.substr(0, ascii.size()), ascii) << charset;
    }
    for (const char* charset : {"utf-7", "unicode-1-1-utf-7", "utf-16", "utf-16be", "utf-32",
                                "iso-2022-jp", "iso-2022-kr", "hz-gb-2312", "ibm037", "sjis",
                                "shift_jis", "iso-8859-16", "unknown-8bit", "no-such-charset"}) {
        EXPECT_FALSE(passes_ascii_through(charset)) << charset;
    }
    // A limit still cuts the copy, and says so.
    const Utf8Text cut = convert_to_utf8("us-ascii", "abcdef", CharsetLimits{1024, 4});
    EXPECT_EQ(cut.utf8, "abcd");
    EXPECT_TRUE(cut.truncated);
    const Utf8Text cut_input = convert_to_utf8("utf-8", "abcdef", CharsetLimits{3, 1024});
    EXPECT_EQ(cut_input.utf8, "abc");
    EXPECT_TRUE(cut_input.truncated);
}

TEST(Charset, Limits)
{
    const Utf8Text out = convert_to_utf8("latin1", "\xe9\xe9\xe9", CharsetLimits{.max_output = 5});
    EXPECT_EQ(out.utf8, "\xc3\xa9\xc3\xa9");  // whole characters only
    EXPECT_TRUE(out.truncated);
    const Utf8Text in = convert_to_utf8("utf-8", "abcdef", CharsetLimits{.max_input = 2});
    EXPECT_EQ(in.utf8, "ab");
    EXPECT_TRUE(in.truncated);
    const Utf8Text sanitized = sanitize_utf8("\xff\xff\xff", 4);
    EXPECT_EQ(sanitized.utf8, fffd);
    EXPECT_TRUE(sanitized.truncated);
    // Large input crosses ICU's chunk boundaries with surrogate pairs intact.
    std::string pairs("A\x00", 2);  // one unit first, so a pair straddles each 2048-unit chunk
    std::string want = "A";
    for (int i = 0; i < 3000; ++i) {
        pairs += std::string("\x3d\xd8\x00\xde", 4);
        want += "\xf0\x9f\x98\x80";
    }
    const Utf8Text big = convert_to_utf8("utf-16le", pairs);
    EXPECT_EQ(big.utf8, want);
    EXPECT_FALSE(big.had_invalid);
}

TEST(Charset, EveryPrefixConverts)
{
    const std::string input = "\x1b$B$\"\x1b(B\xe2\x82\xac\xd6\xd0\x81\x40\xff";
    for (const char* charset : {"utf-8", "iso-2022-jp", "gbk", "utf-16le", "shift_jis", "utf-7"}) {
        for (std::size_t n = 0; n <= input.size(); ++n) {
            const Utf8Text got = convert_to_utf8(charset, input.substr(0, n));
            EXPECT_EQ(sanitize_utf8(got.utf8).utf8, got.utf8) << charset << " " << n;
        }
    }
}

}  // namespace
}  // namespace harbor::mime
