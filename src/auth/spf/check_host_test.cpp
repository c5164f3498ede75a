// check_host() over small in-memory zones: what the suites do not pin down, or only by the
// result: which DNS queries are made (laziness, §4.6.3), the §4.6.4 limits at their edges, the
// include result table (§5.2), the IPv4-mapped client (§5), the explanation's context (§6.2)
// and the Outcome's fields.
#include "auth/spf/check_host.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "auth/spf/suite_cases.hpp"
#include "auth/spf/suite_zone.hpp"

namespace harbor::auth::spf {
namespace {

using test::ZoneLookups;

ZoneLookups zone(const char* json)
{
    return ZoneLookups::from_suite(nlohmann::json::parse(json));
}

Outcome check(ZoneLookups& dns, const char* ip, std::string sender, std::string helo = "h.test")
{
    Request request;
    request.ip = boost::asio::ip::make_address(ip);
    request.sender = std::move(sender);
    request.helo = std::move(helo);
    const std::size_t at = request.sender.rfind('@');
    request.domain = at == std::string::npos ? request.helo : request.sender.substr(at + 1);
    request.receiver = "mx.harbor.example";
    request.timestamp = 1700000000;
    return test::run_check(dns, request);
}

bool asked(const ZoneLookups& dns, const std::string& query)
{
    const auto& queries = dns.queries();
    return std::find(queries.begin(), queries.end(), query) != queries.end();
}

TEST(SpfCheckHost, StopsAtTheFirstMatch)
{
    ZoneLookups dns = zone(R"({
        "example.com": [{"TXT": "v=spf1 ip4:192.0.2.0/24 a:never.example.com -all"}]})");
    Outcome outcome = check(dns, "192.0.2.7", "a@example.com");
    EXPECT_EQ(outcome.status, Status::Pass);
    EXPECT_EQ(outcome.mechanism, "ip4:192.0.2.0/24");
    EXPECT_EQ(outcome.domain, "example.com");
    EXPECT_TRUE(outcome.explanation.empty());
    EXPECT_EQ(dns.queries(), (std::vector<std::string>{"TXT example.com"}));
}

TEST(SpfCheckHost, MappedAddressesAreIpv4)
{
    ZoneLookups dns = zone(R"({
        "example.com": [{"TXT": "v=spf1 ip6:::ffff:192.0.2.0/120 a -all"},
                        {"A": "192.0.2.9"}, {"AAAA": "::ffff:192.0.2.9"}]})");
    Outcome outcome = check(dns, "::ffff:192.0.2.9", "a@example.com");
    EXPECT_EQ(outcome.status, Status::Pass);
    EXPECT_EQ(outcome.mechanism, "a");
    EXPECT_TRUE(asked(dns, "A example.com"));
    EXPECT_FALSE(asked(dns, "AAAA example.com"));
}

TEST(SpfCheckHost, EmptySenderIsPostmasterAtHelo)
{
    ZoneLookups dns = zone(R"({
        "h.example.org": [{"TXT": "v=spf1 -all exp=why.example.org"}],
        "why.example.org": [{"TXT": "%{s} via %{h} from %{c}, asked by %{r} at %{t}"}]})");
    Outcome outcome = check(dns, "2001:db8::1", "", "h.example.org");
    EXPECT_EQ(outcome.status, Status::Fail);
    EXPECT_EQ(outcome.explanation,
              "postmaster@h.example.org via h.example.org from 2001:db8::1, asked by "
              "mx.harbor.example at 1700000000");
}

TEST(SpfCheckHost, DefaultExplanationExpands)
{
    ZoneLookups dns = zone(R"({"example.com": [{"TXT": "v=spf1 -all"}]})");
    Outcome outcome = check(dns, "192.0.2.1", "a@example.com");
    EXPECT_EQ(outcome.status, Status::Fail);
    EXPECT_EQ(outcome.mechanism, "-all");
    EXPECT_EQ(outcome.explanation,
              "example.com does not designate 192.0.2.1 as a permitted sender");
}

TEST(SpfCheckHost, IncludeResultTable)
{
    // §5.2: pass matches; fail, softfail and neutral do not; temperror stays; permerror and none
    // become permerror.
    ZoneLookups dns = zone(R"({
        "pass.test": [{"TXT": "v=spf1 +all"}], "fail.test": [{"TXT": "v=spf1 -all"}],
        "soft.test": [{"TXT": "v=spf1 ~all"}], "neutral.test": [{"TXT": "v=spf1 ?all"}],
        "perm.test": [{"TXT": "v=spf1 all/8"}], "temp.test": ["TIMEOUT"],
        "i-pass.test": [{"TXT": "v=spf1 -include:pass.test +all"}],
        "i-fail.test": [{"TXT": "v=spf1 -include:fail.test +all"}],
        "i-soft.test": [{"TXT": "v=spf1 -include:soft.test +all"}],
        "i-neutral.test": [{"TXT": "v=spf1 -include:neutral.test +all"}],
        "i-perm.test": [{"TXT": "v=spf1 -include:perm.test +all"}],
        "i-temp.test": [{"TXT": "v=spf1 -include:temp.test +all"}],
        "i-none.test": [{"TXT": "v=spf1 -include:nothing.test +all"}]})");
    const std::pair<const char*, Status> cases[] = {
        {"i-pass.test", Status::Fail},      {"i-fail.test", Status::Pass},
        {"i-soft.test", Status::Pass},      {"i-neutral.test", Status::Pass},
        {"i-perm.test", Status::PermError}, {"i-temp.test", Status::TempError},
        {"i-none.test", Status::PermError},
    };
    for (const auto& [domain, want] : cases) {
        Outcome outcome = check(dns, "192.0.2.1", std::string("a@") + domain);
        EXPECT_EQ(outcome.status, want) << domain << ": " << outcome.reason;
        if (want == Status::PermError || want == Status::TempError) {
            EXPECT_NE(outcome.reason.find("include:"), std::string::npos) << outcome.reason;
        }
    }
}

TEST(SpfCheckHost, IncludeKeepsItsExplanationOut)
{
    // §6.2: the explanation of a fail comes from the record that failed, evaluated with its own
    // %{d}; a redirect's target explains with its exp=, an include's exp= is never used.
    ZoneLookups dns = zone(R"({
        "outer.test": [{"TXT": "v=spf1 include:inner.test redirect=target.test"}],
        "inner.test": [{"TXT": "v=spf1 -all exp=inner-exp.test"}],
        "target.test": [{"TXT": "v=spf1 -all exp=exp.%{d}"}],
        "exp.target.test": [{"TXT": "Rejected by %{d} for %{o}"}],
        "inner-exp.test": [{"TXT": "never"}]})");
    Outcome outcome = check(dns, "192.0.2.1", "a@outer.test");
    EXPECT_EQ(outcome.status, Status::Fail);
    EXPECT_EQ(outcome.explanation, "Rejected by target.test for outer.test");
    EXPECT_FALSE(asked(dns, "TXT inner-exp.test"));
    EXPECT_EQ(outcome.domain, "outer.test");
}

TEST(SpfCheckHost, TermLimitCountsIncludesAndRedirects)
{
    // 10 DNS-querying terms pass (§4.6.4), the 11th is a permerror; ip4 does not count.
    ZoneLookups dns2 = zone(R"({
        "ten.test": [{"TXT": "v=spf1 a a a a a ip4:10.0.0.1 a a a a include:ok.test -all"},
                     {"A": "1.1.1.1"}],
        "eleven.test": [{"TXT": "v=spf1 a a a a a a a a a a include:ok.test"}, {"A": "1.1.1.1"}],
        "redirect10.test": [{"TXT": "v=spf1 a a a a a a a a a redirect=ok.test"},
                            {"A": "1.1.1.1"}],
        "redirect11.test": [{"TXT": "v=spf1 a a a a a a a a a a redirect=ok.test"},
                            {"A": "1.1.1.1"}],
        "ok.test": [{"TXT": "v=spf1 +all"}]})");
    EXPECT_EQ(check(dns2, "192.0.2.9", "a@ten.test").status, Status::Pass);
    EXPECT_EQ(check(dns2, "192.0.2.9", "a@redirect10.test").status, Status::Pass);
    for (const char* sender : {"a@eleven.test", "a@redirect11.test"}) {
        Outcome over = check(dns2, "192.0.2.9", sender);
        EXPECT_EQ(over.status, Status::PermError) << sender;
        EXPECT_NE(over.reason.find("DNS-querying terms"), std::string::npos) << over.reason;
    }
}

TEST(SpfCheckHost, VoidLookupLimit)
{
    ZoneLookups dns = zone(R"({
        "two.test": [{"TXT": "v=spf1 a:no1.test mx:no2.test ?all"}],
        "three.test": [{"TXT": "v=spf1 a:no1.test mx:no2.test exists:no3.test ?all"}],
        "nodata.test": [{"TXT": "v=spf1 a:no1.test a:two.test ptr:two.test ?all"}]})");
    EXPECT_EQ(check(dns, "192.0.2.1", "a@two.test").status, Status::Neutral);
    Outcome three = check(dns, "192.0.2.1", "a@three.test");
    EXPECT_EQ(three.status, Status::PermError);
    EXPECT_NE(three.reason.find("void"), std::string::npos) << three.reason;
    // NODATA counts as NXDOMAIN does; a PTR lookup of an address without PTR is void too.
    EXPECT_EQ(check(dns, "192.0.2.1", "a@nodata.test").status, Status::PermError);
}

TEST(SpfCheckHost, MxLooksAtMostTenNames)
{
    std::string names;
    for (int i = 1; i <= 11; ++i) {
        names +=
            R"({"MX": [)" + std::to_string(i) + R"(, "mx)" + std::to_string(i) + R"(.test"]},)";
    }
    std::string hosts;
    for (int i = 1; i <= 11; ++i) {
        hosts += R"(, "mx)" + std::to_string(i) + R"(.test": [{"A": "192.0.2.)" +
                 std::to_string(i) + R"("}])";
    }
    const std::string json =
        R"({"example.com": [)" + names + R"({"TXT": "v=spf1 mx -all"}])" + hosts + "}";
    ZoneLookups dns = ZoneLookups::from_suite(nlohmann::json::parse(json));
    // A match among the first ten stands; reaching the eleventh is a permerror (§4.6.4).
    EXPECT_EQ(check(dns, "192.0.2.10", "a@example.com").status, Status::Pass);
    EXPECT_FALSE(asked(dns, "A mx11.test"));
    Outcome over = check(dns, "192.0.2.11", "a@example.com");
    EXPECT_EQ(over.status, Status::PermError);
    EXPECT_FALSE(asked(dns, "A mx11.test"));
}

TEST(SpfCheckHost, PtrValidatesOnlyCandidates)
{
    ZoneLookups dns = zone(R"({
        "example.com": [{"TXT": "v=spf1 ptr -all"}],
        "1.2.0.192.in-addr.arpa": [{"PTR": "other.test"}, {"PTR": "Mail.Example.COM."}],
        "mail.example.com": [{"A": "192.0.2.1"}],
        "other.test": [{"A": "192.0.2.1"}]})");
    Outcome outcome = check(dns, "192.0.2.1", "a@example.com");
    EXPECT_EQ(outcome.status, Status::Pass);
    EXPECT_FALSE(asked(dns, "A other.test"));
}

TEST(SpfCheckHost, DnsTroubleIsTempError)
{
    ZoneLookups dns = zone(R"({
        "down.test": ["TIMEOUT"],
        "a.test": [{"TXT": "v=spf1 a:down.test -all"}],
        "ptr.test": [{"TXT": "v=spf1 ptr:ptr.test -all"}],
        "1.2.0.192.in-addr.arpa": ["TIMEOUT"]})");
    Outcome record = check(dns, "192.0.2.1", "a@down.test");
    EXPECT_EQ(record.status, Status::TempError);
    EXPECT_FALSE(record.reason.empty());
    EXPECT_EQ(check(dns, "192.0.2.1", "a@a.test").status, Status::TempError);
    // §5.5: a PTR lookup error only makes ptr not match.
    EXPECT_EQ(check(dns, "192.0.2.1", "a@ptr.test").status, Status::Fail);
}

TEST(SpfCheckHost, InitialProcessingGivesNone)
{
    ZoneLookups dns = zone(R"({"example.com": [{"TXT": "v=spf1 +all"}]})");
    for (const char* sender : {"a@example", "a@[192.0.2.1]", "a@example..com", "a@.example.com",
                               "a@nothere.example.com"}) {
        Outcome outcome = check(dns, "192.0.2.1", sender);
        EXPECT_EQ(outcome.status, Status::None) << sender;
        EXPECT_FALSE(outcome.reason.empty()) << sender;
    }
    EXPECT_EQ(check(dns, "192.0.2.1", "a@example.com.").status, Status::Pass);
}

TEST(SpfCheckHost, StatusNames)
{
    EXPECT_EQ(status_name(Status::None), "none");
    EXPECT_EQ(status_name(Status::Neutral), "neutral");
    EXPECT_EQ(status_name(Status::Pass), "pass");
    EXPECT_EQ(status_name(Status::Fail), "fail");
    EXPECT_EQ(status_name(Status::SoftFail), "softfail");
    EXPECT_EQ(status_name(Status::TempError), "temperror");
    EXPECT_EQ(status_name(Status::PermError), "permerror");
}

}  // namespace
}  // namespace harbor::auth::spf
