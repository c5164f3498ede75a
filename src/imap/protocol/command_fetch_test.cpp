// Unit tests for FETCH and STORE arguments: RFC 9051 §6.4.5-§6.4.6 and §9 (fetch-att, section,
// partial, macros, store-att-flags), RFC 3516 §4.2 (BINARY), RFC 7162 (CHANGEDSINCE, VANISHED,
// UNCHANGEDSINCE, MODSEQ), RFC 3501 §6.4.5 (RFC822 items).
#include <gtest/gtest.h>

#include <string>

#include "imap/protocol/command.hpp"
#include "imap/protocol/test_support.hpp"

namespace harbor::imap {
namespace {

using test::parse_wire;

FetchArgs fetch(std::string_view wire)
{
    Result<Command> command = parse_wire(wire);
    EXPECT_TRUE(command) << wire << ": " << (command ? "" : command.error().detail);
    if (!command || !std::holds_alternative<FetchArgs>(command->args)) {
        return {};
    }
    return std::get<FetchArgs>(command->args);
}

std::vector<FetchItem> items_of(const FetchArgs& args)
{
    std::vector<FetchItem> out;
    for (const FetchAttribute& att : args.attributes) {
        out.push_back(att.item);
    }
    return out;
}

TEST(ImapFetch, Macros)
{
    // RFC 9051 §6.4.5: ALL, FAST, FULL.
    EXPECT_EQ(items_of(fetch("a FETCH 1 all\r\n")),
              (std::vector<FetchItem>{FetchItem::Flags, FetchItem::InternalDate,
                                      FetchItem::Rfc822Size, FetchItem::Envelope}));
    EXPECT_EQ(items_of(fetch("a FETCH 1 FAST\r\n")).size(), 3U);
    EXPECT_EQ(items_of(fetch("a FETCH 1 FULL\r\n")).back(), FetchItem::Body);
    EXPECT_FALSE(parse_wire("a FETCH 1 (ALL)\r\n"));  // macros only alone
}

TEST(ImapFetch, SimpleItems)
{
    const FetchArgs a = fetch(
        "a FETCH 1:* (ENVELOPE FLAGS INTERNALDATE RFC822.SIZE RFC822 RFC822.HEADER RFC822.TEXT "
        "BODY BODYSTRUCTURE UID MODSEQ)\r\n");
    EXPECT_EQ(items_of(a),
              (std::vector<FetchItem>{FetchItem::Envelope, FetchItem::Flags,
                                      FetchItem::InternalDate, FetchItem::Rfc822Size,
                                      FetchItem::Rfc822, FetchItem::Rfc822Header,
                                      FetchItem::Rfc822Text, FetchItem::Body,
                                      FetchItem::BodyStructure, FetchItem::Uid,
                                      FetchItem::ModSeq}));
    EXPECT_EQ(format_sequence_set(a.set), "1:*");
    EXPECT_EQ(items_of(fetch("a fetch 2 uid\r\n")), std::vector<FetchItem>{FetchItem::Uid});
}

TEST(ImapFetch, Sections)
{
    // RFC 9051 §6.4.5 example: BODY[HEADER.FIELDS (DATE FROM)].
    const FetchArgs a = fetch(
        "A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)] BODY.PEEK[] BODY[1.2.MIME] "
        "BODY[3.TEXT]<0.2048> BODY[2] BODY[HEADER.FIELDS.NOT (\"X-A\" {3}\r\nx-b)] BODY[TEXT] "
        "BODY[4.1.HEADER])\r\n");
    ASSERT_EQ(a.attributes.size(), 9U);
    const FetchAttribute& fields = a.attributes[1];
    EXPECT_EQ(fields.item, FetchItem::BodySection);
    EXPECT_FALSE(fields.peek);
    EXPECT_EQ(fields.section.text, SectionText::HeaderFields);
    EXPECT_EQ(fields.section.fields, (std::vector<std::string>{"DATE", "FROM"}));
    EXPECT_TRUE(a.attributes[2].peek);
    EXPECT_EQ(a.attributes[2].section, Section{});
    EXPECT_EQ(a.attributes[3].section.part, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_EQ(a.attributes[3].section.text, SectionText::Mime);
    EXPECT_EQ(a.attributes[4].section.text, SectionText::Text);
    ASSERT_TRUE(a.attributes[4].partial);
    EXPECT_EQ(*a.attributes[4].partial, (Partial{0, 2048}));
    EXPECT_EQ(a.attributes[5].section.part, std::vector<std::uint32_t>{2});
    EXPECT_EQ(a.attributes[6].section.text, SectionText::HeaderFieldsNot);
    EXPECT_EQ(a.attributes[6].section.fields, (std::vector<std::string>{"X-A", "X-B"}));
    EXPECT_EQ(a.attributes[8].section.text, SectionText::Header);
}

TEST(ImapFetch, Binary)
{
    // RFC 3516 §4.2 / RFC 9051 §6.4.5.
    const FetchArgs a =
        fetch("a FETCH 1 (BINARY[1.2]<0.100> BINARY.PEEK[] BINARY.SIZE[3])\r\n");
    ASSERT_EQ(a.attributes.size(), 3U);
    EXPECT_EQ(a.attributes[0].item, FetchItem::Binary);
    EXPECT_EQ(a.attributes[0].section.part, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_TRUE(a.attributes[0].partial);
    EXPECT_TRUE(a.attributes[1].peek);
    EXPECT_EQ(a.attributes[2].item, FetchItem::BinarySize);
    EXPECT_FALSE(parse_wire("a FETCH 1 BINARY[TEXT]\r\n"));
    EXPECT_FALSE(parse_wire("a FETCH 1 BINARY.SIZE[1]<0.1>\r\n"));
}

TEST(ImapFetch, Modifiers)
{
    // RFC 7162 §3.1.4.2 and §3.2.6 examples.
    const FetchArgs a = fetch("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n");
    EXPECT_EQ(a.changed_since, 12345U);
    EXPECT_FALSE(a.vanished);
    const FetchArgs b = fetch("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
    EXPECT_TRUE(b.vanished);
    EXPECT_FALSE(parse_wire("a FETCH 1 FLAGS (VANISHED)\r\n"));
    EXPECT_FALSE(parse_wire("a FETCH 1 FLAGS (CHANGEDSINCE 0)\r\n"));
    EXPECT_FALSE(parse_wire("a FETCH 1 FLAGS (BOGUS)\r\n"));
}

TEST(ImapFetch, Refusals)
{
    const char* cases[] = {
        "a FETCH 1\r\n",
        "a FETCH 1 ()\r\n",
        "a FETCH 1 (FLAGS\r\n",
        "a FETCH 1 BOGUS\r\n",
        "a FETCH 1 BODY[MIME]\r\n",        // MIME only after a part number
        "a FETCH 1 BODY[0]\r\n",           // parts are nz-number
        "a FETCH 1 BODY[1.]\r\n",
        "a FETCH 1 BODY[HEADER.FIELDS ()]\r\n",
        "a FETCH 1 BODY[]<0.0>\r\n",       // nz-number64 length
        "a FETCH 1 BODY[]<1>\r\n",
        "a FETCH 1 BODY.PEEK\r\n",
        "a FETCH * FLAGS FLAGS\r\n",
        "a FETCH 1:2:3 FLAGS\r\n",
    };
    for (const char* wire : cases) {
        EXPECT_FALSE(parse_wire(wire)) << wire;
    }
}

TEST(ImapStore, Actions)
{
    // RFC 9051 §6.4.6 example.
    Result<Command> command = parse_wire("A003 STORE 2:4 +FLAGS (\\Deleted)\r\n");
    ASSERT_TRUE(command);
    const StoreArgs& a = std::get<StoreArgs>(command->args);
    EXPECT_EQ(a.mode, StoreMode::Add);
    EXPECT_FALSE(a.silent);
    EXPECT_EQ(a.flags, std::vector<std::string>{"\\Deleted"});

    command = parse_wire("a UID STORE 1 -flags.silent \\Seen $Forwarded\r\n");
    ASSERT_TRUE(command);
    const StoreArgs& b = std::get<StoreArgs>(command->args);
    EXPECT_EQ(b.mode, StoreMode::Remove);
    EXPECT_TRUE(b.silent);
    EXPECT_EQ(b.flags, (std::vector<std::string>{"\\Seen", "$Forwarded"}));

    // RFC 7162 §3.1.3 example.
    command = parse_wire("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n");
    ASSERT_TRUE(command);
    const StoreArgs& c = std::get<StoreArgs>(command->args);
    EXPECT_EQ(c.unchanged_since, 320162338U);
    EXPECT_EQ(c.set.ranges.size(), 3U);

    command = parse_wire("a STORE 1 FLAGS ()\r\n");
    ASSERT_TRUE(command);
    EXPECT_EQ(std::get<StoreArgs>(command->args).mode, StoreMode::Replace);
    EXPECT_TRUE(std::get<StoreArgs>(command->args).flags.empty());

    EXPECT_FALSE(parse_wire("a STORE 1 LABELS (x)\r\n"));
    EXPECT_FALSE(parse_wire("a STORE 1 FLAGS\r\n"));
    EXPECT_FALSE(parse_wire("a STORE 1 +FLAGS (\\)\r\n"));
    EXPECT_FALSE(parse_wire("a STORE 1 (FOO 1) FLAGS ()\r\n"));
}

}  // namespace
}  // namespace harbor::imap
