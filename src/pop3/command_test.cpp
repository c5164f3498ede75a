// pop3::parse_command and the numeric arguments (RFC 1939 §3, §5, §7; RFC 2449 §3).
#include "pop3/command.hpp"

#include <gtest/gtest.h>

namespace harbor::pop3 {
namespace {

TEST(Pop3Command, KeywordsAnyCaseWithArguments)
{
    auto retr = parse_command("retr 3");
    ASSERT_TRUE(retr.has_value());
    EXPECT_EQ(retr->verb, Verb::Retr);
    ASSERT_EQ(retr->args.size(), 1u);
    EXPECT_EQ(retr->args[0], "3");
    auto top = parse_command("Top 1 10");
    ASSERT_TRUE(top.has_value());
    EXPECT_EQ(top->verb, Verb::Top);
    EXPECT_EQ(top->args, (std::vector<std::string>{"1", "10"}));
    auto list = parse_command("LIST");
    ASSERT_TRUE(list.has_value());
    EXPECT_TRUE(list->args.empty());
    auto auth = parse_command("AUTH PLAIN AGEAYg==");
    ASSERT_TRUE(auth.has_value());
    EXPECT_EQ(auth->args, (std::vector<std::string>{"PLAIN", "AGEAYg=="}));
}

TEST(Pop3Command, PassTakesTheRestOfTheLine)
{
    auto pass = parse_command("PASS my secret  pass");
    ASSERT_TRUE(pass.has_value());
    EXPECT_EQ(pass->verb, Verb::Pass);
    EXPECT_EQ(pass->args, (std::vector<std::string>{"my secret  pass"}));
    EXPECT_EQ(parse_command("PASS").error().code, Errc::Invalid);
    EXPECT_EQ(parse_command("PASS ").error().code, Errc::Invalid);
}

TEST(Pop3Command, UnknownAndMalformed)
{
    EXPECT_EQ(parse_command("XYZZY").error().code, Errc::Unsupported);
    EXPECT_EQ(parse_command("APOP u 0123").error().code, Errc::Unsupported);
    EXPECT_EQ(parse_command("").error().code, Errc::Unsupported);
    EXPECT_EQ(parse_command(" RETR 1").error().code, Errc::Unsupported);
    EXPECT_EQ(parse_command("RETR").error().code, Errc::Invalid);
    EXPECT_EQ(parse_command("RETR 1 2").error().code, Errc::Invalid);
    EXPECT_EQ(parse_command("RETR  1").error().code, Errc::Invalid);
    EXPECT_EQ(parse_command("LIST ").error().code, Errc::Invalid);
    EXPECT_EQ(parse_command("STAT 1").error().code, Errc::Invalid);
    EXPECT_EQ(parse_command("TOP 1").error().code, Errc::Invalid);
    EXPECT_EQ(parse_command("USER a\tb").error().code, Errc::Invalid);
    EXPECT_EQ(parse_command(std::string_view("NOOP\0", 5)).error().code, Errc::Unsupported);
    EXPECT_EQ(parse_command(std::string_view("USER a\0b", 8)).error().code, Errc::Invalid);
}

TEST(Pop3Command, MessageNumbers)
{
    EXPECT_EQ(parse_message_number("1"), 1u);
    EXPECT_EQ(parse_message_number("0042"), 42u);
    EXPECT_EQ(parse_message_number("4294967295"), 4294967295u);
    EXPECT_FALSE(parse_message_number("4294967296"));
    EXPECT_FALSE(parse_message_number("99999999999999999999"));
    EXPECT_FALSE(parse_message_number("0"));
    EXPECT_FALSE(parse_message_number("-1"));
    EXPECT_FALSE(parse_message_number("+1"));
    EXPECT_FALSE(parse_message_number("1x"));
    EXPECT_FALSE(parse_message_number(""));
    EXPECT_EQ(parse_line_count("0"), 0u);
    EXPECT_FALSE(parse_line_count("-1"));
}

}  // namespace
}  // namespace harbor::pop3
