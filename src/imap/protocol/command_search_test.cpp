// Unit tests for SEARCH, SORT and THREAD arguments: RFC 9051 §6.4.4 and §9 search-key, RETURN
// options (RFC 4731 §3.1, RFC 5182 §2), CHARSET, MODSEQ (RFC 7162 §3.1.5), OLDER/YOUNGER
// (RFC 5032 §3), SORT/THREAD (RFC 5256 §3), and the depth and key-count limits.
#include <gtest/gtest.h>

#include <string>

#include "imap/protocol/command.hpp"
#include "imap/protocol/test_support.hpp"

namespace harbor::imap {
namespace {

using test::parse_wire;

SearchArgs search(std::string_view wire, const ParseLimits& limits = {})
{
    Result<Command> command = parse_wire(wire, limits);
    EXPECT_TRUE(command) << wire << ": " << (command ? "" : command.error().detail);
    if (!command || !std::holds_alternative<SearchArgs>(command->args)) {
        return {};
    }
    return std::get<SearchArgs>(command->args);
}

TEST(ImapSearch, RfcExamples)
{
    // RFC 9051 §6.4.4 examples.
    SearchArgs a = search("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");
    EXPECT_TRUE(a.return_specified);
    EXPECT_EQ(a.return_options, (std::vector<SearchReturn>{SearchReturn::Min, SearchReturn::Count}));
    ASSERT_EQ(a.key.kind, SearchKeyKind::And);
    ASSERT_EQ(a.key.children.size(), 3U);
    EXPECT_EQ(a.key.children[0].kind, SearchKeyKind::Flagged);
    EXPECT_EQ(a.key.children[1].kind, SearchKeyKind::Since);
    EXPECT_EQ(a.key.children[1].date, (Date{1994, 2, 1}));
    EXPECT_EQ(a.key.children[2].kind, SearchKeyKind::Not);
    ASSERT_EQ(a.key.children[2].children.size(), 1U);
    EXPECT_EQ(a.key.children[2].children[0].kind, SearchKeyKind::From);
    EXPECT_EQ(a.key.children[2].children[0].value, "Smith");

    SearchArgs b = search("A284 SEARCH CHARSET UTF-8 TEXT {13}\r\n\xd0\x9d\xd1\x8c\xd1\x8e\xd0\xb9 \xd0\xb9\xd0\xbe\r\n");
    EXPECT_EQ(b.charset, "UTF-8");
    ASSERT_EQ(b.key.children.size(), 1U);
    EXPECT_EQ(b.key.children[0].kind, SearchKeyKind::Text);
    EXPECT_EQ(b.key.children[0].value.size(), 13U);
    EXPECT_FALSE(b.return_specified);

    SearchArgs c = search("a SEARCH RETURN () 1:5 OR SEEN (UNSEEN DELETED) UID $\r\n");
    EXPECT_TRUE(c.return_specified);
    EXPECT_TRUE(c.return_options.empty());
    ASSERT_EQ(c.key.children.size(), 3U);
    EXPECT_EQ(c.key.children[0].kind, SearchKeyKind::SequenceSet);
    EXPECT_EQ(format_sequence_set(c.key.children[0].set), "1:5");
    EXPECT_EQ(c.key.children[1].kind, SearchKeyKind::Or);
    ASSERT_EQ(c.key.children[1].children.size(), 2U);
    EXPECT_EQ(c.key.children[1].children[1].kind, SearchKeyKind::And);
    EXPECT_EQ(c.key.children[1].children[1].children.size(), 2U);
    EXPECT_EQ(c.key.children[2].kind, SearchKeyKind::Uid);
    EXPECT_TRUE(c.key.children[2].set.saved_result);  // RFC 5182 §2
}

TEST(ImapSearch, EveryKey)
{
    SearchArgs a = search(
        "a SEARCH ALL ANSWERED BCC x BEFORE \"1-Jan-2000\" BODY y CC z DELETED DRAFT FLAGGED "
        "FROM f HEADER Message-ID <a@b> KEYWORD $Junk LARGER 10 NEW OLD ON 2-Mar-2020 RECENT "
        "SEEN SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000 SMALLER 99 SUBJECT s "
        "TEXT t TO u UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD \\Seen UNSEEN *:4 "
        "MODSEQ 620162338 MODSEQ \"/flags/\\\\draft\" all 620162338 OLDER 3600 YOUNGER 60\r\n");
    ASSERT_EQ(a.key.children.size(), 36U);
    const SearchKey& header = a.key.children[10];
    EXPECT_EQ(header.kind, SearchKeyKind::Header);
    EXPECT_EQ(header.header_name, "Message-ID");
    EXPECT_EQ(header.value, "<a@b>");
    EXPECT_EQ(a.key.children[11].value, "$Junk");
    EXPECT_EQ(a.key.children[12].number, 10U);
    EXPECT_EQ(a.key.children[29].value, "\\Seen");
    EXPECT_EQ(a.key.children[31].kind, SearchKeyKind::SequenceSet);
    const SearchKey& modseq = a.key.children[33];
    EXPECT_EQ(modseq.kind, SearchKeyKind::ModSeq);
    EXPECT_EQ(modseq.modseq_entry, "/flags/\\draft");
    EXPECT_EQ(modseq.modseq_entry_type, "all");
    EXPECT_EQ(modseq.number, 620162338U);
    EXPECT_EQ(a.key.children[34].kind, SearchKeyKind::Older);
    EXPECT_EQ(a.key.children[34].number, 3600U);
    EXPECT_EQ(a.key.children[35].kind, SearchKeyKind::Younger);
}

TEST(ImapSearch, ReturnSave)
{
    SearchArgs a = search("a UID SEARCH RETURN (SAVE ALL MAX) DELETED\r\n");
    EXPECT_EQ(a.return_options,
              (std::vector<SearchReturn>{SearchReturn::Save, SearchReturn::All, SearchReturn::Max}));
}

TEST(ImapSearch, Refusals)
{
    const char* cases[] = {
        "a SEARCH\r\n",
        "a SEARCH \r\n",
        "a SEARCH FOO\r\n",
        "a SEARCH BEFORE 31-Feb-2020\r\n",
        "a SEARCH BEFORE 1-Foo-2020\r\n",
        "a SEARCH LARGER x\r\n",
        "a SEARCH OR SEEN\r\n",
        "a SEARCH NOT\r\n",
        "a SEARCH (SEEN\r\n",
        "a SEARCH ()\r\n",
        "a SEARCH SEEN  UNSEEN\r\n",
        "a SEARCH RETURN (BOGUS) ALL\r\n",
        "a SEARCH CHARSET\r\n",
        "a SEARCH MODSEQ \"/flags/x\" bogus 5\r\n",
        "a SEARCH OLDER 0\r\n",
        "a SEARCH UID 0\r\n",
    };
    for (const char* wire : cases) {
        EXPECT_FALSE(parse_wire(wire)) << wire;
    }
}

TEST(ImapSearch, DepthLimit)
{
    // SECURITY: nesting is bounded (ParseLimits::max_search_depth, 32 by default).
    std::string ok = "a SEARCH " + std::string(31, '(') + "SEEN" + std::string(31, ')') + "\r\n";
    EXPECT_TRUE(parse_wire(ok));
    std::string deep = "a SEARCH " + std::string(32, '(') + "SEEN" + std::string(32, ')') + "\r\n";
    Result<Command> command = parse_wire(deep);
    ASSERT_FALSE(command);
    EXPECT_EQ(command.error().code, Errc::Limit);
    std::string nots = "a SEARCH";
    for (int i = 0; i < 40; ++i) {
        nots += " NOT";
    }
    Result<Command> not_chain = parse_wire(nots + " SEEN\r\n");
    ASSERT_FALSE(not_chain);
    EXPECT_EQ(not_chain.error().code, Errc::Limit);
    // A long run that is not nested cannot blow the stack either.
    ReaderLimits reader;
    reader.max_line = 1 << 20;
    std::string huge = "a SEARCH " + std::string(100000, '(') + "\r\n";
    EXPECT_FALSE(parse_wire(huge, {}, reader));
}

TEST(ImapSearch, KeyCountLimit)
{
    ParseLimits limits;
    limits.max_search_keys = 3;
    EXPECT_TRUE(parse_wire("a SEARCH SEEN DRAFT NEW\r\n", limits));
    Result<Command> command = parse_wire("a SEARCH SEEN DRAFT NEW OLD\r\n", limits);
    ASSERT_FALSE(command);
    EXPECT_EQ(command.error().code, Errc::Limit);
}

TEST(ImapSort, Criteria)
{
    // RFC 5256 §3 example.
    Result<Command> command = parse_wire("A282 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n");
    ASSERT_TRUE(command);
    const SortArgs& a = std::get<SortArgs>(command->args);
    ASSERT_EQ(a.criteria.size(), 2U);
    EXPECT_EQ(a.criteria[0].key, SortKey::Subject);
    EXPECT_FALSE(a.criteria[0].reverse);
    EXPECT_EQ(a.criteria[1].key, SortKey::Date);
    EXPECT_TRUE(a.criteria[1].reverse);
    EXPECT_EQ(a.charset, "UTF-8");
    EXPECT_EQ(a.key.children[0].kind, SearchKeyKind::All);
    EXPECT_TRUE(parse_wire("a SORT (ARRIVAL CC FROM SIZE TO DISPLAYFROM DISPLAYTO) US-ASCII "
                           "SUBJECT afternoon\r\n"));
    EXPECT_FALSE(parse_wire("a SORT () UTF-8 ALL\r\n"));
    EXPECT_FALSE(parse_wire("a SORT (BOGUS) UTF-8 ALL\r\n"));
    EXPECT_FALSE(parse_wire("a SORT (DATE) ALL\r\n"));  // charset is required (RFC 5256 §3)
}

TEST(ImapThread, Algorithm)
{
    Result<Command> command =
        parse_wire("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n");
    ASSERT_TRUE(command);
    const ThreadArgs& a = std::get<ThreadArgs>(command->args);
    EXPECT_EQ(a.algorithm, "ORDEREDSUBJECT");
    EXPECT_EQ(a.key.children[0].date, (Date{2000, 3, 5}));
    EXPECT_FALSE(parse_wire("a THREAD REFERENCES\r\n"));
}

}  // namespace
}  // namespace harbor::imap
