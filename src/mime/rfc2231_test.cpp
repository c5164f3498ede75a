// Unit tests for mime/rfc2231: the RFC 2231 §3, §4 and §4.1 examples, gaps, duplicates,
// broken forms (RFC 2047 words in quoted values, unquoted spaces), limits, every prefix.
#include "mime/rfc2231.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::mime {
namespace {

struct Want {
    std::string name;
    std::string value;
};

struct ParameterCase {
    const char* name;
    std::string input;
    std::vector<Want> want;
    bool malformed;
};

std::vector<ParameterCase> parameter_cases()
{
    return {
        {"rfc 2231 §3", "; access-type=URL;\r\n URL*0=\"ftp://\";\r\n"
                        " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
         {{"access-type", "URL"},
          {"url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}},
         false},
        {"rfc 2231 §4", ";\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
         {{"title", "This is ***fun***"}},
         false},
        {"rfc 2231 §4.1", "\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
                          " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"",
         {{"title", "This is even more ***fun*** isn't it!"}},
         false},
        {"plain token and quoted", "charset=us-ascii; format=\"flowed\"",
         {{"charset", "us-ascii"}, {"format", "flowed"}},
         false},
        {"utf-8 value", "; filename*=UTF-8''%E2%82%AC%20rates.txt",
         {{"filename", "\xe2\x82\xac rates.txt"}},
         false},
        {"latin1 value", "; filename*=iso-8859-1'fr'caf%E9", {{"filename", "caf\xc3\xa9"}}, false},
        {"lower-case hex", "; a*=utf-8''%c3%a9", {{"a", "\xc3\xa9"}}, false},
        {"out of order", "; a*1=b; a*0=a", {{"a", "ab"}}, false},
        {"gap stops", "; a*0=x; a*2=z", {{"a", "x"}}, true},
        {"no section 0", "; a*1=x", {{"a", ""}}, true},
        {"no section 0, plain", "; a*1=x; a=plain", {{"a", "plain"}}, true},
        {"duplicate plain", "; a=1; A=2", {{"a", "1"}}, true},
        {"duplicate section", "; a*0=x; a*0=y", {{"a", "x"}}, true},
        {"extended wins", "; filename=fallback.txt; filename*=utf-8''real.txt",
         {{"filename", "real.txt"}},
         false},
        {"sections win", "; name=old; name*0=ne; name*1=w", {{"name", "new"}}, false},
        {"leading zero", "; a*01=x; b=y", {{"b", "y"}}, true},
        {"star junk", "; a*x=1; b*=''2", {{"b", "2"}}, true},
        {"rfc 2047 in quotes", "; filename=\"=?utf-8?B?Y2Fmw6kucGRm?=\"",
         {{"filename", "caf\xc3\xa9.pdf"}},
         false},
        {"raw utf-8", "; filename=\"J\xc3\xb6rg.txt\"", {{"filename", "J\xc3\xb6rg.txt"}}, false},
        {"unquoted spaces", "; filename=my file.txt ; x=1",
         {{"filename", "my file.txt"}, {"x", "1"}},
         false},
        // RFC 2046 §5.2.3's example as sent with the ';' missing: a token has no SPACE.
        {"missing semicolon", "; access-type=mail-server\r\n            server=\"l@b.bitnet\"",
         {{"access-type", "mail-server"}, {"server", "l@b.bitnet"}},
         true},
        {"space then equals is not a name", "; a=x =y", {{"a", "x =y"}}, false},
        {"quoted pair", "; a=\"say \\\"hi\\\"\"", {{"a", "say \"hi\""}}, false},
        {"semicolon in quotes", "; a=\"x;y\"; b=z", {{"a", "x;y"}, {"b", "z"}}, false},
        {"bad percent kept", "; a*=utf-8''100%; b*=utf-8''%4", {{"a", "100%"}, {"b", "%4"}},
         false},
        {"no quotes in extended", "; a*=abc%41", {{"a", "abcA"}}, false},
        {"comments", "; (c) a (x) = (y) b", {{"a", "b"}}, false},
        {"unterminated quote", "; a=\"abc", {{"a", "abc"}}, true},
        {"name without value", "; a; b=c", {{"b", "c"}}, true},
        {"junk after quote", "; a=\"x\"y; b=c", {{"a", "x"}, {"b", "c"}}, true},
        {"fuzz: backslash ends comment", "000!=(\\", {{"000!", ""}}, false},
        {"fuzz: backslash ends junk", "; a=\"x\"\"\\", {{"a", "x"}}, true},
        {"empty", "", {}, false},
        {"only semicolons", ";;;", {}, false},
    };
}

TEST(Rfc2231, Parses)
{
    for (const auto& c : parameter_cases()) {
        const ParameterList got = parse_mime_parameters(c.input);
        ASSERT_EQ(got.parameters.size(), c.want.size()) << c.name;
        for (std::size_t i = 0; i < c.want.size(); ++i) {
            EXPECT_EQ(got.parameters[i].name, c.want[i].name) << c.name;
            EXPECT_EQ(got.parameters[i].value, c.want[i].value) << c.name;
        }
        EXPECT_EQ(got.malformed, c.malformed) << c.name;
        EXPECT_FALSE(got.truncated) << c.name;
    }
}

TEST(Rfc2231, CharsetLanguageAndFlags)
{
    const ParameterList list =
        parse_mime_parameters("; title*0*=us-ascii'en'a%20; title*1=b; x*=x-klingon''%41");
    const MimeParameter* title = find_parameter(list, "TITLE");
    ASSERT_NE(title, nullptr);
    EXPECT_EQ(title->value, "a b");
    EXPECT_EQ(title->charset, "us-ascii");
    EXPECT_EQ(title->language, "en");
    const MimeParameter* x = find_parameter(list, "x");
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->value, "A");
    EXPECT_TRUE(x->unknown_charset);
    EXPECT_EQ(find_parameter(list, "missing"), nullptr);

    const ParameterList invalid = parse_mime_parameters("; a*=utf-8''%FF");
    EXPECT_EQ(invalid.parameters.at(0).value, "\xef\xbf\xbd");
    EXPECT_TRUE(invalid.had_invalid);
}

TEST(Rfc2231, Limits)
{
    const ParameterList count =
        parse_mime_parameters("a=1; b=2; c=3", Rfc2231Limits{.max_parameters = 2});
    EXPECT_EQ(count.parameters.size(), 2u);
    EXPECT_TRUE(count.truncated);

    const ParameterList sections =
        parse_mime_parameters("a*0=x; a*5=y; a*9999=z", Rfc2231Limits{.max_sections = 3});
    ASSERT_EQ(sections.parameters.size(), 1u);
    EXPECT_EQ(sections.parameters[0].value, "x");
    EXPECT_TRUE(sections.truncated);

    const ParameterList value = parse_mime_parameters("a=abcdef", Rfc2231Limits{.max_value = 3});
    EXPECT_EQ(value.parameters.at(0).value, "abc");
    EXPECT_TRUE(value.truncated);

    const ParameterList input = parse_mime_parameters("a=abcdef", Rfc2231Limits{.max_input = 4});
    EXPECT_EQ(input.parameters.at(0).value, "ab");
    EXPECT_TRUE(input.truncated);

    // A huge section number allocates nothing: sections are sorted, not indexed.
    const ParameterList huge = parse_mime_parameters("a*0=x; a*99=y");
    EXPECT_EQ(huge.parameters.at(0).value, "x");
    EXPECT_TRUE(huge.malformed);
}

TEST(Rfc2231, EveryPrefixParses)
{
    for (const auto& c : parameter_cases()) {
        for (std::size_t n = 0; n <= c.input.size(); ++n) {
            const ParameterList got = parse_mime_parameters(c.input.substr(0, n));
            EXPECT_LE(got.parameters.size(), default_max_parameters) << c.name;
        }
    }
}

}  // namespace
}  // namespace harbor::mime
