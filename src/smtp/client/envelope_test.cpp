// Unit tests for smtp/client/envelope: the queued JSON (as smtp/server writes it) parsed again
// by smtp/protocol's MAIL and RCPT parsers, and the MAIL/RCPT lines for a server's extensions
// (RFC 1870 §6, RFC 6152 §2, RFC 6531 §3.4, RFC 3461 §4, RFC 8689 §4.1).
#include "smtp/client/envelope.hpp"

#include <gtest/gtest.h>

namespace harbor::smtp::client {
namespace {

ServerExtensions everything()
{
    ServerExtensions server;
    server.size = server.dsn = server.eightbitmime = server.smtputf8 = true;
    server.chunking = server.binarymime = server.requiretls = server.pipelining = true;
    return server;
}

TEST(SmtpClientEnvelope, ParsesTheQueuedSenderAndItsParameters)
{
    Parsed<MailFrom> mail = parse_queued_sender(
        "alice@example.org",
        R"({"envid":"QQ+314=x","ret":"HDRS","body":"8BITMIME","requiretls":true})");
    ASSERT_TRUE(mail.has_value()) << mail.error().text;
    EXPECT_EQ(mail->address, "alice@example.org");
    EXPECT_EQ(mail->envid, "QQ+314=x");
    EXPECT_EQ(mail->ret, Ret::Headers);
    EXPECT_EQ(mail->body, Body::EightBitMime);
    EXPECT_TRUE(mail->requiretls);
    EXPECT_FALSE(mail->smtputf8);

    MailOptions options;
    options.size = 1234;
    options.body = Body::EightBitMime;
    options.requiretls = true;
    EXPECT_EQ(format_mail_command(*mail, options, everything()),
              "MAIL FROM:<alice@example.org> SIZE=1234 BODY=8BITMIME RET=HDRS "
              "ENVID=QQ+2B314+3Dx REQUIRETLS");
    // Without DSN and SIZE offered, neither goes out (RFC 3461 §5.2, RFC 1870 §6).
    EXPECT_EQ(format_mail_command(*mail, options, ServerExtensions{}),
              "MAIL FROM:<alice@example.org> BODY=8BITMIME REQUIRETLS");
}

TEST(SmtpClientEnvelope, NullSenderAndEmptyParameters)
{
    for (const char* params : {"", "{}"}) {
        Parsed<MailFrom> mail = parse_queued_sender("", params);
        ASSERT_TRUE(mail.has_value()) << params;
        EXPECT_EQ(format_mail_command(*mail, MailOptions{}, everything()), "MAIL FROM:<>");
    }
}

TEST(SmtpClientEnvelope, AUtf8SenderImpliesSmtputf8)
{
    Parsed<MailFrom> mail = parse_queued_sender("j\xc3\xbcrgen@example.org", "{}");
    ASSERT_TRUE(mail.has_value()) << mail.error().text;
    EXPECT_TRUE(mail->smtputf8);
    EXPECT_TRUE(needs_smtputf8(mail->address));
    EXPECT_FALSE(needs_smtputf8("juergen@example.org"));
}

TEST(SmtpClientEnvelope, ParsesQueuedRecipientsWithDsnParameters)
{
    Parsed<RcptTo> rcpt = parse_queued_recipient(
        {"bob@example.net",
         R"({"notify":"SUCCESS,DELAY","orcpt":"rfc822;Bob+Smith@example.net"})"});
    ASSERT_TRUE(rcpt.has_value()) << rcpt.error().text;
    EXPECT_EQ(format_rcpt_command(*rcpt, everything()),
              "RCPT TO:<bob@example.net> NOTIFY=SUCCESS,DELAY "
              "ORCPT=rfc822;Bob+2BSmith@example.net");
    EXPECT_EQ(format_rcpt_command(*rcpt, ServerExtensions{}), "RCPT TO:<bob@example.net>");

    Parsed<RcptTo> never = parse_queued_recipient({"bob@example.net", R"({"notify":"NEVER"})"});
    ASSERT_TRUE(never.has_value());
    EXPECT_EQ(format_rcpt_command(*never, everything()), "RCPT TO:<bob@example.net> NOTIFY=NEVER");

    Parsed<RcptTo> postmaster = parse_queued_recipient({"postmaster", "{}"});
    ASSERT_TRUE(postmaster.has_value());
    EXPECT_EQ(format_rcpt_command(*postmaster, everything()), "RCPT TO:<postmaster>");
}

TEST(SmtpClientEnvelope, RefusesMalformedQueueEntries)
{
    struct Case {
        const char* name;
        const char* address;
        const char* params;
    };
    const Case senders[] = {
        {"not JSON", "a@example.org", "{"},
        {"not an object", "a@example.org", "[1]"},
        {"envid of the wrong type", "a@example.org", R"({"envid":5})"},
        {"smtputf8 of the wrong type", "a@example.org", R"({"smtputf8":"yes"})"},
        {"bad RET", "a@example.org", R"({"ret":"ALL"})"},
        {"RET smuggling a parameter", "a@example.org", R"({"ret":"FULL X-EVIL"})"},
        {"RET with CRLF", "a@example.org", "{\"ret\":\"FULL\\r\\nRSET\"}"},
        {"envid with a control character", "a@example.org", "{\"envid\":\"a\\u0001b\"}"},
        {"bad address", "a@@example.org", "{}"},
        {"address with CRLF", "a@example.org>\r\nRSET", "{}"},
    };
    for (const Case& test : senders) {
        Parsed<MailFrom> mail = parse_queued_sender(test.address, test.params);
        ASSERT_FALSE(mail.has_value()) << test.name;
        EXPECT_GE(mail.error().code, 500) << test.name;
    }
    const Case recipients[] = {
        {"not JSON", "b@example.net", "nope"},
        {"notify of the wrong type", "b@example.net", R"({"notify":true})"},
        {"bad NOTIFY", "b@example.net", R"({"notify":"NEVER,SUCCESS"})"},
        {"ORCPT without a type", "b@example.net", R"({"orcpt":"b@example.net"})"},
        {"empty address", "", "{}"},
        {"address with a space", "b c@example.net", "{}"},
    };
    for (const Case& test : recipients) {
        Parsed<RcptTo> rcpt = parse_queued_recipient({test.address, test.params});
        ASSERT_FALSE(rcpt.has_value()) << test.name;
        EXPECT_GE(rcpt.error().code, 500) << test.name;
    }
}

TEST(SmtpClientEnvelope, EightBitDetection)
{
    EXPECT_FALSE(has_eight_bit("Subject: hi\r\n\r\nplain\r\n"));
    EXPECT_TRUE(
        has_eight_bit("Subject: hi\r\n\r\nGr\xc3\xbc\xc3\x9f"
                      "e\r\n"));
}

}  // namespace
}  // namespace harbor::smtp::client
