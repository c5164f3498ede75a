// SEARCH keys of RFC 9051 §6.4.4 (and RFC 3501 §6.4.4, RFC 7162 §3.1.5, RFC 5032 §3,
// RFC 5182 §2) evaluated against small inline messages; programs come from the real parser.
#include "imap/search/evaluate.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "imap/protocol/test_support.hpp"
#include "imap/search/casemap.hpp"

namespace harbor::imap {
namespace {

// 2024-01-01 23:30 -0500 is 2024-01-02 04:30 UTC.
const char* const cafe_message =
    "From: \"Alice Example\" <alice@example.org>\r\n"
    "To: bob@example.com\r\n"
    "Cc: =?ISO-8859-1?Q?J=F6rg?= <joerg@example.net>\r\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9_menu?=\r\n"
    "Date: Mon, 1 Jan 2024 23:30:00 -0500\r\n"
    "X-Custom: \r\n"
    "Message-ID: <one@example.org>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Viele Gr=C3=BC=C3=9Fe aus K=C3=B6ln, to=\r\n"
    "day only.\r\n";

// "Ärger im Büro" in ISO-8859-1, base64; the attachment's words are not text.
const char* const multipart_message =
    "From: carol@example.com\r\n"
    "To: dave@example.com\r\n"
    "Subject: Re: Meeting\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "xHJnZXIgaW0gQvxybw==\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "secretword\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner subject line\r\n"
    "\r\n"
    "inner body text\r\n"
    "--b1--\r\n";

struct Fixture {
    std::vector<std::string> flags;
    std::unique_ptr<MessageContent> content;
    MessageView view;
};

class Evaluate : public ::testing::Test {
protected:
    void SetUp() override
    {
        add(1, 101, {"\\Seen", "$Junk"}, 1704153600 /* 2024-01-02 00:00Z */, cafe_message, 5);
        add(2, 102, {"\\Answered", "\\Flagged"}, 1704240000 /* 2024-01-03 00:00Z */,
            multipart_message, 9);
        add(3, 205, {"\\Deleted", "\\Draft"}, 1704067200 /* 2024-01-01 00:00Z */,
            "Subject: no date here\r\nX-Custom: yes\r\n\r\nbody\r\n", 7);
        context_.message_count = 3;
        context_.max_uid = 205;
        context_.now = 1704240000 + 3600;
    }

    void add(std::uint32_t sequence, std::uint32_t uid, std::vector<std::string> flags,
             std::int64_t internal_date, std::string raw, std::uint64_t modseq)
    {
        auto fixture = std::make_unique<Fixture>();
        fixture->flags = std::move(flags);
        fixture->content = std::make_unique<MessageContent>(raw);
        fixture->view = MessageView{sequence, uid, fixture->flags, internal_date,
                                    raw.size(), modseq, fixture->content.get()};
        messages_.push_back(std::move(fixture));
    }

    Result<SearchProgram> compile(const std::string& criteria)
    {
        Result<Command> command = test::parse_wire("t SEARCH " + criteria + "\r\n");
        EXPECT_TRUE(command) << criteria << ": " << command.error().detail;
        if (!command) {
            return unexpected(Errc::Invalid, "parse");
        }
        const auto& args = std::get<SearchArgs>(command->args);
        return compile_search(args.key, args.charset, context_);
    }

    // The sequence numbers of the messages that match, with content loaded.
    std::vector<std::uint32_t> search(const std::string& criteria)
    {
        Result<SearchProgram> program = compile(criteria);
        EXPECT_TRUE(program) << criteria;
        std::vector<std::uint32_t> found;
        if (!program) {
            return found;
        }
        for (const auto& message : messages_) {
            const Match match = evaluate(*program, message->view);
            EXPECT_NE(match, Match::NeedContent) << criteria;
            if (match == Match::Yes) {
                found.push_back(message->view.sequence);
            }
        }
        return found;
    }

    using Numbers = std::vector<std::uint32_t>;
    std::vector<std::unique_ptr<Fixture>> messages_;
    SearchContext context_;
};

TEST_F(Evaluate, FlagKeys)  // RFC 9051 §6.4.4, flags of §2.3.2
{
    EXPECT_EQ(search("ALL"), (Numbers{1, 2, 3}));
    EXPECT_EQ(search("SEEN"), (Numbers{1}));
    EXPECT_EQ(search("UNSEEN"), (Numbers{2, 3}));
    EXPECT_EQ(search("ANSWERED"), (Numbers{2}));
    EXPECT_EQ(search("UNANSWERED"), (Numbers{1, 3}));
    EXPECT_EQ(search("FLAGGED"), (Numbers{2}));
    EXPECT_EQ(search("UNFLAGGED"), (Numbers{1, 3}));
    EXPECT_EQ(search("DELETED"), (Numbers{3}));
    EXPECT_EQ(search("UNDELETED"), (Numbers{1, 2}));
    EXPECT_EQ(search("DRAFT"), (Numbers{3}));
    EXPECT_EQ(search("UNDRAFT"), (Numbers{1, 2}));
    EXPECT_EQ(search("KEYWORD $junk"), (Numbers{1}));  // flags compare case-insensitively
    EXPECT_EQ(search("UNKEYWORD $Junk"), (Numbers{2, 3}));
}

TEST_F(Evaluate, Rev1RecentKeysInARev2Server)  // RFC 3501 §6.4.4; RFC 9051 has no \Recent
{
    EXPECT_EQ(search("RECENT"), Numbers{});
    EXPECT_EQ(search("NEW"), Numbers{});
    EXPECT_EQ(search("OLD"), (Numbers{1, 2, 3}));
}

TEST_F(Evaluate, SizeKeysAreStrict)  // RFC 9051 §6.4.4 LARGER / SMALLER
{
    const std::uint64_t size = messages_[2]->view.size;
    EXPECT_EQ(search("LARGER " + std::to_string(size)), (Numbers{1, 2}));
    EXPECT_EQ(search("SMALLER " + std::to_string(size)), Numbers{});
    EXPECT_EQ(search("SMALLER " + std::to_string(size + 1)), (Numbers{3}));
}

TEST_F(Evaluate, SequenceSetsUidsAndSavedResult)  // RFC 9051 §6.4.4; RFC 5182 §2
{
    EXPECT_EQ(search("2:*"), (Numbers{2, 3}));
    EXPECT_EQ(search("*"), (Numbers{3}));
    EXPECT_EQ(search("1,3"), (Numbers{1, 3}));
    EXPECT_EQ(search("UID 102:*"), (Numbers{2, 3}));
    EXPECT_EQ(search("UID 300:*"), (Numbers{3}));  // n:* always holds the largest UID
    EXPECT_EQ(search("UID 103:204"), Numbers{});
    EXPECT_EQ(search("7:9"), Numbers{});            // beyond the mailbox: nothing matches
    EXPECT_EQ(search("$"), Numbers{});              // nothing saved: empty
    const std::vector<ResolvedRange> saved = {{101, 101}, {205, 205}};
    context_.saved_uids = saved;
    EXPECT_EQ(search("$"), (Numbers{1, 3}));
    EXPECT_EQ(search("UID $"), (Numbers{1, 3}));
    EXPECT_EQ(search("2,$"), (Numbers{1, 2, 3}));
}

TEST_F(Evaluate, InternalDateKeysIgnoreTime)  // RFC 9051 §6.4.4 BEFORE / ON / SINCE
{
    EXPECT_EQ(search("ON 2-Jan-2024"), (Numbers{1}));
    EXPECT_EQ(search("BEFORE 2-Jan-2024"), (Numbers{3}));
    EXPECT_EQ(search("SINCE 2-Jan-2024"), (Numbers{1, 2}));
    // Seen from a zone west of UTC the same instants fall on the day before.
    context_.internal_date_zone_minutes = -60;
    EXPECT_EQ(search("ON 1-Jan-2024"), (Numbers{1}));
    EXPECT_EQ(search("ON 31-Dec-2023"), (Numbers{3}));
}

TEST_F(Evaluate, SentDateKeysUseTheDateFieldInItsOwnZone)  // RFC 9051 §6.4.4 SENT*
{
    // Message 1 was sent on 1 Jan in -0500 (2 Jan in UTC); message 3 has no Date field
    // and falls back to its internal date (1 Jan).
    EXPECT_EQ(search("SENTON 1-Jan-2024"), (Numbers{1, 3}));
    EXPECT_EQ(search("SENTON 2-Jan-2024"), Numbers{});
    EXPECT_EQ(search("SENTBEFORE 2-Jan-2024"), (Numbers{1, 3}));
    EXPECT_EQ(search("SENTSINCE 2-Jan-2024"), (Numbers{2}));  // no Date: internal, 3 Jan
    EXPECT_EQ(search("SENTSINCE 3-Jan-2024"), (Numbers{2}));
}

TEST_F(Evaluate, AddressKeysMatchTheWholeDecodedField)  // RFC 9051 §6.4.4 FROM/TO/CC/BCC
{
    EXPECT_EQ(search("FROM \"alice example\""), (Numbers{1}));  // the display name
    EXPECT_EQ(search("FROM ALICE@EXAMPLE.ORG"), (Numbers{1}));
    EXPECT_EQ(search("FROM example.com"), (Numbers{2}));
    EXPECT_EQ(search("TO bob"), (Numbers{1}));
    EXPECT_EQ(search("CC \"J\xC3\xB6RG\""), (Numbers{1}));  // RFC 2047, ISO-8859-1, folded
    EXPECT_EQ(search("BCC x"), Numbers{});
}

TEST_F(Evaluate, SubjectAndHeader)  // RFC 9051 §6.4.4 SUBJECT, HEADER
{
    EXPECT_EQ(search("SUBJECT \"CAF\xC3\x89\""), (Numbers{1}));
    EXPECT_EQ(search("SUBJECT \"cafe\xCC\x81 MENU\""), (Numbers{1}));  // decomposed form
    EXPECT_EQ(search("SUBJECT meeting"), (Numbers{2}));
    EXPECT_EQ(search("SUBJECT \"inner subject\""), Numbers{});  // the nested message's
    EXPECT_EQ(search("HEADER X-Custom \"\""), (Numbers{1, 3}));  // "" asks for presence
    EXPECT_EQ(search("HEADER x-custom YES"), (Numbers{3}));
    EXPECT_EQ(search("HEADER Message-ID <one@"), (Numbers{1}));
    EXPECT_EQ(search("HEADER X-Missing \"\""), Numbers{});
}

TEST_F(Evaluate, BodyIsDecodedTextOfTextParts)  // RFC 9051 §6.4.4 BODY; RFC 2045 §6
{
    EXPECT_EQ(search("BODY \"gr\xC3\xBC\xC3\x9F" "e aus k\xC3\xB6ln\""), (Numbers{1}));
    EXPECT_EQ(search("BODY today"), (Numbers{1}));  // a soft line break joined it
    EXPECT_EQ(search("BODY \"\xC3\x84RGER IM B\xC3\x9CRO\""), (Numbers{2}));  // base64 Latin-1
    EXPECT_EQ(search("BODY secretword"), Numbers{});   // application/octet-stream
    EXPECT_EQ(search("BODY \"inner body\""), (Numbers{2}));  // message/rfc822 text
    EXPECT_EQ(search("BODY \"inner subject\""), (Numbers{2}));  // and its header
    EXPECT_EQ(search("BODY alice"), Numbers{});  // headers are not the body
}

TEST_F(Evaluate, TextIsHeaderAndBody)  // RFC 9051 §6.4.4 TEXT
{
    EXPECT_EQ(search("TEXT alice"), (Numbers{1}));
    EXPECT_EQ(search("TEXT \"k\xC3\xB6ln\""), (Numbers{1}));
    EXPECT_EQ(search("TEXT \"Subject: no date\""), (Numbers{3}));
    EXPECT_EQ(search("TEXT body"), (Numbers{2, 3}));
}

TEST_F(Evaluate, Combinations)  // RFC 9051 §6.4.4 NOT, OR, parenthesised lists
{
    EXPECT_EQ(search("NOT SEEN"), (Numbers{2, 3}));
    EXPECT_EQ(search("OR SEEN DELETED"), (Numbers{1, 3}));
    EXPECT_EQ(search("UNSEEN UNDELETED"), (Numbers{2}));
    EXPECT_EQ(search("(OR FROM alice TO dave) NOT ANSWERED"), (Numbers{1}));
    EXPECT_EQ(search("NOT (SEEN OR DRAFT FLAGGED)"), (Numbers{1, 2, 3}));
    EXPECT_EQ(search("NOT NOT NOT SEEN"), (Numbers{2, 3}));
}

TEST_F(Evaluate, ModSeqOlderYounger)  // RFC 7162 §3.1.5; RFC 5032 §3
{
    EXPECT_EQ(search("MODSEQ 7"), (Numbers{2, 3}));
    EXPECT_EQ(search("MODSEQ \"/flags/\\\\draft\" all 9"), (Numbers{2}));
    Result<SearchProgram> modseq = compile("MODSEQ 1");
    ASSERT_TRUE(modseq);
    EXPECT_TRUE(modseq->uses_modseq);
    Result<SearchProgram> plain = compile("ALL");
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->uses_modseq);
    // now = message 2's internal date + 1 hour.
    EXPECT_EQ(search("YOUNGER 3600"), (Numbers{2}));
    EXPECT_EQ(search("OLDER 3600"), (Numbers{1, 3}));
}

TEST_F(Evaluate, Charsets)  // RFC 9051 §6.4.4 CHARSET; §7.1 BADCHARSET
{
    EXPECT_EQ(search("CHARSET ISO-8859-1 SUBJECT {4+}\r\ncaf\xE9"), (Numbers{1}));
    EXPECT_EQ(search("CHARSET UTF-8 SUBJECT \"caf\xC3\xA9\""), (Numbers{1}));
    Result<SearchProgram> unknown = compile("CHARSET X-NO-SUCH-CHARSET SUBJECT x");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, Errc::Unsupported);
    // The charset is applied (and checked) where a string has to be converted.
    EXPECT_TRUE(compile("CHARSET X-NO-SUCH-CHARSET SEEN"));
}

TEST_F(Evaluate, ContentIsNeededOnlyWhenItDecides)
{
    Result<SearchProgram> program = compile("UNSEEN BODY today");
    ASSERT_TRUE(program);
    EXPECT_EQ(content_need(*program), ContentNeed::Full);
    MessageView seen = messages_[0]->view;
    seen.content = nullptr;
    EXPECT_EQ(evaluate(*program, seen), Match::No);  // decided by the flag alone
    MessageView unseen = messages_[1]->view;
    unseen.content = nullptr;
    EXPECT_EQ(evaluate(*program, unseen), Match::NeedContent);

    Result<SearchProgram> either = compile("OR SUBJECT x SEEN");
    ASSERT_TRUE(either);
    EXPECT_EQ(content_need(*either), ContentNeed::Header);
    EXPECT_EQ(evaluate(*either, seen), Match::Yes);  // cheap keys go first
    EXPECT_EQ(evaluate(*either, unseen), Match::NeedContent);

    Result<SearchProgram> flags = compile("NOT DELETED 1:*");
    ASSERT_TRUE(flags);
    EXPECT_EQ(content_need(*flags), ContentNeed::None);
    EXPECT_EQ(evaluate(*flags, unseen), Match::Yes);
}

// MessageContent::field_contains() takes a short cut for plain ASCII values; it must answer
// exactly as the folded fields do, for folded lines (RFC 5322 §2.2.3), encoded-words and
// "=?" that is not one (RFC 2047 §2), 8-bit text (RFC 6532 §3.2) and a leading byte order mark.
TEST(FieldContains, AgreesWithFoldedFields)
{
    const std::string raw =
        "\xEF\xBB\xBFSubject: Folded\r\n subject LINE\r\n"
        "X-A: plain =? not a word\r\n"
        "X-A: =?UTF-8?Q?Caf=C3=A9?= menu\r\n"
        "X-A: tail\tTAB\r\n"
        "X-B: caf\xC3\xA9 au lait\r\n"
        "X-C:\r\n"
        "\r\n"
        "body\r\n";
    const std::vector<std::string> names = {"Subject", "x-a", "X-B", "X-C", "X-Missing"};
    const std::vector<std::string> needles = {"",         "FOLDED SUBJECT", "SUBJECT LINE",
                                              "=? NOT",   "CAFE\xCC\x81",   "E\xCC\x81 MENU",
                                              "TAIL\tTAB", "AU LAIT",       "PLAIN",
                                              "\r\n",      "NOWHERE"};
    std::size_t matched = 0;
    for (const std::string& name : names) {
        MessageContent slow(raw);
        const std::vector<std::string>& values = slow.folded_fields(name);
        for (const std::string& needle : needles) {
            MessageContent fast(raw);
            const bool first = !values.empty() && contains_folded(values.front(), needle);
            bool any = false;
            for (const std::string& value : values) {
                any = any || contains_folded(value, needle);
            }
            EXPECT_EQ(fast.field_contains(name, needle, true), first) << name << " " << needle;
            EXPECT_EQ(fast.field_contains(name, needle, false), any) << name << " " << needle;
            matched += any ? 1 : 0;
        }
    }
    // Each needle but the last two is in some field ("" in four of them).
    EXPECT_GE(matched, 12u);
    MessageContent subject(raw);
    EXPECT_TRUE(subject.field_contains("SUBJECT", "FOLDED SUBJECT LINE", true));
    // Folded "Café" is NFKD: E and a combining acute accent (RFC 5051 §2).
    EXPECT_FALSE(subject.field_contains("X-A", "CAFE\xCC\x81", true));  // not the first X-A
    EXPECT_TRUE(subject.field_contains("X-A", "CAFE\xCC\x81", false));
    EXPECT_TRUE(subject.field_contains("X-B", "CAFE\xCC\x81 AU", true));
}

TEST_F(Evaluate, DeepProgramsAreRefused)
{
    // The parser stops at ParseLimits::max_search_depth; a hand-built tree is checked too.
    SearchKey key;
    key.kind = SearchKeyKind::Seen;
    for (std::size_t i = 0; i < max_search_program_depth + 5; ++i) {
        SearchKey parent;
        parent.kind = SearchKeyKind::Not;
        parent.children.push_back(std::move(key));
        key = std::move(parent);
    }
    Result<SearchProgram> program = compile_search(key, "", context_);
    ASSERT_FALSE(program);
    EXPECT_EQ(program.error().code, Errc::Limit);
}

}  // namespace
}  // namespace harbor::imap
