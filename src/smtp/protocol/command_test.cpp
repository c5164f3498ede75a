// Unit tests for smtp/protocol/command: verbs (RFC 5321 §2.4, §4.1.1), forbidden non-SMTP lines
// (SECURITY-CASES A.8), the line limit (§4.5.3.1.4), NUL/bare CR/LF (A.4), UTF-8 (RFC 6531),
// EHLO/HELO (§4.1.1.1), BDAT (RFC 3030 §2, A.15) and AUTH (RFC 4954 §4). Table-driven.
#include "smtp/protocol/command.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::smtp {
namespace {

struct CommandCase {
    const char* name;
    std::string line;
    Verb want_verb;
    std::string want_argument;
};

TEST(SmtpCommand, SplitsVerbAndArgument)
{
    const CommandCase cases[] = {
        {"EHLO", "EHLO client.example", Verb::Ehlo, "client.example"},
        {"verbs are case-insensitive (§2.4)", "ehLo client.example", Verb::Ehlo, "client.example"},
        {"HELO", "HELO x", Verb::Helo, "x"},
        {"MAIL keeps its argument", "MAIL FROM:<a@b.example> SIZE=10", Verb::Mail,
         "FROM:<a@b.example> SIZE=10"},
        {"RCPT", "rcpt TO:<u@ours.example>", Verb::Rcpt, "TO:<u@ours.example>"},
        {"DATA", "DATA", Verb::Data, ""},
        {"trailing white space tolerated (§4.1.1)", "DATA \t ", Verb::Data, ""},
        {"BDAT", "BDAT 100 LAST", Verb::Bdat, "100 LAST"},
        {"RSET", "RSET", Verb::Rset, ""},
        {"NOOP", "NOOP", Verb::Noop, ""},
        {"NOOP with a string (§4.1.1.9)", "NOOP hello", Verb::Noop, "hello"},
        {"QUIT", "quit", Verb::Quit, ""},
        {"HELP", "HELP", Verb::Help, ""},
        {"HELP topic", "HELP MAIL", Verb::Help, "MAIL"},
        {"VRFY", "VRFY root", Verb::Vrfy, "root"},
        {"EXPN", "EXPN staff", Verb::Expn, "staff"},
        {"STARTTLS", "STARTTLS", Verb::Starttls, ""},
        {"AUTH", "AUTH PLAIN AHUAcA==", Verb::Auth, "PLAIN AHUAcA=="},
        {"runs of spaces after the verb", "VRFY   root", Verb::Vrfy, "root"},
        {"UTF-8 in MAIL is left to the path parser", "MAIL FROM:<J\xc3\xbcrgen@x.example>",
         Verb::Mail, "FROM:<J\xc3\xbcrgen@x.example>"},
        // SECURITY-CASES A.8: not SMTP, the session closes.
        {"HTTP GET", "GET / HTTP/1.1", Verb::Forbidden, ""},
        {"HTTP proxy CONNECT", "CONNECT 10.0.0.1:25 HTTP/1.0", Verb::Forbidden, ""},
        {"HTTP POST", "POST /", Verb::Forbidden, ""},
        {"HTTP lower case", "get /", Verb::Forbidden, ""},
        {"HTTP/2 preface", "PRI * HTTP/2.0", Verb::Forbidden, ""},
        {"POP3 USER", "USER x", Verb::Forbidden, ""},
        {"POP3 PASS", "PASS secret", Verb::Forbidden, ""},
        {"header label", "Subject: hi", Verb::Forbidden, ""},
        {"header label without space", "From:<a@b.example>", Verb::Forbidden, ""},
        {"header field name only", "Host:", Verb::Forbidden, ""},
        {"TLS ClientHello (binary first byte)", std::string("\x16\x03\x01\x02\x00", 5),
         Verb::Forbidden, ""},
        {"leading space", " EHLO x", Verb::Forbidden, ""},
        {"digit first", "1 2 3", Verb::Forbidden, ""},
        {"forbidden even when too long", "GET /" + std::string(5000, 'a'), Verb::Forbidden, ""},
    };
    const Extensions extensions;
    for (const CommandCase& test : cases) {
        const Parsed<Command> command = parse_command(test.line, extensions);
        ASSERT_TRUE(command) << test.name << ": " << command.error().text;
        EXPECT_EQ(command->verb, test.want_verb) << test.name;
        EXPECT_EQ(command->argument, test.want_argument) << test.name;
    }
}

struct RefusalCase {
    const char* name;
    std::string line;
    int want_code;
    const char* want_enhanced;
};

TEST(SmtpCommand, RefusesBadLines)
{
    const RefusalCase cases[] = {
        {"empty line", "", 500, "5.5.2"},
        {"only spaces", "   ", 500, "5.5.2"},
        {"unknown verb (RFC 5321 §4.2.4)", "FOO bar", 500, "5.5.1"},
        {"ETRN is not implemented", "ETRN example.org", 500, "5.5.1"},
        {"NUL in line", std::string("NOOP a\0b", 8), 500, "5.5.2"},
        {"bare LF (SECURITY-CASES A.4)", "EHLO x\nMAIL FROM:<a@b>", 500, "5.5.2"},
        {"bare CR (SECURITY-CASES A.4)", "EHLO c\r.test", 500, "5.5.2"},
        {"NUL in verb", std::string("NO\0OP", 5), 500, "5.5.2"},
        {"over 512 with CRLF (§4.5.3.1.4)", "NOOP " + std::string(506, 'a'), 500, "5.5.2"},
        {"unknown verb over the limit", "XYZW " + std::string(600, 'a'), 500, "5.5.2"},
        {"non-ASCII in EHLO",
         "EHLO b\xc3\xbc"
         "cher.example",
         500, "5.5.2"},
        {"non-ASCII in NOOP", "NOOP \xff", 500, "5.5.2"},
        {"VRFY with UTF-8 when SMTPUTF8 is not offered", "VRFY J\xc3\xbcrgen", 500, "5.5.2"},
        {"non-ASCII verb", "NO\xc3\xbcP", 500, "5.5.1"},
        {"DATA with argument", "DATA now", 501, "5.5.4"},
        {"RSET with argument", "RSET x", 501, "5.5.4"},
        {"QUIT with argument", "QUIT x", 501, "5.5.4"},
        {"STARTTLS with argument", "STARTTLS x", 501, "5.5.4"},
        {"EHLO without name", "EHLO", 501, "5.5.4"},
        {"MAIL without argument", "MAIL", 501, "5.5.4"},
        {"RCPT without argument", "RCPT   ", 501, "5.5.4"},
        {"BDAT without size", "BDAT", 501, "5.5.4"},
        {"AUTH without mechanism", "AUTH", 501, "5.5.4"},
    };
    const Extensions extensions;
    for (const RefusalCase& test : cases) {
        const Parsed<Command> command = parse_command(test.line, extensions);
        ASSERT_FALSE(command) << test.name;
        EXPECT_EQ(command.error().code, test.want_code) << test.name;
        EXPECT_EQ(command.error().enhanced, test.want_enhanced) << test.name;
        EXPECT_TRUE(is_error_reply(command.error())) << test.name;
    }
}

TEST(SmtpCommand, LineLimitIs512WithCrlfAndGrowsWithExtensions)
{
    const Extensions none;
    // 510 octets + CRLF = 512: accepted; 511 + CRLF: refused (RFC 5321 §4.5.3.1.4).
    EXPECT_TRUE(parse_command("NOOP " + std::string(505, 'a'), none));
    EXPECT_FALSE(parse_command("NOOP " + std::string(506, 'a'), none));

    // MAIL with every parameter of the advertised extensions may be longer.
    Extensions all;
    all.size = all.eightbitmime = all.smtputf8 = all.dsn = all.auth = all.requiretls = true;
    const std::string long_mail = "MAIL FROM:<a@b.example> ENVID=" + std::string(100, 'e') +
                                  " AUTH=" + std::string(400, 'a') + " SIZE=1 BODY=8BITMIME";
    ASSERT_GT(long_mail.size() + 2, max_command_line);
    EXPECT_FALSE(parse_command(long_mail, none));
    EXPECT_TRUE(parse_command(long_mail, all));
    EXPECT_EQ(command_line_limit(Verb::Rcpt, none), max_command_line);
    EXPECT_EQ(command_line_limit(Verb::Rcpt, all), max_command_line + 500);  // RFC 3461
    EXPECT_EQ(command_line_limit(Verb::Auth, none), max_auth_command_line);
    EXPECT_EQ(command_line_limit(Verb::Ehlo, all), max_command_line);
}

TEST(SmtpCommand, VrfyMayCarryUtf8WithSmtputf8)
{
    Extensions extensions;
    extensions.smtputf8 = true;  // RFC 6531 §3.7.4
    const Parsed<Command> command = parse_command("VRFY J\xc3\xbcrgen", extensions);
    ASSERT_TRUE(command);
    EXPECT_EQ(command->verb, Verb::Vrfy);
}

TEST(SmtpCommand, ForbiddenReplyDoesNotEchoAndCloses)
{
    const Reply reply = forbidden_command_reply();
    EXPECT_EQ(reply.code, 221);
    EXPECT_EQ(reply.enhanced, "2.7.0");
    EXPECT_EQ(verb_name(Verb::Starttls), "STARTTLS");
}

struct HeloCase {
    const char* name;
    std::string argument;
    std::string want_name;
    HeloForm want_form;
    std::string want_domain;
};

TEST(SmtpCommand, ParsesEhloLeniently)
{
    const HeloCase cases[] = {
        {"domain is lower-cased", "Mail.Example.ORG", "Mail.Example.ORG", HeloForm::Domain,
         "mail.example.org"},
        {"single label", "localhost", "localhost", HeloForm::Domain, "localhost"},
        {"IPv4 literal (§4.1.3)", "[192.0.2.1]", "[192.0.2.1]", HeloForm::AddressLiteral,
         "[192.0.2.1]"},
        {"IPv6 literal", "[IPv6:2001:DB8::1]", "[IPv6:2001:DB8::1]", HeloForm::AddressLiteral,
         "[IPv6:2001:db8::1]"},
        {"bad literal accepted as Other", "[999.1.1.1]", "[999.1.1.1]", HeloForm::Other, ""},
        {"bare IP accepted as Other (Postfix default)", "192.0.2.1", "192.0.2.1", HeloForm::Other,
         ""},
        {"underscore accepted as Other", "my_host", "my_host", HeloForm::Other, ""},
        {"trailing dot is Other", "mail.example.", "mail.example.", HeloForm::Other, ""},
        {"extra words ignored", "mail.example extra words", "mail.example", HeloForm::Domain,
         "mail.example"},
    };
    for (const HeloCase& test : cases) {
        const Parsed<Helo> helo = parse_helo(test.argument);
        ASSERT_TRUE(helo) << test.name;
        EXPECT_EQ(helo->name, test.want_name) << test.name;
        EXPECT_EQ(helo->form, test.want_form) << test.name;
        EXPECT_EQ(helo->domain, test.want_domain) << test.name;
    }
    EXPECT_EQ(parse_helo("").error().code, 501);
    EXPECT_EQ(parse_helo("b\xc3\xbc").error().enhanced, "5.5.4");  // RFC 6531 §3.7.1
}

struct BdatCase {
    const char* name;
    std::string argument;
    bool want_ok;
    std::uint64_t want_size;
    bool want_last;
    int want_code;
};

TEST(SmtpCommand, ParsesBdat)
{
    // RFC 3030 §2: chunk-size = 1*DIGIT, end-marker = "LAST".
    const BdatCase cases[] = {
        {"size", "100", true, 100, false, 0},
        {"size LAST", "100 LAST", true, 100, true, 0},
        {"LAST is case-insensitive", "5 last", true, 5, true, 0},
        {"zero LAST", "0 LAST", true, 0, true, 0},
        {"leading zeros", "007", true, 7, false, 0},
        {"largest 64-bit value", "18446744073709551615", true, 18446744073709551615ULL, false, 0},
        {"overflow is 552 (SECURITY-CASES A.15)", "99999999999999999999999 LAST", false, 0, false,
         552},
        {"2^64 overflows", "18446744073709551616", false, 0, false, 552},
        {"negative", "-1", false, 0, false, 501},
        {"not a number", "ten", false, 0, false, 501},
        {"exponent", "1e9", false, 0, false, 501},
        {"bad end marker", "10 FIRST", false, 0, false, 501},
        {"extra words", "10 LAST x", false, 0, false, 501},
        {"plus sign", "+5", false, 0, false, 501},
    };
    const Extensions extensions;
    for (const BdatCase& test : cases) {
        const Parsed<Bdat> bdat = parse_bdat(test.argument, extensions);
        ASSERT_EQ(static_cast<bool>(bdat), test.want_ok) << test.name;
        if (test.want_ok) {
            EXPECT_EQ(bdat->size, test.want_size) << test.name;
            EXPECT_EQ(bdat->last, test.want_last) << test.name;
        } else {
            EXPECT_EQ(bdat.error().code, test.want_code) << test.name;
            EXPECT_TRUE(is_error_reply(bdat.error())) << test.name;
        }
    }
    Extensions limited;
    limited.max_message_size = 10'000'000;
    // SECURITY-CASES A.15: BDAT 99999999999 LAST over the size limit -> 552 5.3.4.
    const Parsed<Bdat> too_big = parse_bdat("99999999999 LAST", limited);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, 552);
    EXPECT_EQ(too_big.error().enhanced, "5.3.4");
    EXPECT_TRUE(parse_bdat("10000000", limited));
}

TEST(SmtpCommand, ParsesAuth)
{
    // RFC 4954 §4: AUTH mechanism [initial-response]; "=" is an empty response.
    const Parsed<AuthCommand> plain = parse_auth("plain AHUAcA==");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->mechanism, "PLAIN");
    ASSERT_TRUE(plain->initial_response.has_value());
    EXPECT_EQ(*plain->initial_response, std::string("\0u\0p", 4));

    const Parsed<AuthCommand> login = parse_auth("LOGIN");
    ASSERT_TRUE(login);
    EXPECT_FALSE(login->initial_response.has_value());

    const Parsed<AuthCommand> empty = parse_auth("SCRAM-SHA-256 =");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->mechanism, "SCRAM-SHA-256");
    ASSERT_TRUE(empty->initial_response.has_value());
    EXPECT_TRUE(empty->initial_response->empty());

    const std::pair<const char*, const char*> refusals[] = {
        {"PLAIN AHUAcA", "5.5.2"},           // bad base64 (missing padding)
        {"PLAIN !!!!", "5.5.2"},             // not base64
        {"PLAIN ==", "5.5.2"},               // not "=" and not base64
        {"PL@IN", "5.5.4"},                  // bad mechanism character
        {"ABCDEFGHIJKLMNOPQRSTU", "5.5.4"},  // 21 characters (RFC 4422 §3.1: 1*20)
        {"PLAIN a b", "5.5.4"},              // extra word
        {"PLAIN ", "5.5.4"},                 // space without a response
    };
    for (const auto& [argument, enhanced] : refusals) {
        const Parsed<AuthCommand> auth = parse_auth(argument);
        ASSERT_FALSE(auth) << argument;
        EXPECT_EQ(auth.error().code, 501) << argument;
        EXPECT_EQ(auth.error().enhanced, enhanced) << argument;
    }
}

}  // namespace
}  // namespace harbor::smtp
