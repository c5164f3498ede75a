// Unit tests for smtp/protocol/reply_parser: server replies as a client reads them (RFC 5321
// §4.2, §4.2.1), enhanced codes (RFC 2034 §3, RFC 3463 §2), the line and reply bounds
// (§4.5.3.1.5), hostile input, one line at a time, and the EHLO keywords (§4.1.1.1).
#include "smtp/protocol/reply_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::smtp {
namespace {

Result<Reply> parse(const std::vector<std::string>& lines)
{
    std::vector<std::string_view> views(lines.begin(), lines.end());
    return parse_reply(views);
}

struct GoodCase {
    const char* name;
    std::vector<std::string> lines;
    Reply want;
};

TEST(SmtpReplyParser, ParsesSingleAndMultiLineReplies)
{
    const GoodCase cases[] = {
        {"greeting", {"220 mx.example ESMTP Postfix"}, {220, "", "mx.example ESMTP Postfix"}},
        {"enhanced code taken off", {"250 2.1.0 Ok"}, {250, "2.1.0", "Ok"}},
        {"code only (Reply-code CRLF)", {"250"}, {250, "", ""}},
        {"code and a space (smtp-sink's last EHLO line)", {"250 "}, {250, "", ""}},
        {"enhanced code alone", {"250 2.0.0"}, {250, "2.0.0", ""}},
        {"multi-line",
         {"250-mx.example", "250-PIPELINING", "250 SIZE 1000"},
         {250, "", "mx.example\nPIPELINING\nSIZE 1000"}},
        {"enhanced code on every line (RFC 2034 §3)",
         {"550-5.7.1 one", "550-5.7.1 two", "550 5.7.1 three"},
         {550, "5.7.1", "one\ntwo\nthree"}},
        {"a later line without the enhanced code keeps its text",
         {"452-4.5.3 Too many", "452 recipients"},
         {452, "4.5.3", "Too many\nrecipients"}},
        {"enhanced code of another class is text (RFC 3463 §2)",
         {"250 5.1.1 odd"},
         {250, "", "5.1.1 odd"}},
        {"malformed enhanced code is text", {"550 5.01.1 x"}, {550, "", "5.01.1 x"}},
        {"a word that merely starts like a code is text",
         {"250 2.0.0x ok"},
         {250, "", "2.0.0x ok"}},
        {"354 has no enhanced code",
         {"354 End data with <CR><LF>.<CR><LF>"},
         {354, "", "End data with <CR><LF>.<CR><LF>"}},
        {"control characters become '?'",
         {std::string("554 5.7.1 a\rb\0c\x1b"
                      "d",
                      17)},
         {554, "5.7.1", "a?b?c?d"}},
        {"UTF-8 text stays (RFC 6531 §3.7.4)",
         {"550 5.1.1 J\xc3\xbcrgen unknown"},
         {550, "5.1.1", "J\xc3\xbcrgen unknown"}},
        {"tab stays", {"250 2.0.0 a\tb"}, {250, "2.0.0", "a\tb"}},
        {"599 and 200 are in range", {"599 x"}, {599, "", "x"}},
    };
    for (const GoodCase& test : cases) {
        Result<Reply> got = parse(test.lines);
        ASSERT_TRUE(got.has_value()) << test.name << ": " << got.error().to_string();
        EXPECT_EQ(*got, test.want) << test.name;
    }
}

struct BadCase {
    const char* name;
    std::vector<std::string> lines;
    Errc want;
};

TEST(SmtpReplyParser, RefusesMalformedReplies)
{
    const BadCase cases[] = {
        {"empty line", {""}, Errc::Invalid},
        {"two digits", {"25"}, Errc::Invalid},
        {"letters", {"OK hello"}, Errc::Invalid},
        {"code with a letter", {"25x ok"}, Errc::Invalid},
        {"code below 200", {"199 x"}, Errc::Invalid},
        {"code 100", {"100 x"}, Errc::Invalid},
        {"code above 599", {"600 x"}, Errc::Invalid},
        {"code 999", {"999 x"}, Errc::Invalid},
        {"no separator", {"250ok"}, Errc::Invalid},
        {"tab as separator", {"250\tok"}, Errc::Invalid},
        {"four digits", {"2500 x"}, Errc::Invalid},
        {"mixed codes (RFC 5321 §4.2.1)", {"250-a", "251 b"}, Errc::Invalid},
        {"mixed classes", {"250-a", "550 b"}, Errc::Invalid},
        {"no last line", {"250-a", "250-b"}, Errc::Invalid},
        {"a line after the last", {"250 a", "250 b"}, Errc::Invalid},
        {"HTTP instead of SMTP", {"HTTP/1.1 400 Bad Request"}, Errc::Invalid},
        {"line of 511 octets (513 with CRLF)", {"250 " + std::string(507, 'x')}, Errc::Limit},
    };
    for (const BadCase& test : cases) {
        Result<Reply> got = parse(test.lines);
        ASSERT_FALSE(got.has_value()) << test.name;
        EXPECT_EQ(got.error().code, test.want) << test.name << ": " << got.error().to_string();
    }
}

TEST(SmtpReplyParser, AcceptsA510OctetLineAndNoLonger)
{
    // RFC 5321 §4.5.3.1.5: 512 octets including the CRLF.
    EXPECT_TRUE(parse({"250 " + std::string(506, 'x')}).has_value());
    EXPECT_FALSE(parse({"250 " + std::string(507, 'x')}).has_value());
}

TEST(SmtpReplyParser, BoundsTheNumberOfLines)
{
    std::vector<std::string> lines(max_reply_lines - 1, "250-x");
    lines.push_back("250 y");
    EXPECT_TRUE(parse(lines).has_value());

    ReplyParser parser;
    for (std::size_t i = 0; i < max_reply_lines; ++i) {
        ASSERT_TRUE(parser.add_line("250-x").has_value());
    }
    Result<ReplyParser::Status> over = parser.add_line("250 y");
    ASSERT_FALSE(over.has_value());
    EXPECT_EQ(over.error().code, Errc::Limit);
}

TEST(SmtpReplyParser, ReadsOneLineAtATimeAndResets)
{
    ReplyParser parser;
    Result<ReplyParser::Status> first = parser.add_line("250-mx.example");
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(*first, ReplyParser::Status::NeedMore);
    Result<ReplyParser::Status> last = parser.add_line("250 8BITMIME");
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(*last, ReplyParser::Status::Complete);
    EXPECT_EQ(parser.reply(), (Reply{250, "", "mx.example\n8BITMIME"}));
    EXPECT_FALSE(parser.add_line("250 again").has_value()) << "complete until reset";
    parser.reset();
    Result<ReplyParser::Status> next = parser.add_line("221 2.0.0 Bye");
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(parser.reply(), (Reply{221, "2.0.0", "Bye"}));
}

TEST(SmtpReplyParser, FormattedRepliesParseBackToThemselves)
{
    const Reply replies[] = {
        {250, "2.1.0", "Ok"},
        {550, "5.7.1", "one\ntwo\n"},
        {220, "", "mx.example ESMTP"},
        {250, "", "mx.example\nPIPELINING\nSIZE 10240000\nSTARTTLS"},
        {451, "4.3.0", ""},
    };
    for (const Reply& reply : replies) {
        const std::string wire = format_reply(reply);
        std::vector<std::string> lines;
        std::size_t start = 0;
        while (start < wire.size()) {
            const std::size_t crlf = wire.find("\r\n", start);
            lines.push_back(wire.substr(start, crlf - start));
            start = crlf + 2;
        }
        Result<Reply> back = parse(lines);
        ASSERT_TRUE(back.has_value()) << wire;
        EXPECT_EQ(*back, reply) << wire;
    }
}

TEST(SmtpEhloKeywords, ReadsTheExtensionsAServerOffers)
{
    const Reply ehlo{250, "",
                     "mx.example Hello client\n"
                     "PIPELINING\n"
                     "SIZE 10240000\n"
                     "8bitmime\n"
                     "SMTPUTF8\n"
                     "DSN\n"
                     "CHUNKING\n"
                     "BINARYMIME\n"
                     "STARTTLS\n"
                     "REQUIRETLS\n"
                     "ENHANCEDSTATUSCODES\n"
                     "AUTH PLAIN login SCRAM-SHA-256\n"
                     "AUTH=PLAIN XOAUTH2\n"
                     "XFORWARD NAME ADDR\n"
                     "VRFY"};
    const ServerExtensions got = parse_ehlo_keywords(ehlo);
    EXPECT_TRUE(got.pipelining);
    EXPECT_TRUE(got.size);
    EXPECT_EQ(got.max_size, 10240000u);
    EXPECT_TRUE(got.eightbitmime) << "keywords are case-insensitive";
    EXPECT_TRUE(got.smtputf8);
    EXPECT_TRUE(got.dsn);
    EXPECT_TRUE(got.chunking);
    EXPECT_TRUE(got.binarymime);
    EXPECT_TRUE(got.starttls);
    EXPECT_TRUE(got.requiretls);
    EXPECT_TRUE(got.enhancedstatuscodes);
    EXPECT_EQ(got.auth_mechanisms,
              (std::vector<std::string>{"PLAIN", "LOGIN", "SCRAM-SHA-256", "XOAUTH2"}));
}

TEST(SmtpEhloKeywords, TheFirstLineIsTheServerNameNotAKeyword)
{
    EXPECT_EQ(parse_ehlo_keywords(Reply{250, "", "PIPELINING"}), ServerExtensions{});
    EXPECT_EQ(parse_ehlo_keywords(Reply{250, "", ""}), ServerExtensions{});
}

TEST(SmtpEhloKeywords, HostileValuesGiveSafeDefaults)
{
    struct SizeCase {
        const char* line;
        std::uint64_t want;
    };
    const SizeCase sizes[] = {
        {"SIZE", 0},
        {"SIZE 0", 0},
        {"SIZE 18446744073709551615", 18446744073709551615u},
        {"SIZE 18446744073709551616", 0},  // over 64 bits: unknown, not wrapped
        {"SIZE 999999999999999999999", 0},
        {"SIZE -5", 0},
        {"SIZE 12abc", 0},
        {"SIZE  \t 2048", 2048},
    };
    for (const SizeCase& test : sizes) {
        const ServerExtensions got =
            parse_ehlo_keywords(Reply{250, "", std::string("mx\n") + test.line});
        EXPECT_TRUE(got.size) << test.line;
        EXPECT_EQ(got.max_size, test.want) << test.line;
    }
    std::string many = "mx\nAUTH";
    for (int i = 0; i < 1000; ++i) {
        many += " M" + std::to_string(i);
    }
    many += " " + std::string(21, 'A') + " BAD/CHAR PLAIN PLAIN";
    const ServerExtensions auth = parse_ehlo_keywords(Reply{250, "", many});
    EXPECT_EQ(auth.auth_mechanisms.size(), max_auth_mechanisms);
    EXPECT_EQ(auth.auth_mechanisms.front(), "M0");
}

}  // namespace
}  // namespace harbor::smtp
