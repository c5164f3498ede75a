// Unit tests for imap/protocol/mailbox_name: modified UTF-7 (RFC 3501 §5.1.3) in both
// directions, the strict decoder's refusals, and mailbox name normalisation (RFC 9051 §5.1).
#include "imap/protocol/mailbox_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::imap {
namespace {

struct Mutf7Case {
    const char* utf8;
    const char* mutf7;
};

TEST(ImapMailboxName, ModifiedUtf7RoundTrips)
{
    const Mutf7Case cases[] = {
        {"INBOX", "INBOX"},
        {"", ""},
        {"&", "&-"},
        {"A&B", "A&-B"},
        // RFC 3501 §5.1.3 example: "~peter/mail/台北/日本語".
        {"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
         "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
        {"Entw\xc3\xbc" "rfe", "Entw&APw-rfe"},
        {"\xf0\x9f\x93\xa7", "&2D3c5w-"},  // U+1F4E7: a surrogate pair
        {"\xc3\xa9\xc3\xa9", "&AOkA6Q-"},
        {"a\x01" "b", "a&AAE-b"},  // control characters are encoded (and refused later)
    };
    for (const Mutf7Case& c : cases) {
        Result<std::string> encoded = encode_mutf7(c.utf8);
        ASSERT_TRUE(encoded) << c.utf8;
        EXPECT_EQ(*encoded, c.mutf7);
        Result<std::string> decoded = decode_mutf7(c.mutf7);
        ASSERT_TRUE(decoded) << c.mutf7;
        EXPECT_EQ(*decoded, c.utf8);
    }
}

TEST(ImapMailboxName, StrictDecoderRefusesOtherForms)
{
    for (const char* text : {
             "&",            // unterminated
             "&U,BTFw",      // no closing "-"
             "&ZeVnLIqe",    // no closing "-"
             "&AGE-",        // "a" must be written as itself
             "&AOk-&AOk-",   // adjacent runs: the encoder writes "&AOkA6Q-"
             "&AOl-",        // non-zero pad bits
             "&AOkA-",       // superfluous BASE64 character (6 leftover bits)
             "&2D0-",        // lone high surrogate
             "&3KQ-",        // lone low surrogate
             "&U/BTFw-",     // "/" where "," belongs
             "&U=-",         // not in the alphabet
             "caf\xc3\xa9",  // 8-bit octets are not modified UTF-7
             "a\tb",         // control character
         }) {
        EXPECT_FALSE(decode_mutf7(text)) << text;
    }
}

TEST(ImapMailboxName, EncoderRefusesInvalidUtf8)
{
    for (const char* text : {"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff"}) {
        EXPECT_FALSE(encode_mutf7(text));
    }
}

TEST(ImapMailboxName, Normalizes)
{
    const struct {
        const char* in;
        const char* out;
    } cases[] = {
        {"INBOX", "INBOX"},
        {"inbox", "INBOX"},
        {"InBoX/Sub", "INBOX/Sub"},
        {"Archive/inbox", "Archive/inbox"},  // only the first level is special
        {"inboxes", "inboxes"},
        {"Sent Items", "Sent Items"},
        {"\xe6\x97\xa5\xe6\x9c\xac/x", "\xe6\x97\xa5\xe6\x9c\xac/x"},
        {"a.b/..c", "a.b/..c"},
    };
    for (const auto& c : cases) {
        Result<std::string> name = normalize_mailbox_name(c.in);
        ASSERT_TRUE(name) << c.in;
        EXPECT_EQ(*name, c.out);
    }
    EXPECT_TRUE(is_inbox(*normalize_mailbox_name("iNbOx")));
    EXPECT_FALSE(is_inbox(*normalize_mailbox_name("INBOX/x")));
}

TEST(ImapMailboxName, Refusals)
{
    for (const char* text : {"", "/", "/a", "a/", "a//b", ".", "..", "a/../b", "a/./b", "a\x01",
                             "a\x7f", "a\xc2\x85", "a%", "b*", "\xc3", "\xed\xa0\x80"}) {
        Result<std::string> name = normalize_mailbox_name(text);
        EXPECT_FALSE(name) << text;
        if (!name) {
            EXPECT_EQ(name.error().code, Errc::Invalid) << text;
        }
    }
}

TEST(ImapMailboxName, Limits)
{
    MailboxNameLimits limits;
    limits.max_octets = 8;
    limits.max_depth = 2;
    EXPECT_TRUE(normalize_mailbox_name("12345678", limits));
    EXPECT_EQ(normalize_mailbox_name("123456789", limits).error().code, Errc::Limit);
    EXPECT_TRUE(normalize_mailbox_name("a/b", limits));
    EXPECT_EQ(normalize_mailbox_name("a/b/c", limits).error().code, Errc::Limit);
}

}  // namespace
}  // namespace harbor::imap
