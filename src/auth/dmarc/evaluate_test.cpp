// Unit tests for auth/dmarc/discovery and evaluate: RFC 7489 §6.6.3 policy discovery from an
// in-memory zone (org-domain fallback, discarded TXT, multiple records, DNS errors), §6.6.2
// alignment of SPF and DKIM in both modes, sp for subdomains, §6.6.4 pct sampling with a
// scripted draw, and the Authentication-Results resinfo (§11.2).
#include "auth/dmarc/evaluate.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/ascii.hpp"

namespace harbor::auth::dmarc {
namespace {

namespace asio = boost::asio;

// The resinfo as it reads in a field: "dmarc=pass (p=none dis=none) header.from=...".
std::string resinfo_text(const Evaluation& evaluation)
{
    const std::string field = authentication_results_field("x", {result_info(evaluation)});
    const std::string head = "Authentication-Results: x;\r\n\t";
    EXPECT_EQ(field.substr(0, head.size()), head);
    return field.substr(head.size(), field.size() - head.size() - 2);
}

// A zone in memory: TXT records by name, names whose lookups fail, and the queries made.
class ZoneLookups final : public dns::Lookups {
public:
    std::map<std::string, std::vector<std::string>> txt_records;
    std::set<std::string> failing;     // answer Errc::TempFail (SERVFAIL, timeout)
    std::set<std::string> unparsable;  // answer Errc::Invalid (a name the resolver refuses)
    std::vector<std::string> queries;

    Awaitable<Result<dns::AnswerTxt>> txt(std::string name) override
    {
        name = ascii_lowercase(name);
        queries.push_back(name);
        if (failing.contains(name)) {
            co_return unexpected(Errc::TempFail, "SERVFAIL for " + name);
        }
        if (unparsable.contains(name)) {
            co_return unexpected(Errc::Invalid, "bad name " + name);
        }
        dns::AnswerTxt answer;
        const auto found = txt_records.find(name);
        if (found == txt_records.end()) {
            answer.existence = dns::Existence::NxDomain;
        } else if (found->second.empty()) {
            answer.existence = dns::Existence::NoData;
        } else {
            answer.records = found->second;
        }
        co_return answer;
    }
    Awaitable<Result<dns::AnswerA>> a(std::string) override { co_return unsupported(); }
    Awaitable<Result<dns::AnswerAaaa>> aaaa(std::string) override { co_return unsupported(); }
    Awaitable<Result<dns::AnswerMx>> mx(std::string) override { co_return unsupported(); }
    Awaitable<Result<dns::AnswerPtr>> ptr(asio::ip::address) override { co_return unsupported(); }

private:
    static Unexpected unsupported()
    {
        ADD_FAILURE() << "DMARC asked for something other than TXT";
        return unexpected(Errc::Unsupported, "test zone serves TXT only");
    }
};

template <typename T>
T run(asio::awaitable<T> task)
{
    asio::io_context io;
    std::optional<T> out;
    asio::co_spawn(io, std::move(task), [&](std::exception_ptr error, T value) {
        if (error) {
            std::rethrow_exception(error);
        }
        out = std::move(value);
    });
    io.run();
    EXPECT_TRUE(out.has_value());
    return std::move(*out);
}

const PublicSuffixList& evaluate_suffixes()
{
    static const PublicSuffixList list = PublicSuffixList::parse("com\nnet\norg\nuk\nco.uk\n");
    return list;
}

Discovery discover(ZoneLookups& zone, std::string from)
{
    return run(discover_policy(zone, evaluate_suffixes(), std::move(from)));
}

// A draw that must not be called (pct 0 and 100 need no randomness).
unsigned no_draw()
{
    ADD_FAILURE() << "pct sampling drew a number it did not need";
    return 0;
}

TEST(DmarcDiscovery, RecordAtFromDomain)
{
    ZoneLookups zone;
    zone.txt_records["_dmarc.example.com"] = {"v=spf1 -all", "v=DMARC1; p=reject"};
    const Discovery found = discover(zone, "example.com");
    EXPECT_EQ(found.status, DiscoveryStatus::Found);
    EXPECT_EQ(found.record.policy, Policy::Reject);
    EXPECT_EQ(found.record_domain, "example.com");
    EXPECT_FALSE(found.from_organisational_domain);
    EXPECT_EQ(zone.queries, (std::vector<std::string>{"_dmarc.example.com"}));
}

TEST(DmarcDiscovery, FallsBackToOrganisationalDomain)
{
    ZoneLookups zone;
    zone.txt_records["_dmarc.example.co.uk"] = {"v=DMARC1; p=quarantine; sp=reject"};
    // Only non-DMARC TXT at the From name: discarded (step 2), then step 3.
    zone.txt_records["_dmarc.mail.example.co.uk"] = {"v=spf1 -all", "hello"};
    const Discovery found = discover(zone, "mail.example.co.uk");
    EXPECT_EQ(found.status, DiscoveryStatus::Found);
    EXPECT_EQ(found.record_domain, "example.co.uk");
    EXPECT_TRUE(found.from_organisational_domain);
    EXPECT_EQ(zone.queries,
              (std::vector<std::string>{"_dmarc.mail.example.co.uk", "_dmarc.example.co.uk"}));
    // NODATA at the From name is "no record" too.
    ZoneLookups nodata;
    nodata.txt_records["_dmarc.a.b.example.com"] = {};
    nodata.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=none"};
    EXPECT_EQ(discover(nodata, "a.b.example.com").status, DiscoveryStatus::Found);
}

TEST(DmarcDiscovery, NoRecord)
{
    ZoneLookups zone;
    const Discovery below = discover(zone, "a.example.com");
    EXPECT_EQ(below.status, DiscoveryStatus::NoRecord);
    EXPECT_EQ(zone.queries.size(), 2u);
    // From domain and Organizational Domain are the same: one lookup (step 3 "if different").
    ZoneLookups same;
    EXPECT_EQ(discover(same, "example.com").status, DiscoveryStatus::NoRecord);
    EXPECT_EQ(same.queries, (std::vector<std::string>{"_dmarc.example.com"}));
}

TEST(DmarcDiscovery, MultipleRecordsStop)
{
    ZoneLookups zone;
    zone.txt_records["_dmarc.a.example.com"] = {"v=DMARC1; p=none", "v=DMARC1; p=reject"};
    zone.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=reject"};
    const Discovery multiple = discover(zone, "a.example.com");
    EXPECT_EQ(multiple.status, DiscoveryStatus::MultipleRecords);
    EXPECT_EQ(zone.queries.size(), 1u);  // step 5 ends discovery, no fallback

    ZoneLookups at_org;
    at_org.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=none", "v=DMARC1; p=none"};
    EXPECT_EQ(discover(at_org, "a.example.com").status, DiscoveryStatus::MultipleRecords);
}

TEST(DmarcDiscovery, InvalidRecordStops)
{
    ZoneLookups zone;
    zone.txt_records["_dmarc.a.example.com"] = {"v=DMARC1; p=bogus"};
    zone.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=reject"};
    const Discovery invalid = discover(zone, "a.example.com");
    EXPECT_EQ(invalid.status, DiscoveryStatus::InvalidRecord);
    EXPECT_FALSE(invalid.detail.empty());
    EXPECT_EQ(zone.queries.size(), 1u);
}

TEST(DmarcDiscovery, DnsErrorsAreTempErrors)
{
    ZoneLookups at_from;
    at_from.failing.insert("_dmarc.a.example.com");
    at_from.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=reject"};
    const Discovery first = discover(at_from, "a.example.com");
    EXPECT_EQ(first.status, DiscoveryStatus::TempError);
    EXPECT_NE(first.detail.find("SERVFAIL"), std::string::npos);
    EXPECT_EQ(at_from.queries.size(), 1u);  // not mistaken for "no record"

    ZoneLookups at_org;
    at_org.failing.insert("_dmarc.example.com");
    const Discovery second = discover(at_org, "a.example.com");
    EXPECT_EQ(second.status, DiscoveryStatus::TempError);
    EXPECT_TRUE(second.from_organisational_domain);
}

TEST(DmarcDiscovery, UnqueryableNamesHaveNoRecord)
{
    ZoneLookups zone;
    zone.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=reject"};
    const std::string long_label = std::string(64, 'a') + ".example.com";
    const Discovery too_long = discover(zone, long_label);
    EXPECT_EQ(too_long.status, DiscoveryStatus::Found);
    EXPECT_EQ(zone.queries, (std::vector<std::string>{"_dmarc.example.com"}));

    std::string long_name;
    for (int i = 0; i < 30; ++i) {
        long_name += "abcdefgh.";
    }
    long_name += "example.com";
    EXPECT_EQ(discover(zone, long_name).status, DiscoveryStatus::Found);

    ZoneLookups refusing;
    refusing.unparsable.insert("_dmarc.we!rd.example.com");
    refusing.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=reject"};
    EXPECT_EQ(discover(refusing, "we!rd.example.com").status, DiscoveryStatus::Found);
}

// apply_policy over a record found at `at` for a message From `from`.
Evaluation judge(std::string record_text, bool at_organisational_domain, Inputs inputs,
                 const PercentDraw& draw = no_draw)
{
    Discovery discovery;
    Result<Record> record = parse_record(record_text);
    EXPECT_TRUE(record.has_value()) << record_text;
    discovery.status = DiscoveryStatus::Found;
    discovery.record = record.value_or(Record{});
    discovery.from_organisational_domain = at_organisational_domain;
    return apply_policy(discovery, inputs, evaluate_suffixes(), draw);
}

Inputs message(std::string from, SpfIdentity spf, std::vector<DkimIdentity> dkim = {})
{
    return Inputs{std::move(from), std::move(spf), std::move(dkim)};
}

TEST(DmarcEvaluate, SpfAlignment)
{
    // Relaxed (default): the MAIL FROM domain shares the Organizational Domain.
    Evaluation relaxed = judge("v=DMARC1; p=reject", false,
                               message("example.com", {"bounce.example.com", Check::Pass}));
    EXPECT_EQ(relaxed.outcome, Outcome::Pass);
    EXPECT_TRUE(relaxed.spf_aligned);
    EXPECT_EQ(relaxed.disposition, Policy::None);
    // Strict: only the exact domain.
    Evaluation strict = judge("v=DMARC1; p=reject; aspf=s", false,
                              message("example.com", {"bounce.example.com", Check::Pass}));
    EXPECT_EQ(strict.outcome, Outcome::Fail);
    EXPECT_FALSE(strict.spf_aligned);
    EXPECT_EQ(strict.disposition, Policy::Reject);
    Evaluation exact = judge("v=DMARC1; p=reject; aspf=s", false,
                             message("example.com", {"EXAMPLE.com", Check::Pass}));
    EXPECT_EQ(exact.outcome, Outcome::Pass);
    // Aligned but not a pass: no help.
    Evaluation softfail = judge("v=DMARC1; p=quarantine", false,
                                message("example.com", {"example.com", Check::Fail}));
    EXPECT_EQ(softfail.outcome, Outcome::Fail);
    EXPECT_EQ(softfail.disposition, Policy::Quarantine);
    // A pass for an unrelated domain: not aligned.
    Evaluation elsewhere =
        judge("v=DMARC1; p=reject", false, message("example.com", {"example.net", Check::Pass}));
    EXPECT_EQ(elsewhere.outcome, Outcome::Fail);
}

TEST(DmarcEvaluate, DkimAlignment)
{
    const SpfIdentity no_spf{"", Check::Fail};
    Evaluation relaxed = judge("v=DMARC1; p=reject", false,
                               message("news.example.com", no_spf,
                                       {{"other.net", Check::Pass}, {"example.com", Check::Pass}}));
    EXPECT_EQ(relaxed.outcome, Outcome::Pass);
    EXPECT_TRUE(relaxed.dkim_aligned);
    EXPECT_EQ(relaxed.dkim_domain, "example.com");

    Evaluation strict = judge("v=DMARC1; p=reject; adkim=s", false,
                              message("news.example.com", no_spf, {{"example.com", Check::Pass}}));
    EXPECT_EQ(strict.outcome, Outcome::Fail);
    EXPECT_FALSE(strict.dkim_aligned);

    Evaluation strict_exact =
        judge("v=DMARC1; p=reject; adkim=s", false,
              message("news.example.com", no_spf, {{"News.Example.com", Check::Pass}}));
    EXPECT_EQ(strict_exact.outcome, Outcome::Pass);

    // The aligned signature failed, the passing one is not aligned.
    Evaluation mixed = judge("v=DMARC1; p=reject", false,
                             message("example.com", no_spf,
                                     {{"example.com", Check::Fail}, {"example.net", Check::Pass}}));
    EXPECT_EQ(mixed.outcome, Outcome::Fail);
    EXPECT_EQ(mixed.disposition, Policy::Reject);

    // Either mechanism is enough (§4.2): DKIM aligned while SPF is not.
    Evaluation either = judge("v=DMARC1; p=reject; aspf=s", false,
                              message("example.com", {"bounce.example.com", Check::Pass},
                                      {{"example.com", Check::Pass}}));
    EXPECT_EQ(either.outcome, Outcome::Pass);
    EXPECT_FALSE(either.spf_aligned);
    EXPECT_TRUE(either.dkim_aligned);
}

TEST(DmarcEvaluate, TransientMechanismErrors)
{
    // An aligned SPF temperror with no aligned pass: defer, do not reject.
    Evaluation spf = judge("v=DMARC1; p=reject", false,
                           message("example.com", {"mail.example.com", Check::TempError}));
    EXPECT_EQ(spf.outcome, Outcome::TempError);
    EXPECT_EQ(spf.disposition, Policy::None);
    // The same for DKIM, and an aligned pass wins over a temperror.
    Evaluation dkim = judge(
        "v=DMARC1; p=reject", false,
        message("example.com", {"other.net", Check::Fail}, {{"example.com", Check::TempError}}));
    EXPECT_EQ(dkim.outcome, Outcome::TempError);
    Evaluation passed = judge(
        "v=DMARC1; p=reject", false,
        message("example.com", {"example.com", Check::TempError}, {{"example.com", Check::Pass}}));
    EXPECT_EQ(passed.outcome, Outcome::Pass);
    // A temperror for a domain that is not aligned cannot rescue anything: fail.
    Evaluation unaligned = judge("v=DMARC1; p=reject; aspf=s", false,
                                 message("example.com", {"mail.example.com", Check::TempError},
                                         {{"example.net", Check::TempError}}));
    EXPECT_EQ(unaligned.outcome, Outcome::Fail);
    EXPECT_EQ(unaligned.disposition, Policy::Reject);
}

TEST(DmarcEvaluate, SubdomainPolicy)
{
    const char* record = "v=DMARC1; p=reject; sp=quarantine";
    const SpfIdentity fail{"x.example", Check::Fail};
    // The record came from the Organizational Domain of a subdomain: sp applies.
    Evaluation sub = judge(record, true, message("a.example.com", fail));
    EXPECT_EQ(sub.outcome, Outcome::Fail);
    EXPECT_EQ(sub.requested, Policy::Quarantine);
    EXPECT_EQ(sub.disposition, Policy::Quarantine);
    // The From domain's own record: p applies.
    Evaluation own = judge(record, false, message("example.com", fail));
    EXPECT_EQ(own.requested, Policy::Reject);
    // Without sp=, p covers subdomains too.
    Evaluation inherit = judge("v=DMARC1; p=reject", true, message("a.example.com", fail));
    EXPECT_EQ(inherit.requested, Policy::Reject);
}

TEST(DmarcEvaluate, SubdomainWithItsOwnRecordEndToEnd)
{
    ZoneLookups zone;
    zone.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=reject; sp=reject"};
    zone.txt_records["_dmarc.lists.example.com"] = {"v=DMARC1; p=none"};
    const Inputs inputs = message("lists.example.com", {"elsewhere.net", Check::Pass});
    const Evaluation own = run(evaluate(zone, evaluate_suffixes(), inputs, no_draw));
    EXPECT_EQ(own.outcome, Outcome::Fail);
    EXPECT_EQ(own.requested, Policy::None);  // its own p=, not the parent's sp=
    EXPECT_EQ(own.discovery.record_domain, "lists.example.com");

    const Evaluation other = run(evaluate(
        zone, evaluate_suffixes(), message("Shop.Example.COM", {"x.net", Check::Pass}), no_draw));
    EXPECT_EQ(other.outcome, Outcome::Fail);
    EXPECT_EQ(other.requested, Policy::Reject);
    EXPECT_TRUE(other.discovery.from_organisational_domain);
    EXPECT_EQ(other.from_domain, "shop.example.com");
}

TEST(DmarcEvaluate, PercentSampling)
{
    const Inputs failing = message("example.com", {"example.net", Check::Pass});
    unsigned next = 0;
    int draws = 0;
    const PercentDraw scripted = [&] {
        ++draws;
        return next;
    };
    // p=reject; pct=30: draws 0..29 are selected, the rest get quarantine (§6.6.4).
    next = 29;
    Evaluation hit = judge("v=DMARC1; p=reject; pct=30", false, failing, scripted);
    EXPECT_EQ(hit.disposition, Policy::Reject);
    EXPECT_FALSE(hit.sampled_out);
    next = 30;
    Evaluation miss = judge("v=DMARC1; p=reject; pct=30", false, failing, scripted);
    EXPECT_EQ(miss.requested, Policy::Reject);
    EXPECT_EQ(miss.disposition, Policy::Quarantine);
    EXPECT_TRUE(miss.sampled_out);
    EXPECT_EQ(miss.outcome, Outcome::Fail);  // the result is still fail, reports say so
    // p=quarantine sampled out: normal local classification, i.e. none.
    next = 99;
    Evaluation quarantine = judge("v=DMARC1; p=quarantine; pct=50", false, failing, scripted);
    EXPECT_EQ(quarantine.disposition, Policy::None);
    EXPECT_TRUE(quarantine.sampled_out);
    // Draws above 99 wrap ("random mod 100").
    next = 110;
    EXPECT_EQ(judge("v=DMARC1; p=reject; pct=30", false, failing, scripted).disposition,
              Policy::Reject);
    EXPECT_EQ(draws, 4);
    // pct=0 never applies, pct=100 always; neither draws.
    Evaluation never = judge("v=DMARC1; p=reject; pct=0", false, failing);
    EXPECT_EQ(never.disposition, Policy::Quarantine);
    EXPECT_TRUE(never.sampled_out);
    EXPECT_EQ(judge("v=DMARC1; p=reject; pct=100", false, failing).disposition, Policy::Reject);
    // A pass or p=none draws nothing either.
    EXPECT_EQ(judge("v=DMARC1; p=reject; pct=30", false,
                    message("example.com", {"example.com", Check::Pass}))
                  .outcome,
              Outcome::Pass);
    EXPECT_EQ(judge("v=DMARC1; p=none; pct=30", false, failing).disposition, Policy::None);
    // The default draw stays in range.
    for (int i = 0; i < 1000; ++i) {
        EXPECT_LT(random_percent(), 100u);
    }
}

TEST(DmarcEvaluate, PolicyDefaultedToNone)
{
    Evaluation defaulted = judge("v=DMARC1; p=bogus; rua=mailto:r@example.com", false,
                                 message("example.com", {"example.net", Check::Pass}));
    EXPECT_EQ(defaulted.outcome, Outcome::Fail);
    EXPECT_EQ(defaulted.disposition, Policy::None);
    ASSERT_EQ(defaulted.discovery.record.aggregate_uris.size(), 1u);
}

TEST(DmarcEvaluate, OutcomesWithoutAPolicy)
{
    const Inputs inputs = message("a.example.com", {"a.example.com", Check::Pass});
    ZoneLookups empty;
    Evaluation none = run(evaluate(empty, evaluate_suffixes(), inputs, no_draw));
    EXPECT_EQ(none.outcome, Outcome::None);
    EXPECT_EQ(none.disposition, Policy::None);
    EXPECT_EQ(resinfo_text(none), "dmarc=none header.from=a.example.com");

    ZoneLookups failing;
    failing.failing.insert("_dmarc.a.example.com");
    Evaluation temp = run(evaluate(failing, evaluate_suffixes(), inputs, no_draw));
    EXPECT_EQ(temp.outcome, Outcome::TempError);
    EXPECT_EQ(resinfo_text(temp), "dmarc=temperror header.from=a.example.com");

    ZoneLookups multiple;
    multiple.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=none", "v=DMARC1;p=reject"};
    EXPECT_EQ(run(evaluate(multiple, evaluate_suffixes(), inputs, no_draw)).outcome,
              Outcome::PermError);

    ZoneLookups invalid;
    invalid.txt_records["_dmarc.example.com"] = {"v=DMARC1; sp=reject"};
    Evaluation perm = run(evaluate(invalid, evaluate_suffixes(), inputs, no_draw));
    EXPECT_EQ(perm.outcome, Outcome::PermError);
    EXPECT_EQ(perm.disposition, Policy::None);

    // Not a domain: no lookup at all.
    ZoneLookups untouched;
    Evaluation bad = run(evaluate(untouched, evaluate_suffixes(),
                                  message("bad..example.com", {"", Check::Fail}), no_draw));
    EXPECT_EQ(bad.outcome, Outcome::PermError);
    EXPECT_TRUE(untouched.queries.empty());
}

TEST(DmarcEvaluate, AuthenticationResults)
{
    ZoneLookups zone;
    zone.txt_records["_dmarc.example.com"] = {"v=DMARC1; p=reject; sp=quarantine; pct=50"};
    unsigned draw = 70;
    const PercentDraw fixed = [&] { return draw; };
    const Evaluation pass = run(evaluate(
        zone, evaluate_suffixes(), message("example.com", {"example.com", Check::Pass}), fixed));
    EXPECT_EQ(resinfo_text(pass), "dmarc=pass (p=reject dis=none) header.from=example.com");
    const Evaluation sampled = run(evaluate(
        zone, evaluate_suffixes(), message("m.example.com", {"x.net", Check::Pass}), fixed));
    EXPECT_EQ(resinfo_text(sampled),
              "dmarc=fail (p=quarantine dis=none) header.from=m.example.com");
    draw = 10;
    const Evaluation applied = run(
        evaluate(zone, evaluate_suffixes(), message("example.com", {"x.net", Check::Pass}), fixed));
    EXPECT_EQ(resinfo_text(applied), "dmarc=fail (p=reject dis=reject) header.from=example.com");
    // A From domain that is not a token is quoted (RFC 8601 §2.2 value).
    Evaluation odd;
    odd.outcome = Outcome::None;
    odd.from_domain = "we\"ird=.example";
    EXPECT_EQ(resinfo_text(odd), "dmarc=none header.from=\"we\\\"ird=.example\"");
}

}  // namespace
}  // namespace harbor::auth::dmarc
