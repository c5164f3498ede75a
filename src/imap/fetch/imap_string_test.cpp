// IMAP string forms: RFC 9051 §4.3 (quoted, literal), §4.5 (NIL), RFC 3516 §4.1 (literal8).
#include <gtest/gtest.h>

#include <string>

#include "imap/fetch/imap_string.hpp"

namespace harbor::imap {
namespace {

struct Case {
    const char* name;
    std::string input;
    std::string want;
};

TEST(ImapString, ChoosesQuotedOrLiteral)
{
    const Case cases[] = {
        {"plain text is quoted", "hello world", "\"hello world\""},
        {"empty is an empty quoted string", "", "\"\""},
        {"§4.3 quoted-specials are escaped", "a\"b\\c", "\"a\\\"b\\\\c\""},
        {"CR or LF needs a literal", "a\r\nb", "{4}\r\na\r\nb"},
        {"a bare LF needs a literal", "a\nb", "{3}\r\na\nb"},
        {"8-bit needs a literal", "caf\xc3\xa9", "{5}\r\ncaf\xc3\xa9"},
        {"NIL as a value is a string, not the atom", "NIL", "\"NIL\""},
        {"CHAR8 excludes NUL: sent as 0x80, same length", std::string("a\0b", 3),
         "{3}\r\na\x80"
         "b"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(format_string(c.input), c.want) << c.name;
    }
}

TEST(ImapString, LongValuesAreLiterals)
{
    const std::string at_limit(max_quoted_length, 'x');
    EXPECT_EQ(format_string(at_limit), "\"" + at_limit + "\"");
    const std::string over(max_quoted_length + 1, 'x');
    EXPECT_EQ(format_string(over), "{" + std::to_string(over.size()) + "}\r\n" + over);
}

TEST(ImapString, NstringIsNilWhenAbsent)
{
    std::string out;
    append_nstring(out, std::nullopt);  // RFC 9051 §4.5
    out += ' ';
    append_nstring(out, std::string_view("x"));
    EXPECT_EQ(out, "NIL \"x\"");
}

TEST(ImapString, BinaryUsesLiteral8OnlyForNul)
{
    std::string out;
    append_binary(out, "ab\r\n");
    EXPECT_EQ(out, "{4}\r\nab\r\n");
    out.clear();
    append_binary(out, std::string("a\0b", 3));  // RFC 3516 §4.1 literal8
    EXPECT_EQ(out, std::string("~{3}\r\na\0b", 9));
}

}  // namespace
}  // namespace harbor::imap
