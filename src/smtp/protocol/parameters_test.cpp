// Unit tests for the ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2, §4.1.1.11): SIZE
// (RFC 1870), BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), RET/ENVID/NOTIFY/ORCPT
// (RFC 3461 §4), AUTH= (RFC 4954 §5), REQUIRETLS (RFC 8689), SECURITY-CASES A.13. Table-driven.
#include <gtest/gtest.h>

#include <string>

#include "smtp/protocol/path.hpp"

namespace harbor::smtp {
namespace {

Extensions all_extensions()
{
    Extensions extensions;
    extensions.size = true;
    extensions.eightbitmime = true;
    extensions.chunking = true;
    extensions.binarymime = true;
    extensions.smtputf8 = true;
    extensions.dsn = true;
    extensions.auth = true;
    extensions.requiretls = true;
    return extensions;
}

TEST(SmtpParameters, ParsesMailParameters)
{
    const Parsed<MailFrom> mail = parse_mail_from(
        "FROM:<a@ext.example> size=1000 BODY=8bitmime RET=HDRS ENVID=QQ+2B1 "
        "AUTH=e+2Bf@ext.example REQUIRETLS SMTPUTF8",
        all_extensions());
    ASSERT_TRUE(mail) << mail.error().text;
    EXPECT_EQ(mail->size, 1000U);
    EXPECT_EQ(mail->body, Body::EightBitMime);
    EXPECT_EQ(mail->ret, Ret::Headers);
    EXPECT_EQ(mail->envid, "QQ+1");
    EXPECT_EQ(mail->auth, "e+f@ext.example");
    EXPECT_TRUE(mail->requiretls);
    EXPECT_TRUE(mail->smtputf8);

    const Parsed<MailFrom> plain = parse_mail_from("FROM:<a@ext.example>", all_extensions());
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->size.has_value());
    EXPECT_EQ(plain->body, Body::Unspecified);
    EXPECT_EQ(plain->ret, Ret::Unspecified);
    EXPECT_FALSE(plain->auth.has_value());
    EXPECT_FALSE(plain->smtputf8);
}

struct ValueCase {
    const char* name;
    std::string parameters;
};

TEST(SmtpParameters, AcceptsValidValues)
{
    const ValueCase cases[] = {
        {"SIZE=0", "SIZE=0"},
        {"SIZE with leading zeros", "SIZE=000123"},
        {"SIZE of 2^64 - 1", "SIZE=18446744073709551615"},
        {"BODY=7BIT", "BODY=7BIT"},
        {"BODY=BINARYMIME (RFC 3030 §3)", "BODY=BINARYMIME"},
        {"RET=FULL", "RET=full"},
        {"ENVID of 100 (RFC 3461 §4.4)", "ENVID=" + std::string(100, 'e')},
        {"AUTH=<> (RFC 4954 §5)", "AUTH=<>"},
        {"runs of spaces between parameters", "SIZE=1    BODY=7BIT"},
        {"ENVID with hexchars", "ENVID=+2B+3D+20"},
    };
    for (const ValueCase& test : cases) {
        const Parsed<MailFrom> mail =
            parse_mail_from("FROM:<a@ext.example> " + test.parameters, all_extensions());
        EXPECT_TRUE(mail) << test.name << ": " << (mail ? "" : mail.error().text);
    }
}

struct ParameterRefusalCase {
    const char* name;
    std::string parameters;
    int want_code;
    const char* want_enhanced;
};

TEST(SmtpParameters, RefusesBadMailParameters)
{
    const ParameterRefusalCase cases[] = {
        // SECURITY-CASES A.13
        {"SIZE over 64 bits", "SIZE=99999999999999999999", 552, "5.3.4"},
        {"SIZE of 2^64", "SIZE=18446744073709551616", 552, "5.3.4"},
        {"SIZE of 30 digits", "SIZE=" + std::string(30, '9'), 552, "5.3.4"},
        {"SIZE negative", "SIZE=-1", 501, "5.5.4"},
        {"SIZE exponent", "SIZE=1e9", 501, "5.5.4"},
        {"SIZE empty (esmtp-value is 1*)", "SIZE=", 501, "5.5.4"},
        {"SIZE without value", "SIZE", 501, "5.5.4"},
        {"unknown parameter with quotes", "X=\"\"\"\"", 555, "5.5.4"},
        // RFC 5321 §4.1.2 syntax and §4.1.1.11
        {"duplicate parameter", "SIZE=1 SIZE=2", 501, "5.5.4"},
        {"duplicate in other case", "BODY=7BIT body=8BITMIME", 501, "5.5.4"},
        {"unknown parameter", "FOO=bar", 555, "5.5.4"},
        {"unknown parameter without value", "XYZZY", 555, "5.5.4"},
        {"keyword starting with hyphen", "-X=1", 501, "5.5.4"},
        {"keyword with underscore", "X_Y=1", 501, "5.5.4"},
        {"equals in value", "ENVID=a=b", 501, "5.5.4"},
        {"lone equals", "=", 501, "5.5.4"},
        {"control character in value", "ENVID=a\tb", 501, "5.5.4"},
        {"RCPT parameter on MAIL", "NOTIFY=NEVER", 555, "5.5.4"},
        // Values
        {"BODY unknown", "BODY=9BIT", 501, "5.5.4"},
        {"BODY without value", "BODY", 501, "5.5.4"},
        {"SMTPUTF8 with a value", "SMTPUTF8=yes", 501, "5.5.4"},
        {"REQUIRETLS with a value", "REQUIRETLS=1", 501, "5.5.4"},
        {"RET unknown", "RET=ALL", 501, "5.5.4"},
        {"ENVID over 100 (RFC 3461 §4.4)", "ENVID=" + std::string(101, 'e'), 501, "5.5.4"},
        {"ENVID bad xtext", "ENVID=a+", 501, "5.5.4"},
        {"ENVID lower-case hex", "ENVID=a+2b", 501, "5.5.4"},
        {"ENVID decoding to CR LF (header injection)", "ENVID=a+0D+0ABcc:x", 501, "5.5.4"},
        {"ENVID decoding to non-ASCII", "ENVID=+C3+BC", 501, "5.5.4"},
        {"AUTH not an address", "AUTH=foo", 501, "5.5.4"},
        {"AUTH bad xtext", "AUTH=a+ZZ@b.example", 501, "5.5.4"},
        {"AUTH decoding to NUL", "AUTH=a+00@b.example", 501, "5.5.4"},
    };
    for (const ParameterRefusalCase& test : cases) {
        const Parsed<MailFrom> mail =
            parse_mail_from("FROM:<a@ext.example> " + test.parameters, all_extensions());
        ASSERT_FALSE(mail) << test.name;
        EXPECT_EQ(mail.error().code, test.want_code) << test.name << ": " << mail.error().text;
        EXPECT_EQ(mail.error().enhanced, test.want_enhanced) << test.name;
        EXPECT_TRUE(is_error_reply(mail.error())) << test.name;
    }
}

TEST(SmtpParameters, RefusesParametersOfExtensionsNotAdvertised)
{
    // RFC 5321 §4.1.1.11: 555 for parameters that cannot be implemented in this state.
    const ParameterRefusalCase cases[] = {
        {"SIZE", "SIZE=10", 555, "5.5.4"},
        {"BODY", "BODY=8BITMIME", 555, "5.5.4"},
        {"SMTPUTF8 (RFC 6531)", "SMTPUTF8", 555, "5.5.4"},
        {"RET (DSN)", "RET=FULL", 555, "5.5.4"},
        {"ENVID (DSN)", "ENVID=x", 555, "5.5.4"},
        {"AUTH (RFC 4954 §5)", "AUTH=<>", 555, "5.5.4"},
        {"REQUIRETLS (RFC 8689, only after STARTTLS)", "REQUIRETLS", 555, "5.5.4"},
    };
    for (const ParameterRefusalCase& test : cases) {
        const Parsed<MailFrom> mail =
            parse_mail_from("FROM:<a@ext.example> " + test.parameters, Extensions{});
        ASSERT_FALSE(mail) << test.name;
        EXPECT_EQ(mail.error().code, test.want_code) << test.name;
        EXPECT_EQ(mail.error().enhanced, test.want_enhanced) << test.name;
    }
    Extensions eight_only;
    eight_only.eightbitmime = true;
    const Parsed<MailFrom> binary =
        parse_mail_from("FROM:<a@ext.example> BODY=BINARYMIME", eight_only);
    ASSERT_FALSE(binary);
    EXPECT_EQ(binary.error().code, 555);
}

TEST(SmtpParameters, SizeAboveTheAdvertisedLimit)
{
    // RFC 1870: a declared size over the fixed maximum is refused at MAIL with 552.
    Extensions extensions;
    extensions.size = true;
    extensions.max_message_size = 1000;
    EXPECT_TRUE(parse_mail_from("FROM:<a@ext.example> SIZE=1000", extensions));
    const Parsed<MailFrom> over = parse_mail_from("FROM:<a@ext.example> SIZE=1001", extensions);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, 552);
    EXPECT_EQ(over.error().enhanced, "5.3.4");
}

TEST(SmtpParameters, ParsesRcptParameters)
{
    const Parsed<RcptTo> rcpt =
        parse_rcpt_to("TO:<u@ours.example> NOTIFY=success,Delay ORCPT=rfc822;u+2Btag@ours.example",
                      all_extensions(), Utf8Addresses::Refused);
    ASSERT_TRUE(rcpt) << rcpt.error().text;
    EXPECT_TRUE(rcpt->notify.given);
    EXPECT_TRUE(rcpt->notify.success);
    EXPECT_TRUE(rcpt->notify.delay);
    EXPECT_FALSE(rcpt->notify.failure);
    EXPECT_FALSE(rcpt->notify.never);
    ASSERT_TRUE(rcpt->orcpt.has_value());
    EXPECT_EQ(rcpt->orcpt->type, "rfc822");
    EXPECT_EQ(rcpt->orcpt->address, "u+tag@ours.example");

    const Parsed<RcptTo> never = parse_rcpt_to("TO:<Postmaster> NOTIFY=NEVER ORCPT=X400;abc",
                                               all_extensions(), Utf8Addresses::Refused);
    ASSERT_TRUE(never) << never.error().text;
    EXPECT_TRUE(never->postmaster);
    EXPECT_TRUE(never->notify.never);
    EXPECT_EQ(never->orcpt->type, "x400");

    const Parsed<RcptTo> none =
        parse_rcpt_to("TO:<u@ours.example>", all_extensions(), Utf8Addresses::Refused);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->notify.given);
    EXPECT_FALSE(none->orcpt.has_value());
}

TEST(SmtpParameters, RefusesBadRcptParameters)
{
    const ParameterRefusalCase cases[] = {
        // SECURITY-CASES A.13
        {"ORCPT with unbalanced quote", "ORCPT=rfc822;\"\\\"", 501, "5.5.4"},
        {"NOTIFY empty", "NOTIFY=", 501, "5.5.4"},
        {"AUTH= is a MAIL parameter", "AUTH=<>", 555, "5.5.4"},
        {"unknown with quotes", "X=\"\"\"\"", 555, "5.5.4"},
        // RFC 3461 §4.1, §4.2
        {"NEVER combined", "NOTIFY=NEVER,SUCCESS", 501, "5.5.4"},
        {"NOTIFY unknown keyword", "NOTIFY=ALWAYS", 501, "5.5.4"},
        {"NOTIFY empty item", "NOTIFY=SUCCESS,,DELAY", 501, "5.5.4"},
        {"NOTIFY trailing comma", "NOTIFY=SUCCESS,", 501, "5.5.4"},
        {"NOTIFY twice", "NOTIFY=SUCCESS NOTIFY=DELAY", 501, "5.5.4"},
        {"ORCPT without type", "ORCPT=u@ours.example", 501, "5.5.4"},
        {"ORCPT empty type", "ORCPT=;u@ours.example", 501, "5.5.4"},
        {"ORCPT empty address", "ORCPT=rfc822;", 501, "5.5.4"},
        {"ORCPT bad type", "ORCPT=rf(822;u@ours.example", 501, "5.5.4"},
        {"ORCPT over 500 (RFC 3461 §4.2)", "ORCPT=x400;" + std::string(496, 'a'), 501, "5.5.4"},
        {"ORCPT decoding to LF", "ORCPT=x400;a+0Ab", 501, "5.5.4"},
        {"ORCPT bad xtext", "ORCPT=rfc822;u+@ours.example", 501, "5.5.4"},
        {"SIZE is a MAIL parameter", "SIZE=1", 555, "5.5.4"},
    };
    for (const ParameterRefusalCase& test : cases) {
        const Parsed<RcptTo> rcpt = parse_rcpt_to("TO:<u@ours.example> " + test.parameters,
                                                  all_extensions(), Utf8Addresses::Refused);
        ASSERT_FALSE(rcpt) << test.name;
        EXPECT_EQ(rcpt.error().code, test.want_code) << test.name << ": " << rcpt.error().text;
        EXPECT_EQ(rcpt.error().enhanced, test.want_enhanced) << test.name;
        EXPECT_TRUE(is_error_reply(rcpt.error())) << test.name;
    }
    // DSN parameters without the DSN extension: 555 (§4.1.1.11).
    const Parsed<RcptTo> no_dsn =
        parse_rcpt_to("TO:<u@ours.example> NOTIFY=NEVER", Extensions{}, Utf8Addresses::Refused);
    ASSERT_FALSE(no_dsn);
    EXPECT_EQ(no_dsn.error().code, 555);
}

}  // namespace
}  // namespace harbor::smtp
