// Unit tests for mime/address_list: RFC 5322 Appendix A.1.2, A.1.3, A.5 and A.6 examples,
// RFC 2047 §8 display names, §4.4 obsolete forms, the limits, and every prefix of every input.
#include "mime/address_list.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace harbor::mime {
namespace {

struct WantAddress {
    std::string name;
    std::string spec;
    std::string group;
};

struct AddressCase {
    const char* label;
    std::string input;
    std::vector<WantAddress> want;
    bool malformed = false;
};

std::vector<AddressCase> address_cases()
{
    return {
        // RFC 5322 A.1.1
        {"A.1.1 from",
         "John Doe <jdoe@machine.example>",
         {{"John Doe", "jdoe@machine.example", ""}}},
        {"A.1.1 quoted name",
         "\"Joe Q. Public\" <john.q.public@example.com>",
         {{"Joe Q. Public", "john.q.public@example.com", ""}}},
        // RFC 5322 A.1.2
        {"A.1.2 list",
         "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
         {{"Mary Smith", "mary@x.test", ""},
          {"", "jdoe@example.org", ""},
          {"Who?", "one@y.test", ""}}},
        {"A.1.2 specials in quotes",
         "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
         {{"", "boss@nil.test", ""}, {"Giant; \"Big\" Box", "sysservices@example.net", ""}}},
        // RFC 5322 A.1.3
        {"A.1.3 group",
         "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
         {{"Ed Jones", "c@a.test", "A Group"},
          {"", "joe@where.test", "A Group"},
          {"John", "jdoe@one.test", "A Group"}}},
        {"A.1.3 empty group", "Undisclosed recipients:;", {}},
        // RFC 5322 A.5
        {"A.5 comments",
         "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
         {{"Pete", "pete@silly.test", ""}}},
        {"A.5 group with comments",
         "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
         "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the "
         "group)",
         {{"Chris Jones", "c@public.example", "A Group"},
          {"", "joe@example.org", "A Group"},
          {"John", "jdoe@one.test", "A Group"}}},
        {"A.5 hidden", "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", {}},
        // RFC 5322 A.6.1, A.6.2 (obsolete)
        {"A.6.1 unquoted dot",
         "Joe Q. Public <john.q.public@example.com>",
         {{"Joe Q. Public", "john.q.public@example.com", ""}}},
        {"A.6.2 route and empty",
         "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
         {{"Mary Smith", "mary@example.net", ""}, {"", "jdoe@test.example", ""}}},
        {"A.6.3 CFWS in domain",
         "John Doe <jdoe@machine(comment).  example>",
         {{"John Doe", "jdoe@machine.example", ""}}},
        {"A.6.3 folded",
         "Mary Smith\r\n    \r\n\t<mary@example.net>",
         {{"Mary Smith", "mary@example.net", ""}}},
        // RFC 2047 §8 and §5 (encoded-words in a phrase; adjacent ones join)
        {"2047 name",
         "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
         {{"Keld J\xc3\xb8rn Simonsen", "keld@dkuug.dk", ""}}},
        {"2047 adjacent",
         "=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?= <t@t.com>",
         {{"ab", "t@t.com", ""}}},
        {"2047 group name", "=?utf-8?q?Gr=C3=BCn?=: a@b.c;", {{"", "a@b.c", "Gr\xc3\xbcn"}}},
        // Other obsolete and broken forms
        {"route list", "<@a,@b:user@d>", {{"", "user@d", ""}}},
        {"trailing commas", "a@b.c,,, d@e.f,", {{"", "a@b.c", ""}, {"", "d@e.f", ""}}},
        {"missing brackets", "Mary Smith mary@x.test", {{"Mary Smith", "mary@x.test", ""}}},
        {"comment as name", "jdoe@one.test (John Doe)", {{"John Doe", "jdoe@one.test", ""}}},
        {"quoted local", "\"john doe\"@example.com", {{"", "\"john doe\"@example.com", ""}}},
        {"quoted local in angle", "J <\"a@b\"@example.com>", {{"J", "\"a@b\"@example.com", ""}}},
        {"idn",
         "J\xc3\xbcrgen <j@b\xc3\xbc\x63her.example>",
         {{"J\xc3\xbcrgen", "j@b\xc3\xbc\x63her.example", ""}}},
        {"domain literal", "a@[192.0.2.1]", {{"", "a@[192.0.2.1]", ""}}},
        {"unclosed angle", "A <a@b.c", {{"A", "a@b.c", ""}}, true},
        {"empty angle", "A <>", {}, true},
        {"no address", "just words here", {}, true},
        {"stray paren", "a@b.c) x", {{"", "a@b.c", ""}}, true},
        {"obs-qp LF in comment",
         "Pete(A nice \\\n ) chap) <p@s.test>",
         {{"Pete chap", "p@s.test", ""}},
         true},
        {"field ends at bare line end", "a@b.c\r\nTo: x@y.z", {{"", "a@b.c", ""}}},
        {"two groups then list",
         "L1: a@b.c; L2: d@e.f; g@h.i",
         {{"", "a@b.c", "L1"}, {"", "d@e.f", "L2"}, {"", "g@h.i", ""}}},
    };
}

TEST(AddressList, Table)
{
    for (const AddressCase& c : address_cases()) {
        SCOPED_TRACE(c.label);
        AddressList list = parse_address_list(c.input);
        ASSERT_EQ(list.addresses.size(), c.want.size());
        for (std::size_t i = 0; i < c.want.size(); ++i) {
            EXPECT_EQ(list.addresses[i].display_name, c.want[i].name);
            EXPECT_EQ(address_spec(list.addresses[i]), c.want[i].spec);
            EXPECT_EQ(list.addresses[i].group, c.want[i].group);
        }
        if (c.malformed) {
            EXPECT_TRUE(list.malformed);
        }
    }
}

TEST(AddressList, SplitsLocalPartAndDomain)
{
    AddressList list = parse_address_list("A <@r.test:x.y@Example.COM>");
    ASSERT_EQ(list.addresses.size(), 1u);
    EXPECT_EQ(list.addresses[0].local_part, "x.y");
    EXPECT_EQ(list.addresses[0].domain, "Example.COM");
    EXPECT_TRUE(list.obsolete);
}

TEST(AddressList, CommentsOnlyInAGroupAreNotMalformed)
{
    AddressList list = parse_address_list("Hidden recipients  :(nobody(that I know))  ; (end)");
    EXPECT_TRUE(list.addresses.empty());
    EXPECT_EQ(list.groups, std::vector<std::string>{"Hidden recipients"});
    EXPECT_FALSE(list.malformed);
}

TEST(AddressList, GroupsAreListedEvenWhenEmpty)
{
    AddressList list = parse_address_list("Undisclosed recipients:;, B: b@c.d;");
    ASSERT_EQ(list.groups.size(), 2u);
    EXPECT_EQ(list.groups[0], "Undisclosed recipients");
    EXPECT_EQ(list.groups[1], "B");
    EXPECT_FALSE(list.malformed);
}

TEST(AddressList, Limits)
{
    std::string many;
    for (int i = 0; i < 50; ++i) {
        many += "a@b.c, ";
    }
    AddressListLimits limits;
    limits.max_addresses = 10;
    AddressList list = parse_address_list(many, limits);
    EXPECT_EQ(list.addresses.size(), 10u);
    EXPECT_TRUE(list.truncated);

    std::string deep = std::string(100, '(') + std::string(100, ')') + " a@b.c";
    list = parse_address_list(deep);
    EXPECT_TRUE(list.comment_too_deep);
    ASSERT_EQ(list.addresses.size(), 1u);

    limits = {};
    limits.max_input = 8;
    list = parse_address_list("a@b.c, dddddd@e.f", limits);
    EXPECT_TRUE(list.truncated);
    ASSERT_EQ(list.addresses.size(), 2u);  // "a@b.c, d": the cut leaves a bare local part
    EXPECT_EQ(list.addresses[1].local_part, "d");
}

TEST(AddressList, EveryPrefixIsSafe)
{
    for (const AddressCase& c : address_cases()) {
        for (std::size_t n = 0; n <= c.input.size(); ++n) {
            (void)parse_address_list(std::string_view(c.input).substr(0, n));
        }
    }
}

}  // namespace
}  // namespace harbor::mime
