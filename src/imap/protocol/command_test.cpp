// Unit tests for imap/protocol/command: tags and names (RFC 9051 §2.2.1, §9), the commands of
// §6.1-§6.3 with their extensions (SASL-IR RFC 4959, ENABLE RFC 5161, CONDSTORE/QRESYNC
// RFC 7162, SPECIAL-USE RFC 6154, LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, MULTIAPPEND
// RFC 3502, BINARY RFC 3516, QUOTA RFC 9208, ID RFC 2971, COMPRESS RFC 4978), COPY/MOVE and
// UID EXPUNGE (RFC 6851, RFC 4315), and refusals with their reasons. Table-driven.
#include "imap/protocol/command.hpp"

#include <gtest/gtest.h>

#include <string>

#include "imap/protocol/test_support.hpp"

namespace harbor::imap {
namespace {

using test::parse_wire;

template <typename T>
T args_of(std::string_view wire)
{
    Result<Command> command = parse_wire(wire);
    EXPECT_TRUE(command) << wire << ": " << (command ? "" : command.error().detail);
    if (!command || !std::holds_alternative<T>(command->args)) {
        ADD_FAILURE() << "wrong argument type for " << wire;
        return T{};
    }
    return std::get<T>(command->args);
}

struct NameCase {
    const char* wire;
    CommandName name;
    bool uid;
};

TEST(ImapCommand, NamesAreCaseInsensitive)
{
    const NameCase cases[] = {
        {"a CAPABILITY\r\n", CommandName::Capability, false},
        {"a noop\r\n", CommandName::Noop, false},
        {"a LogOut\r\n", CommandName::Logout, false},
        {"a STARTTLS\r\n", CommandName::Starttls, false},
        {"a NAMESPACE\r\n", CommandName::Namespace, false},
        {"a IDLE\r\n", CommandName::Idle, false},
        {"a CHECK\r\n", CommandName::Check, false},
        {"a CLOSE\r\n", CommandName::Close, false},
        {"a UNSELECT\r\n", CommandName::Unselect, false},
        {"a EXPUNGE\r\n", CommandName::Expunge, false},
        {"a uid expunge 1:5\r\n", CommandName::Expunge, true},
        {"a UID COPY 1 x\r\n", CommandName::Copy, true},
        {"a UID MOVE 1 x\r\n", CommandName::Move, true},
        {"a UID FETCH 1 UID\r\n", CommandName::Fetch, true},
        {"a UID STORE 1 FLAGS ()\r\n", CommandName::Store, true},
        {"a UID SEARCH ALL\r\n", CommandName::Search, true},
        {"a UID SORT (DATE) UTF-8 ALL\r\n", CommandName::Sort, true},
        {"a UID THREAD REFERENCES UTF-8 ALL\r\n", CommandName::Thread, true},
        {"a]1 NOOP\r\n", CommandName::Noop, false},  // tag may contain "]" (§9)
    };
    for (const NameCase& c : cases) {
        Result<Command> command = parse_wire(c.wire);
        ASSERT_TRUE(command) << c.wire << ": " << command.error().detail;
        EXPECT_EQ(command->name, c.name) << c.wire;
        EXPECT_EQ(command->uid, c.uid) << c.wire;
    }
    EXPECT_EQ(parse_wire("a]1 NOOP\r\n")->tag, "a]1");
}

struct BadCase {
    const char* wire;
    Errc code;
    const char* reason;
};

TEST(ImapCommand, RefusalsCarryAReason)
{
    const BadCase cases[] = {
        {"\r\n", Errc::Invalid, "missing or invalid tag"},
        {"a+ NOOP\r\n", Errc::Invalid, "missing or invalid tag"},  // "+" not in a tag
        {"* NOOP\r\n", Errc::Invalid, "missing or invalid tag"},
        {"a\r\n", Errc::Invalid, "expected a space"},
        {"a  NOOP\r\n", Errc::Unsupported, "missing command name"},
        {"a FOO\r\n", Errc::Unsupported, "unknown command"},
        {"a NOOP x\r\n", Errc::Invalid, "unexpected extra arguments"},
        {"a NOOP \r\n", Errc::Invalid, "unexpected extra arguments"},
        {"a UID NOOP\r\n", Errc::Invalid, "command cannot follow UID"},
        {"a LOGIN user\r\n", Errc::Invalid, "expected a space"},
        {"a LOGIN \"us\\er\" p\r\n", Errc::Invalid, "bad escape in quoted string"},
        {"a LOGIN \"user p\r\n", Errc::Invalid, "unterminated quoted string"},
        {"a SELECT\r\n", Errc::Invalid, "expected a space"},
        {"a SELECT INBOX (FOO)\r\n", Errc::Invalid, "unknown or repeated select parameter"},
        {"a SELECT INBOX (CONDSTORE CONDSTORE)\r\n", Errc::Invalid,
         "unknown or repeated select parameter"},
        {"a STATUS INBOX (MESSAGES FOO)\r\n", Errc::Invalid, "unknown status item"},
        {"a STATUS INBOX ()\r\n", Errc::Invalid, "unknown status item"},
        {"a APPEND INBOX\r\n", Errc::Invalid, "APPEND needs a message"},
        {"a APPEND INBOX (\\Seen) \"bad\" {1+}\r\nx\r\n", Errc::Invalid, "invalid date-time"},
        {"a APPEND INBOX hello\r\n", Errc::Invalid, "expected the message as a literal"},
        {"a ENABLE\r\n", Errc::Invalid, "ENABLE needs a capability"},
        {"a AUTHENTICATE\r\n", Errc::Invalid, "expected a space"},
        {"a AUTHENTICATE PL@IN\r\n", Errc::Invalid, "unexpected extra arguments"},
        {"a AUTHENTICATE PLAIN !!\r\n", Errc::Invalid, "invalid initial response"},
        {"a COPY 0 x\r\n", Errc::Invalid, "invalid sequence number"},
        {"a COPY 1 \r\n", Errc::Invalid, "expected a string"},
        {"a LIST \"\" *  RETURN ()\r\n", Errc::Invalid, "expected RETURN"},
        {"a LIST \"\" * RETURN (STATUS (MESSAGES) STATUS (UNSEEN))\r\n", Errc::Invalid,
         "invalid return option"},
        {"a CREATE x (USE (Drafts))\r\n", Errc::Invalid,
         "special-use attribute must start with '\\'"},
        {"a COMPRESS\r\n", Errc::Invalid, "expected a space"},
        {"a ID (\"name\")\r\n", Errc::Invalid, "expected a space"},
        {"a SETQUOTA \"\" (STORAGE)\r\n", Errc::Invalid, "expected a space"},
    };
    for (const BadCase& c : cases) {
        Result<Command> command = parse_wire(c.wire);
        ASSERT_FALSE(command) << c.wire;
        EXPECT_EQ(command.error().code, c.code) << c.wire;
        EXPECT_EQ(command.error().detail, c.reason) << c.wire;
    }
    // RFC 9051 §4.3: a literal is CHAR8, which excludes NUL.
    Result<Command> nul = parse_wire(std::string("a LOGIN {3+}\r\na") + '\0' + "b pw\r\n");
    ASSERT_FALSE(nul);
    EXPECT_EQ(nul.error().detail, "NUL in literal");
}

TEST(ImapCommand, TagLengthIsLimited)
{
    ParseLimits limits;
    limits.max_tag = 4;
    EXPECT_TRUE(parse_wire("abcd NOOP\r\n", limits));
    Result<Command> command = parse_wire("abcde NOOP\r\n", limits);
    ASSERT_FALSE(command);
    EXPECT_EQ(command.error().code, Errc::Limit);
}

TEST(ImapCommand, Login)
{
    // RFC 9051 §6.2.3: userid and password are astrings: atom, quoted or literal.
    LoginArgs a = args_of<LoginArgs>("a LOGIN fred \"p a\\\"ss\"\r\n");
    EXPECT_EQ(a.user, "fred");
    EXPECT_EQ(a.password, "p a\"ss");
    LoginArgs b = args_of<LoginArgs>("a LOGIN {4}\r\nfr d {3+}\r\n\xc3\xa9x\r\n");
    EXPECT_EQ(b.user, "fr d");
    EXPECT_EQ(b.password, "\xc3\xa9x");
    LoginArgs c = args_of<LoginArgs>("a LOGIN us]er \"\"\r\n");  // ASTRING-CHAR includes "]"
    EXPECT_EQ(c.user, "us]er");
    EXPECT_EQ(c.password, "");
}

TEST(ImapCommand, Authenticate)
{
    AuthenticateArgs a = args_of<AuthenticateArgs>("a AUTHENTICATE plain\r\n");
    EXPECT_EQ(a.mechanism, "PLAIN");
    EXPECT_FALSE(a.initial_response);
    // SASL-IR (RFC 4959 §3): base64 or "=" for an empty response.
    AuthenticateArgs b = args_of<AuthenticateArgs>("a AUTHENTICATE PLAIN AHUAcA==\r\n");
    EXPECT_EQ(b.initial_response, "AHUAcA==");
    AuthenticateArgs c = args_of<AuthenticateArgs>("a AUTHENTICATE SCRAM-SHA-256 =\r\n");
    EXPECT_EQ(c.mechanism, "SCRAM-SHA-256");
    EXPECT_EQ(c.initial_response, "=");
}

TEST(ImapCommand, Enable)
{
    EnableArgs a = args_of<EnableArgs>("a ENABLE condstore qresync UTF8=ACCEPT\r\n");
    EXPECT_EQ(a.capabilities, (std::vector<std::string>{"CONDSTORE", "QRESYNC", "UTF8=ACCEPT"}));
}

TEST(ImapCommand, SelectWithCondstoreAndQresync)
{
    SelectArgs a = args_of<SelectArgs>("a SELECT inbox\r\n");
    EXPECT_EQ(a.mailbox, "INBOX");  // RFC 9051 §9: INBOX is case-insensitive
    EXPECT_FALSE(a.condstore);
    SelectArgs b = args_of<SelectArgs>("a EXAMINE \"Sent Items\" (CONDSTORE)\r\n");
    EXPECT_EQ(b.mailbox, "Sent Items");
    EXPECT_TRUE(b.condstore);
    // RFC 7162 §3.2.5.2 example.
    SelectArgs c = args_of<SelectArgs>(
        "A02 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))\r\n");
    ASSERT_TRUE(c.qresync);
    EXPECT_EQ(c.qresync->uid_validity, 67890007U);
    EXPECT_EQ(c.qresync->mod_seq, 90060115194045000U);
    ASSERT_TRUE(c.qresync->known_uids);
    EXPECT_EQ(format_sequence_set(*c.qresync->known_uids), "41:211,214:541");
    EXPECT_FALSE(c.qresync->match_uids);
    SelectArgs d = args_of<SelectArgs>(
        "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
        "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n");
    ASSERT_TRUE(d.qresync && d.qresync->match_sequence_numbers && d.qresync->match_uids);
    EXPECT_EQ(d.qresync->match_sequence_numbers->ranges.size(), 4U);
    SelectArgs e = args_of<SelectArgs>("a SELECT x (QRESYNC (1 2 (1:2 5:6)) CONDSTORE)\r\n");
    ASSERT_TRUE(e.qresync);
    EXPECT_FALSE(e.qresync->known_uids);
    EXPECT_TRUE(e.qresync->match_uids);
    EXPECT_TRUE(e.condstore);
}

TEST(ImapCommand, CreateWithSpecialUse)
{
    EXPECT_EQ(args_of<CreateArgs>("a CREATE owatagusiam/\r\n").mailbox, "owatagusiam/");
    // RFC 6154 §5.2 example.
    CreateArgs a = args_of<CreateArgs>("t1 CREATE \"Important Messages\" (USE (\\Important))\r\n");
    EXPECT_EQ(a.mailbox, "Important Messages");
    EXPECT_EQ(a.special_use, std::vector<std::string>{"\\Important"});
    EXPECT_TRUE(args_of<CreateArgs>("a CREATE x (USE ())\r\n").special_use.empty());
}

TEST(ImapCommand, MailboxCommands)
{
    EXPECT_EQ(args_of<MailboxArgs>("a DELETE blurdybloop\r\n").mailbox, "blurdybloop");
    EXPECT_EQ(args_of<MailboxArgs>("a SUBSCRIBE #news.comp.mail.mime\r\n").mailbox,
              "#news.comp.mail.mime");
    EXPECT_EQ(args_of<MailboxArgs>("a UNSUBSCRIBE {3+}\r\na b\r\n").mailbox, "a b");
    EXPECT_EQ(args_of<MailboxArgs>("a GETQUOTAROOT INBOX\r\n").mailbox, "INBOX");
    RenameArgs r = args_of<RenameArgs>("a RENAME blurdybloop sarasoop\r\n");
    EXPECT_EQ(r.from, "blurdybloop");
    EXPECT_EQ(r.to, "sarasoop");
}

TEST(ImapCommand, List)
{
    ListArgs a = args_of<ListArgs>("A101 LIST \"\" \"\"\r\n");
    EXPECT_EQ(a.reference, "");
    EXPECT_EQ(a.patterns, std::vector<std::string>{""});
    ListArgs b = args_of<ListArgs>("A102 LIST #news.comp.mail.misc %\r\n");
    EXPECT_EQ(b.reference, "#news.comp.mail.misc");
    EXPECT_EQ(b.patterns, std::vector<std::string>{"%"});
    // RFC 5258 §5 examples: selection options, several patterns, return options.
    ListArgs c = args_of<ListArgs>(
        "A04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"%\" foo/*) RETURN (CHILDREN special-use)\r\n");
    EXPECT_EQ(c.select_options, (std::vector<std::string>{"SUBSCRIBED", "RECURSIVEMATCH"}));
    EXPECT_EQ(c.patterns, (std::vector<std::string>{"%", "foo/*"}));
    EXPECT_EQ(c.return_options, (std::vector<std::string>{"CHILDREN", "SPECIAL-USE"}));
    // RFC 5819 §2: RETURN (STATUS (...)).
    ListArgs d = args_of<ListArgs>(
        "A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN) SUBSCRIBED)\r\n");
    EXPECT_TRUE(d.return_status_requested);
    EXPECT_EQ(d.return_status, (std::vector<StatusItem>{StatusItem::Messages, StatusItem::Unseen}));
    EXPECT_EQ(d.return_options, std::vector<std::string>{"SUBSCRIBED"});
    EXPECT_FALSE(a.extended_syntax);
    EXPECT_TRUE(c.extended_syntax);
    EXPECT_TRUE(d.extended_syntax);
    ListArgs e = args_of<ListArgs>("a LIST () \"\" x RETURN ()\r\n");
    EXPECT_TRUE(e.select_options.empty());
    EXPECT_TRUE(e.return_options.empty());
    EXPECT_TRUE(e.extended_syntax);
    // Empty option lists are still the extended syntax (RFC 5258 §3).
    EXPECT_TRUE(args_of<ListArgs>("a LIST () \"\" x\r\n").extended_syntax);
    EXPECT_TRUE(args_of<ListArgs>("a LIST \"\" (x)\r\n").extended_syntax);
    EXPECT_TRUE(args_of<ListArgs>("a LIST \"\" x RETURN ()\r\n").extended_syntax);
    ListArgs f = args_of<ListArgs>("a LSUB \"#news.\" comp.mail.*\r\n");
    EXPECT_EQ(f.patterns, std::vector<std::string>{"comp.mail.*"});
    EXPECT_FALSE(parse_wire("a LSUB () \"\" x\r\n"));
}

TEST(ImapCommand, Status)
{
    StatusArgs a = args_of<StatusArgs>(
        "A042 STATUS blurdybloop (UIDNEXT MESSAGES unseen DELETED SIZE HIGHESTMODSEQ RECENT "
        "UIDVALIDITY APPENDLIMIT)\r\n");
    EXPECT_EQ(a.mailbox, "blurdybloop");
    EXPECT_EQ(a.items,
              (std::vector<StatusItem>{StatusItem::UidNext, StatusItem::Messages,
                                       StatusItem::Unseen, StatusItem::Deleted, StatusItem::Size,
                                       StatusItem::HighestModSeq, StatusItem::Recent,
                                       StatusItem::UidValidity, StatusItem::AppendLimit}));
}

TEST(ImapCommand, Append)
{
    // RFC 9051 §6.3.12 example.
    AppendArgs a = args_of<AppendArgs>(
        "A003 APPEND saved-messages (\\Seen) {14}\r\nDate: x\r\nhi!\r\n\r\n");
    EXPECT_EQ(a.mailbox, "saved-messages");
    ASSERT_EQ(a.messages.size(), 1U);
    EXPECT_EQ(a.messages[0].flags, std::vector<std::string>{"\\Seen"});
    EXPECT_EQ(a.messages[0].data, "Date: x\r\nhi!\r\n");
    EXPECT_FALSE(a.messages[0].internal_date);
    EXPECT_FALSE(a.messages[0].binary);
    AppendArgs b = args_of<AppendArgs>(
        "a APPEND INBOX \" 1-Feb-2024 10:00:00 +0100\" {2+}\r\nhi\r\n");
    ASSERT_EQ(b.messages.size(), 1U);
    ASSERT_TRUE(b.messages[0].internal_date);
    EXPECT_EQ(b.messages[0].internal_date->date, (Date{2024, 2, 1}));
    EXPECT_TRUE(b.messages[0].flags.empty());
    // MULTIAPPEND (RFC 3502 §6.3.11) with literal8 (RFC 3516 §4.4).
    AppendArgs c = args_of<AppendArgs>(
        std::string("a APPEND x () \"01-Feb-2024 10:00:00 -0000\" ~{3+}\r\n") + '\0' +
        "ab (\\Draft $Fwd) {1+}\r\nz UTF8 (~{1+}\r\nq)\r\n");
    ASSERT_EQ(c.messages.size(), 3U);
    EXPECT_TRUE(c.messages[0].binary);
    EXPECT_EQ(c.messages[0].data, std::string("\0ab", 3));
    EXPECT_EQ(c.messages[1].flags, (std::vector<std::string>{"\\Draft", "$Fwd"}));
    EXPECT_EQ(c.messages[1].data, "z");
    EXPECT_TRUE(c.messages[2].binary);  // RFC 6855 §4: UTF8 (literal8)
    EXPECT_EQ(c.messages[2].data, "q");
    EXPECT_FALSE(parse_wire(std::string("a APPEND x {1+}\r\n\0\r\n", 20)));  // NUL: literal8
    EXPECT_FALSE(parse_wire("a LOGIN ~{1+}\r\nx y\r\n"));  // literal8 only in APPEND
    ParseLimits limits;
    limits.max_append_messages = 1;
    Result<Command> too_many = parse_wire("a APPEND x {1+}\r\na {1+}\r\nb\r\n", limits);
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().code, Errc::Limit);
}

TEST(ImapCommand, CopyMoveExpunge)
{
    CopyArgs a = args_of<CopyArgs>("A003 COPY 2:4 MEETING\r\n");
    EXPECT_EQ(format_sequence_set(a.set), "2:4");
    EXPECT_EQ(a.mailbox, "MEETING");
    CopyArgs b = args_of<CopyArgs>("a UID MOVE 42:69,$ \"Other\"\r\n");
    EXPECT_EQ(b.mailbox, "Other");
    EXPECT_FALSE(parse_wire("a MOVE $,1 x\r\n"));  // "$" only last (RFC 9051 §9)
    EXPECT_FALSE(args_of<ExpungeArgs>("a EXPUNGE\r\n").uids);
    ExpungeArgs e = args_of<ExpungeArgs>("a UID EXPUNGE 3000:3002\r\n");
    ASSERT_TRUE(e.uids);
    EXPECT_EQ(format_sequence_set(*e.uids), "3000:3002");
    EXPECT_FALSE(parse_wire("a UID EXPUNGE\r\n"));
    EXPECT_FALSE(parse_wire("a EXPUNGE 1\r\n"));
}

TEST(ImapCommand, Quota)
{
    EXPECT_EQ(args_of<QuotaRootArgs>("G0001 GETQUOTA \"!partition/sda4\"\r\n").root,
              "!partition/sda4");
    // RFC 9208 §4.4 example.
    SetQuotaArgs a = args_of<SetQuotaArgs>("S0000 SETQUOTA \"\" (STORAGE 512 message 1000)\r\n");
    EXPECT_EQ(a.root, "");
    EXPECT_EQ(a.limits, (std::vector<std::pair<std::string, std::uint64_t>>{{"STORAGE", 512},
                                                                           {"MESSAGE", 1000}}));
    EXPECT_TRUE(args_of<SetQuotaArgs>("a SETQUOTA x ()\r\n").limits.empty());
}

TEST(ImapCommand, Id)
{
    // RFC 2971 §3.3 example.
    IdArgs a = args_of<IdArgs>("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" NIL)\r\n");
    ASSERT_TRUE(a.fields);
    ASSERT_EQ(a.fields->size(), 3U);
    EXPECT_EQ((*a.fields)[0].first, "name");
    EXPECT_EQ((*a.fields)[1].second, "19.34");
    EXPECT_FALSE((*a.fields)[2].second);
    EXPECT_FALSE(args_of<IdArgs>("a ID NIL\r\n").fields);
    EXPECT_TRUE(args_of<IdArgs>("a ID ()\r\n").fields->empty());
}

TEST(ImapCommand, Compress)
{
    EXPECT_EQ(args_of<CompressArgs>("a COMPRESS deflate\r\n").algorithm, "DEFLATE");
}

TEST(ImapCommand, ListLimits)
{
    ParseLimits limits;
    limits.max_list_items = 2;
    Result<Command> command = parse_wire("a STORE 1 FLAGS (a b c)\r\n", limits);
    ASSERT_FALSE(command);
    EXPECT_EQ(command.error().code, Errc::Limit);
    EXPECT_TRUE(parse_wire("a STORE 1 FLAGS (a b)\r\n", limits));
}

}  // namespace
}  // namespace harbor::imap
