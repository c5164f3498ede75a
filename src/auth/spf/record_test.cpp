// SPF record parsing (RFC 7208 §4.5, §4.6, §5, §6, §12): the version check, every mechanism's
// syntax with its targets and CIDR lengths, modifiers, and the errors that make a permerror.
#include "auth/spf/record.hpp"

#include <gtest/gtest.h>

namespace harbor::auth::spf {
namespace {

TEST(SpfRecord, VersionSelectsRecords)
{
    EXPECT_TRUE(is_spf_record("v=spf1"));
    EXPECT_TRUE(is_spf_record("v=spf1 -all"));
    EXPECT_TRUE(is_spf_record("V=SpF1 -all"));  // §4.5: case-insensitive
    EXPECT_FALSE(is_spf_record("v=spf10"));
    EXPECT_FALSE(is_spf_record("v=spf1-all"));
    EXPECT_FALSE(is_spf_record("v=spf2.0/pra -all"));
    EXPECT_FALSE(is_spf_record(" v=spf1 -all"));
    EXPECT_FALSE(is_spf_record(""));
}

struct Valid {
    const char* record;
    std::vector<std::string> terms;  // to_string of each mechanism, in order
    std::optional<std::string> redirect;
    std::optional<std::string> exp;
};

TEST(SpfRecord, ParsesValidRecords)
{
    const Valid cases[] = {
        {"v=spf1", {}, {}, {}},
        {"v=spf1 -all", {"-all"}, {}, {}},
        {"v=spf1  a   -all ", {"a", "-all"}, {}, {}},  // several spaces, trailing space
        {"v=spf1 +all ~all ?all -all", {"all", "~all", "?all", "-all"}, {}, {}},
        {"v=spf1 ALL Include:example.com", {"all", "include:example.com"}, {}, {}},
        {"v=spf1 a/24//64", {"a/24//64"}, {}, {}},
        {"v=spf1 a//0 mx/0", {"a//0", "mx/0"}, {}, {}},
        {"v=spf1 a:foo.example.com/24", {"a:foo.example.com/24"}, {}, {}},
        {"v=spf1 a:foo:bar/baz.example.com", {"a:foo:bar/baz.example.com"}, {}, {}},
        {"v=spf1 mx:%{d}//96", {"mx:%{d}//96"}, {}, {}},
        {"v=spf1 ptr ptr:example.com", {"ptr", "ptr:example.com"}, {}, {}},
        {"v=spf1 ip4:192.0.2.0/24 ip4:10.0.0.1", {"ip4:192.0.2.0/24", "ip4:10.0.0.1"}, {}, {}},
        {"v=spf1 ip4:1.1.1.1/0", {"ip4:1.1.1.1/0"}, {}, {}},
        {"v=spf1 ip6:2001:db8::/32 ip6:::1.1.1.1/0",
         {"ip6:2001:db8::/32", "ip6:::1.1.1.1/0"},
         {},
         {}},
        {"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}", {"exists:%{ir}.%{l1r+-}._spf.%{d}"}, {}, {}},
        {"v=spf1 a:foo.example.xn--zckzah -all", {"a:foo.example.xn--zckzah", "-all"}, {}, {}},
        {"v=spf1 redirect=_spf.example.com", {}, "_spf.example.com", {}},
        {"v=spf1 -all exp=explain.%{d}", {"-all"}, {}, "explain.%{d}"},
        {"v=spf1 REDIRECT=a.example.com Exp=b.example.com", {}, "a.example.com", "b.example.com"},
        // Unknown modifiers are checked, then ignored (§6).
        {"v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", {"ip4:1.2.3.4", "-all"}, {}, {}},
        {"v=spf1 default=pass v=spf1 x=", {}, {}, {}},
        {"v=spf1 a:o.spf.example.com.", {"a:o.spf.example.com."}, {}, {}},
        {"v=spf1 a:%%%_%-.example.com", {"a:%%%_%-.example.com"}, {}, {}},
        {"v=spf1 a:1-2.example.1-2", {"a:1-2.example.1-2"}, {}, {}},
    };
    for (const Valid& c : cases) {
        Result<Record> record = parse_record(c.record);
        ASSERT_TRUE(record) << c.record << ": " << record.error().to_string();
        std::vector<std::string> terms;
        for (const Mechanism& mechanism : record->mechanisms) {
            terms.push_back(to_string(mechanism));
        }
        EXPECT_EQ(terms, c.terms) << c.record;
        EXPECT_EQ(record->redirect, c.redirect) << c.record;
        EXPECT_EQ(record->exp, c.exp) << c.record;
    }
}

TEST(SpfRecord, KeepsMechanismDetails)
{
    Result<Record> record = parse_record("v=spf1 ?mx:example.org/30//64 -ip6:2001:DB8::/48");
    ASSERT_TRUE(record) << record.error().to_string();
    ASSERT_EQ(record->mechanisms.size(), 2u);
    const Mechanism& mx = record->mechanisms[0];
    EXPECT_EQ(mx.qualifier, Qualifier::Neutral);
    EXPECT_EQ(mx.kind, MechanismKind::Mx);
    EXPECT_EQ(mx.domain_spec, "example.org");
    EXPECT_EQ(mx.cidr4, 30u);
    EXPECT_EQ(mx.cidr6, 64u);
    EXPECT_TRUE(mx.queries_dns());
    const Mechanism& ip6 = record->mechanisms[1];
    EXPECT_EQ(ip6.qualifier, Qualifier::Fail);
    EXPECT_EQ(ip6.network, boost::asio::ip::make_address("2001:db8::"));
    EXPECT_EQ(ip6.cidr6, 48u);
    EXPECT_FALSE(ip6.queries_dns());
}

TEST(SpfRecord, SyntaxErrorsAnywhereFail)
{
    const char* const cases[] = {
        "v=spf1 ip4:1.2.3.4 -all moo",         // unknown mechanism (detect-errors-anywhere)
        "v=spf1 moo.cow/far_out=man:dog/cat",  // '/' before '=': not a modifier name
        "v=spf1 moo.cow:far_out=man:dog/cat",  //
        "v=spf1 1up=foo",                      // a modifier name starts with ALPHA
        "v=spf1 =all",                         //
        "v=spf1 redirect:t2.example.com",      // redirect is a modifier
        "v=spf1 -all.",
        "v=spf1 -all:foobar",
        "v=spf1 -all/8",  // all takes nothing (§5.1)
        "v=spf1 ptr/0",
        "v=spf1 ptr:",  // ptr: no cidr, no empty target
        "v=spf1 a:",
        "v=spf1 mx: -all",
        "v=spf1 include: -all",
        "v=spf1 exists:",
        "v=spf1 include",
        "v=spf1 exists",
        "v=spf1 include:ip5.example.com/24",
        "v=spf1 exists:mail.example.com/24",
        "v=spf1 a/33",
        "v=spf1 a//129",
        "v=spf1 a/24/64",
        "v=spf1 mx/33",
        "v=spf1 mx//129",
        "v=spf1 a/032",  // leading zero in a CIDR length
        "v=spf1 a:foo-bar",
        "v=spf1 a:museum",
        "v=spf1 a:museum.",  // no top label
        "v=spf1 a:111.222.33.44",
        "v=spf1 a:abc.123",  // numeric top label
        "v=spf1 a:example.-com",
        "v=spf1 a:example.com:8080",
        "v=spf1 a:example.com-",
        "v=spf1 ip4",
        "v=spf1 ip4:1.2.3",
        "v=spf1 ip4:1.2.3.4:8080",
        "v=spf1 ip4:1.2.3.4//32",
        "v=spf1 ip4:1.2.3.4/33",
        "v=spf1 ip4:1.2.3.4/032",
        "v=spf1 ip4:01.2.3.4",
        "v=spf1 ip4:256.1.1.1",
        "v=spf1 ip4:1.2.3.4.5",
        "v=spf1 ip6",
        "v=spf1 -all ip6",
        "v=spf1 ip6::CAFE::BABE",
        "v=spf1 ip6:::1.1.1.1/129",
        "v=spf1 ip6:::1.1.1.1//33",
        "v=spf1 ip6:fe80::1%eth0",
        "v=spf1 ip6:[::1]",
        "v=spf1 exp= -all",
        "v=spf1 exp=-all",
        "v=spf1 redirect=-all ?all",
        "v=spf1 ?all redirect=",
        "v=spf1 exp=a.example.com -all exp=b.example.com",            // §6: twice
        "v=spf1 redirect=a.example.com -all redirect=a.example.com",  //
        "v=spf1 -all foo=%abc",
        "v=spf1 -all foo=%",  // bad macro in a modifier
        "v=spf1 exists:%(ir).sbl.example.com",
        "v=spf1 exists:foo%.sbl.example.com",
        "v=spf1 a:%{a}.example.com",
        "v=spf1 exists:%{l0}.example.com",
        "v=spf1 a:%{d.example.com",
        "v=spf1 exp=%{r}.example.com -all",     // r only in exp text
        "v=spf1 a:ctrl.example.com\rptr -all",  // terms are separated by SP only
        "v=spf1 ip4:192.0.2.5\n include:spf.protection.outlook.com ~all",
        "v=spf1 a:foo.example.com\x01",
        "v=spf1 \x80"
        "a:example.net -all",
        "v=spf1 a:\xef\xbb\xbfgarbage.example.net -all",  // not ASCII (§3.1)
        "v=spf10",                                        // not a version this parses
    };
    for (const char* text : cases) {
        Result<Record> record = parse_record(text);
        EXPECT_FALSE(record) << text;
        if (!record) {
            EXPECT_EQ(record.error().code, Errc::Invalid) << text;
            EXPECT_FALSE(record.error().detail.empty()) << text;
        }
    }
    Result<Record> nul = parse_record(std::string("v=spf1 a:foo.example.com\0", 25));
    EXPECT_FALSE(nul);
}

TEST(SpfRecord, RefusesAbsurdSizes)
{
    std::string huge = "v=spf1";
    while (huge.size() < 5000) {
        huge += " ip4:192.0.2.1";
    }
    Result<Record> too_long = parse_record(huge);
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, Errc::Limit);

    std::string many = "v=spf1";
    for (int i = 0; i < 300; ++i) {
        many += " a";
    }
    Result<Record> too_many = parse_record(many);
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().code, Errc::Limit);

    RecordLimits limits;
    limits.max_terms = 300;
    EXPECT_TRUE(parse_record(many, limits));
}

}  // namespace
}  // namespace harbor::auth::spf
