// Envelope fields read from a real header block: RFC 5322 §3.6 fields through their parsers,
// the first of duplicated fields, an encapsulated message's own envelope (RFC 2046 §5.2.1).
#include "mime/envelope.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mime/message.hpp"

namespace harbor::mime {
namespace {

const std::string raw =
    "Date: Fri, 21 Nov 1997 09:55:06 -0600\r\n"
    "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\r\n"
    "To: Mary Smith <mary@example.net>, jdoe@example.org\r\n"
    "Cc: Undisclosed recipients:;\r\n"
    "Subject:  =?utf-8?B?w6l0w6k=?= report\r\n"
    "  continued \r\n"
    "Message-ID: <1234@local.machine.example>\r\n"
    "In-Reply-To: <3456@example.net>\r\n"
    "References: <1111@example.net>\r\n <3456@example.net>\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: inner@example.com\r\n"
    "Subject: inner\r\n"
    "To: a@example.com\r\n"
    "To: b@example.com\r\n"
    "\r\n"
    "body\r\n"
    "--b--\r\n";

TEST(Envelope, TopLevelFields)
{
    const Message message = parse_message(raw);
    const Envelope envelope = read_envelope(message.root.fields);
    ASSERT_TRUE(envelope.date.has_value());
    EXPECT_EQ(envelope.date->unix_seconds, 880127706);
    EXPECT_EQ(envelope.date->offset_minutes, -360);
    // §2.2.3: unfolding removes only the CRLF, both spaces of the fold stay.
    EXPECT_EQ(envelope.subject, "\xc3\xa9t\xc3\xa9 report  continued");
    ASSERT_EQ(envelope.from.addresses.size(), 1U);
    EXPECT_EQ(envelope.from.addresses[0].display_name, "Andr\xc3\xa9 Pirard");
    EXPECT_EQ(address_spec(envelope.from.addresses[0]), "PIRARD@vm1.ulg.ac.be");
    ASSERT_EQ(envelope.to.addresses.size(), 2U);
    EXPECT_EQ(address_spec(envelope.to.addresses[1]), "jdoe@example.org");
    EXPECT_TRUE(envelope.cc.addresses.empty());
    ASSERT_EQ(envelope.cc.groups.size(), 1U);
    EXPECT_EQ(envelope.cc.groups[0], "Undisclosed recipients");
    EXPECT_TRUE(envelope.sender.addresses.empty());
    EXPECT_EQ(envelope.message_id, "1234@local.machine.example");
    ASSERT_EQ(envelope.in_reply_to.ids.size(), 1U);
    ASSERT_EQ(envelope.references.ids.size(), 2U);
    EXPECT_EQ(envelope.references.ids[1], "3456@example.net");
    EXPECT_FALSE(envelope.duplicate_fields);
}

TEST(Envelope, EncapsulatedMessageHasItsOwn)
{
    const Message message = parse_message(raw);
    ASSERT_EQ(message.root.children.size(), 1U);
    const Part& rfc822 = message.root.children[0];
    ASSERT_EQ(rfc822.children.size(), 1U);
    const Envelope inner = read_envelope(rfc822.children[0].fields);
    EXPECT_EQ(inner.subject, "inner");
    EXPECT_FALSE(inner.date.has_value());
    EXPECT_FALSE(inner.message_id.has_value());
    // RFC 5322 §3.6: To at most once; the first one counts and the duplicate is flagged.
    ASSERT_EQ(inner.to.addresses.size(), 1U);
    EXPECT_EQ(address_spec(inner.to.addresses[0]), "a@example.com");
    EXPECT_TRUE(inner.duplicate_fields);
}

TEST(Envelope, EmptyHeader)
{
    const Envelope envelope = read_envelope({});
    EXPECT_FALSE(envelope.date.has_value());
    EXPECT_TRUE(envelope.subject.empty());
    EXPECT_TRUE(envelope.from.addresses.empty());
}

}  // namespace
}  // namespace harbor::mime
