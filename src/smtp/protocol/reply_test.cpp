// Unit tests for smtp/protocol/reply: the reply-line wire form (RFC 5321 §4.2), the enhanced
// code on every line (RFC 2034 §3), its syntax (RFC 3463 §2), sanitising and the 512-octet cap.
#include "smtp/protocol/reply.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::smtp {
namespace {

struct FormatCase {
    const char* name;
    Reply reply;
    std::string want;
};

TEST(SmtpReply, FormatsSingleAndMultiLineReplies)
{
    const FormatCase cases[] = {
        {"single line with enhanced code", {250, "2.1.0", "Ok"}, "250 2.1.0 Ok\r\n"},
        {"no enhanced code (greeting, EHLO)",
         {220, "", "mx.example ESMTP"},
         "220 mx.example ESMTP\r\n"},
        {"multi-line repeats the code on each line (RFC 5321 §4.2.1)",
         {250, "", "mx.example\nPIPELINING\nSIZE 1000"},
         "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"},
        {"multi-line repeats the enhanced code (RFC 2034 §3)",
         {550, "5.7.1", "one\ntwo"},
         "550-5.7.1 one\r\n550 5.7.1 two\r\n"},
        {"empty text: no trailing space", {354, "", ""}, "354\r\n"},
        {"empty text with enhanced code", {250, "2.0.0", ""}, "250 2.0.0\r\n"},
        {"CR, NUL and DEL in text are replaced, no line injected",
         {501, "5.1.3",
          std::string("a\rb\0c\x7f"
                      "d",
                      7)},
         "501 5.1.3 a?b?c?d\r\n"},
        {"non-ASCII replaced", {501, "5.1.3", "J\xc3\xbcrgen"}, "501 5.1.3 J??rgen\r\n"},
        {"tab kept (textstring allows HT)", {250, "2.0.0", "a\tb"}, "250 2.0.0 a\tb\r\n"},
    };
    for (const FormatCase& test : cases) {
        EXPECT_EQ(format_reply(test.reply), test.want) << test.name;
    }
}

TEST(SmtpReply, CapsEachLineAt512Octets)
{
    // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF.
    const Reply reply{250, "2.0.0", std::string(2000, 'x') + "\nshort"};
    const std::string wire = format_reply(reply);
    const std::size_t first_end = wire.find("\r\n");
    ASSERT_NE(first_end, std::string::npos);
    EXPECT_EQ(first_end + 2, max_reply_line);
    EXPECT_EQ(wire.substr(0, 10), "250-2.0.0 ");
    EXPECT_EQ(wire.substr(first_end + 2), "250 2.0.0 short\r\n");
}

TEST(SmtpReply, EnhancedCodeSyntax)
{
    // RFC 3463 §2: class "." subject "." detail; class 2/4/5; 1*3 digits; no leading zeros.
    const std::pair<const char*, bool> cases[] = {
        {"2.0.0", true},     {"5.1.3", true},   {"4.7.28", true},    {"5.5.4", true},
        {"5.999.999", true}, {"", false},       {"3.0.0", false},    {"5.1", false},
        {"5..1", false},     {"5.01.1", false}, {"5.1.1000", false}, {"5.1.a", false},
        {"55.1.1", false},   {"5.1.1 ", false}, {"5-1-1", false},
    };
    for (const auto& [text, want] : cases) {
        EXPECT_EQ(is_well_formed_enhanced(text), want) << text;
    }
}

TEST(SmtpReply, ErrorReplyNeedsMatchingClass)
{
    EXPECT_TRUE(is_error_reply({501, "5.5.4", "x"}));
    EXPECT_TRUE(is_error_reply({452, "4.5.3", "x"}));
    EXPECT_FALSE(is_error_reply({250, "2.0.0", "x"}));  // not an error
    EXPECT_FALSE(is_error_reply({501, "4.5.4", "x"}));  // class mismatch
    EXPECT_FALSE(is_error_reply({501, "", "x"}));       // no enhanced code
}

TEST(SmtpReply, ParsedHoldsValueOrRefusal)
{
    const Parsed<int> good = 7;
    ASSERT_TRUE(good);
    EXPECT_EQ(*good, 7);
    const Parsed<int> bad = Reply{500, "5.5.2", "no"};
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, 500);
    const Parsed<void> fine;
    EXPECT_TRUE(fine);
}

}  // namespace
TEST(ReplyLine, OneLineForLogsAndTheQueue)
{
    EXPECT_EQ(reply_line(Reply{550, "5.1.1", "No such user"}), "550 5.1.1 No such user");
    EXPECT_EQ(reply_line(Reply{421, "", "closing"}), "421 closing");
    EXPECT_EQ(reply_line(Reply{250, "", ""}), "250");
    EXPECT_EQ(reply_line(Reply{451, "4.3.0", "first\nsecond\r"}), "451 4.3.0 first second ");
}

}  // namespace harbor::smtp
