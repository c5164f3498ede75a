// ENVELOPE (RFC 9051 §7.5.2) and its address reader (RFC 5322 §3.4, §4.4 obsolete forms).
#include <gtest/gtest.h>

#include <string>

#include "imap/fetch/envelope.hpp"
#include "mime/message.hpp"

namespace harbor::imap {
namespace {

std::string envelope_of(const std::string& header)
{
    const std::string raw = header + "\r\nbody\r\n";
    return format_envelope(mime::parse_message(raw).root.fields);
}

std::string addresses_of(std::string_view field_body)
{
    std::string out;
    for (const EnvelopeAddress& address : read_envelope_addresses(field_body)) {
        out += '(';
        for (const std::optional<std::string>* value :
             {&address.name, &address.route, &address.mailbox, &address.host}) {
            out += *value ? "\"" + **value + "\"" : std::string("NIL");
            out += value == &address.host ? "" : " ";
        }
        out += ')';
    }
    return out;
}

struct EnvelopeCase {
    const char* name;
    const char* input;
    const char* want;
};

TEST(EnvelopeAddresses, Forms)
{
    const EnvelopeCase cases[] = {
        {"addr-spec", "user@example.org", "(NIL NIL \"user\" \"example.org\")"},
        {"name-addr", "Joe Q. Public <john@example.com>",
         "(\"Joe Q. Public\" NIL \"john\" \"example.com\")"},
        {"quoted phrase", "\"Doe, Jane\" <jane@example.com>",
         "(\"Doe, Jane\" NIL \"jane\" \"example.com\")"},
        {"comment names an addr-spec", "user@domain (Real Name)",
         "(\"Real Name\" NIL \"user\" \"domain\")"},
        // The client decodes RFC 2047 itself: the phrase goes out as it came in.
        {"encoded-word kept raw", "=?utf-8?q?J=C3=B6rg?= <j@example.de>",
         "(\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"example.de\")"},
        {"§4.4 route", "<@a.example,@b.example:user@c.example>",
         "(NIL \"@a.example,@b.example\" \"user\" \"c.example\")"},
        {"quoted local part keeps quotes", "\"a b\"@example.org",
         "(NIL NIL \"\"a b\"\" \"example.org\")"},
        {"§4.4 CFWS around dots", "john . doe @ example . org",
         "(NIL NIL \"john.doe\" \"example.org\")"},
        {"no domain: empty host, not a group marker", "undisclosed",
         "(NIL NIL \"undisclosed\" \"\")"},
        {"RFC 9051 §7.5.2 group syntax", "team: a@x, b@y;",
         "(NIL NIL \"team\" NIL)(NIL NIL \"a\" \"x\")(NIL NIL \"b\" \"y\")(NIL NIL NIL NIL)"},
        {"empty group keeps its place", "a@x, none:;, b@y",
         "(NIL NIL \"a\" \"x\")(NIL NIL \"none\" NIL)(NIL NIL NIL NIL)(NIL NIL \"b\" \"y\")"},
        {"unclosed group is closed", "g: a@x",
         "(NIL NIL \"g\" NIL)(NIL NIL \"a\" \"x\")(NIL NIL NIL NIL)"},
        {"empty elements and <> skipped", ", <>, ,a@x,", "(NIL NIL \"a\" \"x\")"},
        {"unclosed angle bracket", "Name <a@x", "(\"Name\" NIL \"a\" \"x\")"},
        {"folded field", "A\r\n B <a@x>", "(\"A B\" NIL \"a\" \"x\")"},
        {"nested comment", "a@x (one (two) three)", "(\"one (two) three\" NIL \"a\" \"x\")"},
        {"empty", "  ", ""},
        // A phrase with no address is not a local part (RFC 5322 §3.4.1, §4.4 obs-local-part
        // = word *("." word)): it is left out like "Name <>", not joined into a mailbox.
        {"phrase without address", "Someone Else", ""},
        {"phrase in angle brackets", "<Undisclosed Recipients>", ""},
        {"phrase dropped, next kept", "Someone Else, a@x", "(NIL NIL \"a\" \"x\")"},
    };
    for (const EnvelopeCase& c : cases) {
        EXPECT_EQ(addresses_of(c.input), c.want) << c.name;
    }
}

TEST(EnvelopeAddresses, BoundedCount)
{
    std::string many;
    for (int i = 0; i < 3000; ++i) {
        many += "a@b,";
    }
    EXPECT_EQ(read_envelope_addresses(many).size(), max_envelope_addresses);
}

TEST(Envelope, FieldOrderAndRawValues)
{
    // RFC 9051 §7.5.2 order: date subject from sender reply-to to cc bcc in-reply-to message-id
    EXPECT_EQ(envelope_of("Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                          "Subject: =?utf-8?q?caf=C3=A9?=\r\n"
                          " folded\r\n"
                          "From: a@x\r\nTo: b@y\r\nCc: c@z\r\nBcc: d@w\r\n"
                          "In-Reply-To: <r@x>\r\nMessage-ID: <m@x>\r\n"),
              "(\"Mon, 1 Jan 2024 00:00:00 +0000\" \"=?utf-8?q?caf=C3=A9?= folded\" "
              "((NIL NIL \"a\" \"x\")) ((NIL NIL \"a\" \"x\")) ((NIL NIL \"a\" \"x\")) "
              "((NIL NIL \"b\" \"y\")) ((NIL NIL \"c\" \"z\")) ((NIL NIL \"d\" \"w\")) "
              "\"<r@x>\" \"<m@x>\")");
}

TEST(Envelope, AbsentFieldsAreNil)
{
    EXPECT_EQ(envelope_of("X-Other: 1\r\n"), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(Envelope, SenderAndReplyToDefaultToFrom)
{
    // §7.5.2: "absent ... or are present but empty"
    EXPECT_EQ(envelope_of("From: a@x\r\nSender:\r\nReply-To: r@y\r\n"),
              "(NIL NIL ((NIL NIL \"a\" \"x\")) ((NIL NIL \"a\" \"x\")) "
              "((NIL NIL \"r\" \"y\")) NIL NIL NIL NIL NIL)");
}

TEST(Envelope, FirstOfDuplicateFieldsWins)
{
    EXPECT_EQ(envelope_of("Subject: one\r\nSubject: two\r\n"),
              "(NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(Envelope, EightBitSubjectIsALiteral)
{
    // RFC 9051 §4.3: 8-bit text is not allowed in a quoted string for IMAP4rev1 clients.
    EXPECT_EQ(envelope_of("Subject: caf\xc3\xa9\r\n"),
              "(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL NIL NIL)");
}

}  // namespace
}  // namespace harbor::imap
