// Unit tests for smtp/protocol/path: Reverse-path and Forward-path (RFC 5321 §4.1.2,
// §4.1.1.2-3), source routes (Appendix C), length limits (§4.5.3.1, SECURITY-CASES A.11),
// UTF-8 and SMTPUTF8 (RFC 6531 §3.3, §3.5), relay tricks (SECURITY-CASES A.22, A.23).
// Parameters are tested in parameters_test.cpp. Table-driven.
#include "smtp/protocol/path.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::smtp {
namespace {

struct PathCase {
    const char* name;
    std::string argument;
    std::string want_address;
};

struct PathRefusalCase {
    const char* name;
    std::string argument;
    int want_code;
    const char* want_enhanced;
};

Extensions utf8_extensions()
{
    Extensions extensions;
    extensions.smtputf8 = true;
    return extensions;
}

TEST(SmtpPath, ParsesReversePaths)
{
    const std::string local64(64, 'l');
    const PathCase cases[] = {
        {"simple", "FROM:<a@ext.example>", "a@ext.example"},
        {"FROM: is case-insensitive", "from:<a@ext.example>", "a@ext.example"},
        {"one space after the colon tolerated", "FROM: <a@ext.example>", "a@ext.example"},
        {"null reverse-path (§4.1.1.2)", "FROM:<>", ""},
        {"null path with a space", "FROM: <>", ""},
        {"domain lower-cased, local part kept", "FROM:<John.Doe@EXT.Example>",
         "John.Doe@ext.example"},
        {"quoted local part with quoted-pair", "FROM:<\"john\\\"doe\"@ext.example>",
         "\"john\\\"doe\"@ext.example"},
        {"quoted local part with '>' inside", "FROM:<\"a>b\"@ext.example>", "\"a>b\"@ext.example"},
        {"needless quotes removed", "FROM:<\"john\"@ext.example>", "john@ext.example"},
        {"IPv4 literal (§4.1.3)", "FROM:<a@[192.0.2.1]>", "a@[192.0.2.1]"},
        {"IPv6 literal", "FROM:<a@[IPv6:2001:DB8::1]>", "a@[IPv6:2001:db8::1]"},
        {"source route ignored (App. C)", "FROM:<@relay.example,@hop.example:a@ext.example>",
         "a@ext.example"},
        {"source route with a literal", "FROM:<@[IPv6:2001:db8::1]:a@ext.example>",
         "a@ext.example"},
        {"local part of 64 octets (§4.5.3.1.1)", "FROM:<" + local64 + "@ext.example>",
         local64 + "@ext.example"},
        {"trailing spaces before parameters", "FROM:<a@ext.example>  ", "a@ext.example"},
    };
    const Extensions extensions;
    for (const PathCase& test : cases) {
        const Parsed<MailFrom> mail = parse_mail_from(test.argument, extensions);
        ASSERT_TRUE(mail) << test.name << ": " << mail.error().text;
        EXPECT_EQ(mail->address, test.want_address) << test.name;
        EXPECT_EQ(mail->mailbox.has_value(), !test.want_address.empty()) << test.name;
    }
}

TEST(SmtpPath, ParsesForwardPaths)
{
    const PathCase cases[] = {
        {"simple", "TO:<u@ours.example>", "u@ours.example"},
        {"to: lower case", "to:<u@ours.example>", "u@ours.example"},
        {"space after colon", "TO: <u@ours.example>", "u@ours.example"},
        // SECURITY-CASES A.22: '%' is an ordinary local part character; the relay check sees
        // the literal domain and refuses it.
        {"percent hack stays in the local part", "TO:<v%ext.example@[192.0.2.1]>",
         "v%ext.example@[192.0.2.1]"},
        {"quoted local part with @", "TO:<\"v@ext.example\"@ours.example>",
         "\"v@ext.example\"@ours.example"},
        // SECURITY-CASES A.23: the route is dropped, the real destination remains.
        {"source route to a literal", "TO:<@[192.0.2.1]:v@ext.example>", "v@ext.example"},
        {"source route list", "TO:<@ours.example,@x.test:v@ext.example>", "v@ext.example"},
        {"bang path is a local part", "TO:<ext!v@ours.example>", "ext!v@ours.example"},
        {"postmaster with domain is a normal mailbox", "TO:<Postmaster@ours.example>",
         "Postmaster@ours.example"},
    };
    const Extensions extensions;
    for (const PathCase& test : cases) {
        const Parsed<RcptTo> rcpt =
            parse_rcpt_to(test.argument, extensions, Utf8Addresses::Refused);
        ASSERT_TRUE(rcpt) << test.name << ": " << rcpt.error().text;
        EXPECT_EQ(rcpt->address, test.want_address) << test.name;
        EXPECT_FALSE(rcpt->postmaster) << test.name;
        ASSERT_TRUE(rcpt->mailbox.has_value()) << test.name;
    }
}

TEST(SmtpPath, BarePostmaster)
{
    // §4.1.1.3: "<Postmaster>" without a domain must be accepted; ABNF is case-insensitive.
    for (const char* argument : {"TO:<Postmaster>", "TO:<postmaster>", "to: <POSTMASTER>"}) {
        const Parsed<RcptTo> rcpt = parse_rcpt_to(argument, Extensions{}, Utf8Addresses::Refused);
        ASSERT_TRUE(rcpt) << argument;
        EXPECT_TRUE(rcpt->postmaster) << argument;
        EXPECT_EQ(rcpt->address, "postmaster") << argument;
        EXPECT_FALSE(rcpt->mailbox.has_value()) << argument;
    }
    // A reverse-path has no Postmaster special case.
    EXPECT_FALSE(parse_mail_from("FROM:<Postmaster>", Extensions{}));
}

TEST(SmtpPath, RefusesBadPaths)
{
    const std::string local65(65, 'l');
    const std::string label63(63, 'd');
    // 4 labels of 63 + 3 dots = 255; with "u@" and "<>" the path is 260 > 256.
    const std::string domain255 = label63 + "." + label63 + "." + label63 + "." + label63;
    const PathRefusalCase cases[] = {
        {"no FROM:", "<a@ext.example>", 501, "5.5.4"},
        {"FROM without colon", "FROM <a@ext.example>", 501, "5.5.4"},
        {"TO: in MAIL", "TO:<a@ext.example>", 501, "5.5.4"},
        {"no angle brackets", "FROM:a@ext.example", 501, "5.1.3"},
        {"two spaces after colon", "FROM:  <a@ext.example>", 501, "5.1.3"},
        {"unbalanced <", "FROM:<a@ext.example", 501, "5.1.3"},
        {"nested <", "FROM:<<a@ext.example>>", 501, "5.1.3"},
        {"junk after >", "FROM:<a@ext.example>x", 501, "5.5.4"},
        {"no domain", "FROM:<a>", 501, "5.1.3"},
        {"empty local part", "FROM:<@ext.example>", 501, "5.1.3"},
        {"two @ (SECURITY-CASES A.22)", "FROM:<v@ext.example@[192.0.2.1]>", 501, "5.1.3"},
        {"local part of 65 (§4.5.3.1.1, A.11)", "FROM:<" + local65 + "@ext.example>", 501, "5.1.3"},
        {"path over 256 (§4.5.3.1.3, A.11)", "FROM:<u@" + domain255 + ">", 501, "5.1.3"},
        {"label of 64", "FROM:<u@" + std::string(64, 'd') + ".example>", 501, "5.1.3"},
        {"space in local part", "FROM:<a b@ext.example>", 501, "5.1.3"},
        {"double dot", "FROM:<a..b@ext.example>", 501, "5.1.3"},
        {"trailing dot in domain (A.23)", "FROM:<v@ext.example.>", 501, "5.1.3"},
        {"underscore in domain", "FROM:<a@ex_t.example>", 501, "5.1.3"},
        {"bad IPv4 literal", "FROM:<a@[192.0.2.256]>", 501, "5.1.3"},
        {"bad IPv6 literal", "FROM:<a@[IPv6:2001:db8:::1]>", 501, "5.1.3"},
        {"IPv6 without tag", "FROM:<a@[2001:db8::1]>", 501, "5.1.3"},
        {"general literal not supported", "FROM:<a@[x400:foo]>", 501, "5.1.3"},
        {"numeric top-level label", "FROM:<a@192.0.2.1>", 501, "5.1.3"},
        {"unterminated quoted string", "FROM:<\"abc@ext.example>", 501, "5.1.3"},
        {"source route without colon", "FROM:<@relay.example,a@ext.example>", 501, "5.1.3"},
        {"bad route hop", "FROM:<@relay.example,bad:a@ext.example>", 501, "5.1.3"},
        {"bad domain in route", "FROM:<@-bad.example:a@ext.example>", 501, "5.1.3"},
        {"expansion injection (A.25) is just a bad local part",
         "FROM:<${run{/bin/sh -c id}}@ours.example>", 501, "5.1.3"},
        {"UTF-8 without SMTPUTF8 (RFC 6531 §3.5)", "FROM:<J\xc3\xbcrgen@ext.example>", 553,
         "5.6.7"},
        {"U-label without SMTPUTF8",
         "FROM:<a@b\xc3\xbc"
         "cher.example>",
         553, "5.6.7"},
    };
    const Extensions extensions;
    for (const PathRefusalCase& test : cases) {
        const Parsed<MailFrom> mail = parse_mail_from(test.argument, extensions);
        ASSERT_FALSE(mail) << test.name << " parsed as " << mail->address;
        EXPECT_EQ(mail.error().code, test.want_code) << test.name << ": " << mail.error().text;
        EXPECT_EQ(mail.error().enhanced, test.want_enhanced) << test.name;
        EXPECT_TRUE(is_error_reply(mail.error())) << test.name;
    }
}

TEST(SmtpPath, RefusesBadForwardPaths)
{
    const PathRefusalCase cases[] = {
        {"null forward-path", "TO:<>", 501, "5.1.3"},
        {"no TO:", "<u@ours.example>", 501, "5.5.4"},
        // SECURITY-CASES A.22: a Forward-path needs a domain unless it is <Postmaster>.
        {"quoted address without domain", "TO:<\"v@ext.example\">", 501, "5.1.3"},
        {"quoted percent without domain", "TO:<\"v%ext.example\">", 501, "5.1.3"},
        {"two @", "TO:<v@ext.example@[192.0.2.1]>", 501, "5.1.3"},
        {"two @ with our domain", "TO:<v@ext.example@ours.example>", 501, "5.1.3"},
        {"bang path without domain", "TO:<ext!v>", 501, "5.1.3"},
        {"Postmaster with junk", "TO:<Postmaster x>", 501, "5.1.3"},
        {"CRLF injection in quoted local part (A.27)",
         "TO:<\"a\r\nRCPT TO:<v@ext.example>\"@ours.example>", 501, "5.1.3"},
        {"UTF-8 in transaction without SMTPUTF8", "TO:<J\xc3\xbcrgen@ours.example>", 553, "5.6.7"},
    };
    for (const PathRefusalCase& test : cases) {
        const Parsed<RcptTo> rcpt =
            parse_rcpt_to(test.argument, utf8_extensions(), Utf8Addresses::Refused);
        ASSERT_FALSE(rcpt) << test.name << " parsed as " << rcpt->address;
        EXPECT_EQ(rcpt.error().code, test.want_code) << test.name << ": " << rcpt.error().text;
        EXPECT_EQ(rcpt.error().enhanced, test.want_enhanced) << test.name;
    }
}

TEST(SmtpPath, LengthLimitsAtTheBoundary)
{
    // SECURITY-CASES A.11: exactly 64 and 255 accepted, path of 256 accepted.
    const std::string label63(63, 'd');
    std::string domain = label63 + "." + label63 + "." + label63 + "." + std::string(57, 'e');
    ASSERT_EQ(domain.size(), 249U);
    // "<" + "uuuu@" + 249 + ">" = 256 octets.
    const Parsed<RcptTo> at_limit =
        parse_rcpt_to("TO:<uuuu@" + domain + ">", Extensions{}, Utf8Addresses::Refused);
    ASSERT_TRUE(at_limit) << at_limit.error().text;
    EXPECT_EQ(at_limit->address.size() + 2, 256U);
    const Parsed<RcptTo> over =
        parse_rcpt_to("TO:<uuuuu@" + domain + ">", Extensions{}, Utf8Addresses::Refused);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, 501);
    EXPECT_EQ(over.error().enhanced, "5.1.3");
}

TEST(SmtpPath, Utf8WithSmtputf8)
{
    // RFC 6531 §3.3: UTF-8 local parts and U-labels once MAIL carried SMTPUTF8.
    const Parsed<MailFrom> mail = parse_mail_from(
        "FROM:<J\xc3\xbcrgen@B\xc3\xbc"
        "cher.example> SMTPUTF8",
        utf8_extensions());
    ASSERT_TRUE(mail) << mail.error().text;
    EXPECT_TRUE(mail->smtputf8);
    EXPECT_EQ(mail->address, "J\xc3\xbcrgen@xn--bcher-kva.example");

    // Advertised but not requested on this MAIL: still 553 5.6.7.
    const Parsed<MailFrom> not_requested =
        parse_mail_from("FROM:<J\xc3\xbcrgen@ext.example>", utf8_extensions());
    ASSERT_FALSE(not_requested);
    EXPECT_EQ(not_requested.error().code, 553);

    const Parsed<RcptTo> rcpt =
        parse_rcpt_to("TO:<\xc3\xbcser@ours.example>", utf8_extensions(), Utf8Addresses::Allowed);
    ASSERT_TRUE(rcpt) << rcpt.error().text;
    EXPECT_EQ(rcpt->address, "\xc3\xbcser@ours.example");

    // Invalid UTF-8 is a syntax error even with SMTPUTF8.
    const Parsed<RcptTo> broken =
        parse_rcpt_to("TO:<\xc3(@ours.example>", utf8_extensions(), Utf8Addresses::Allowed);
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().enhanced, "5.1.3");
}

}  // namespace
}  // namespace harbor::smtp
