// The openspf SPF test suite (shared/testdata/spf, via pyspf): every case of rfc7208-tests and
// rfc4408-tests, each scenario's zone served by test::ZoneLookups with the reference driver's
// rules (suite_zone.hpp), compared on the result (any listed one) and the explanation.
// A case that cannot pass for a good reason is listed below with that reason; the test also
// fails when a listed case starts passing, so the lists stay true.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "auth/spf/suite_cases.hpp"
#include "auth/spf/suite_zone.hpp"

namespace harbor::auth::spf {
namespace {

struct Exception {
    const char* name;
    const char* reason;
};

// RFC 7208 suite: none; Harbor passes all 203 cases.
const std::vector<Exception> rfc7208_exceptions = {};

// RFC 4408 suite: none; where RFC 7208 changed an expectation the RFC 4408 suite lists both
// results (e.g. mx-limit, cidr6-ip4), so all 191 cases pass.
const std::vector<Exception> rfc4408_exceptions = {};

std::string testdata(const std::string& file)
{
    return std::string(HARBOR_TESTDATA_DIR) + "/spf/" + file;
}

struct Tally {
    int cases = 0;
    int passed = 0;
};

// Runs every case of the file; expects each to pass unless listed, and each listed one to fail.
Tally run_suite(const std::string& file, const std::vector<Exception>& exceptions)
{
    std::set<std::string> listed;
    for (const Exception& exception : exceptions) {
        listed.insert(exception.name);
    }
    Tally tally;
    std::set<std::string> seen;
    for (const test::SuiteScenario& scenario : test::load_suite_file(testdata(file))) {
        for (const test::SuiteCase& item : scenario.cases) {
            test::ZoneLookups zone = test::ZoneLookups::from_suite(scenario.zonedata);
            const Outcome outcome = test::run_check(zone, test::suite_request(item));
            const bool passes = test::suite_case_passes(item, outcome);
            ++tally.cases;
            tally.passed += passes ? 1 : 0;
            seen.insert(item.name);
            std::string results;
            for (const std::string& result : item.results) {
                results += (results.empty() ? "" : "|") + result;
            }
            const std::string what =
                file + " " + item.name + " (" + scenario.description + ", §" + item.spec +
                "): want " + results +
                (item.explanation ? " \"" + *item.explanation + "\"" : std::string()) + ", got " +
                std::string(status_name(outcome.status)) + " \"" + outcome.explanation +
                "\" mechanism=" + outcome.mechanism + " reason=" + outcome.reason;
            if (listed.count(item.name) != 0) {
                EXPECT_FALSE(passes) << "listed as an exception but passes now: " << what;
            } else {
                EXPECT_TRUE(passes) << what;
            }
        }
    }
    for (const std::string& name : listed) {
        EXPECT_EQ(seen.count(name), 1u) << "exception names no case of " << file << ": " << name;
    }
    return tally;
}

TEST(SpfSuite, Rfc7208)
{
    const Tally tally = run_suite("rfc7208-tests.json", rfc7208_exceptions);
    EXPECT_EQ(tally.cases, 203);
    std::cout << "rfc7208-tests: " << tally.passed << "/" << tally.cases << " pass\n";
    RecordProperty("passed", tally.passed);
}

TEST(SpfSuite, Rfc4408)
{
    const Tally tally = run_suite("rfc4408-tests.json", rfc4408_exceptions);
    EXPECT_EQ(tally.cases, 191);
    std::cout << "rfc4408-tests: " << tally.passed << "/" << tally.cases << " pass\n";
    RecordProperty("passed", tally.passed);
}

// The driver rules themselves (suite_zone.hpp), so a zone bug cannot hide behind the suite.
TEST(SpfSuite, ZoneFollowsTheDriverRules)
{
    test::ZoneLookups zone = test::ZoneLookups::from_suite(nlohmann::json::parse(R"({
        "spf.test": [{"SPF": "v=spf1 -all"}, {"A": "192.0.2.1"}],
        "both.test": [{"SPF": "v=spf1 +all"}, {"TXT": "v=spf1 -all"}],
        "none.test": [{"SPF": "v=spf1 -all"}, {"TXT": "NONE"}],
        "split.test": [{"TXT": ["v=spf1 ", "-all"]}, {"TXT": []}],
        "late.test": [{"TXT": "v=spf1"}, "TIMEOUT"],
        "early.test": [{"A": "192.0.2.1"}, "TIMEOUT", {"TXT": "v=spf1"}],
        "alias.test": [{"CNAME": "SPF.test."}],
        "loop.test": [{"CNAME": "loop.test"}]})"));
    const auto txt = [&](const char* name) {
        Result<dns::AnswerTxt> answer;
        boost::asio::io_context io;
        boost::asio::co_spawn(
            io, zone.txt(name),
            [&](std::exception_ptr, Result<dns::AnswerTxt> a) { answer = std::move(a); });
        io.run();
        return answer;
    };
    EXPECT_EQ(txt("SPF.Test")->records, std::vector<std::string>{"v=spf1 -all"});
    EXPECT_EQ(txt("both.test")->records, std::vector<std::string>{"v=spf1 -all"});
    EXPECT_TRUE(txt("none.test")->nodata());
    EXPECT_EQ(txt("split.test")->records, (std::vector<std::string>{"v=spf1 -all", ""}));
    EXPECT_EQ(txt("late.test")->records, std::vector<std::string>{"v=spf1"});
    EXPECT_FALSE(txt("early.test"));
    EXPECT_EQ(txt("alias.test")->records, std::vector<std::string>{"v=spf1 -all"});
    EXPECT_FALSE(txt("loop.test"));
    EXPECT_TRUE(txt("nothere.test")->nxdomain());
    EXPECT_FALSE(txt("error.nothere.test"));
    EXPECT_FALSE(txt((std::string(64, 'a') + ".test").c_str()));
    EXPECT_TRUE(txt("spf..test.")->records.size() == 1);
}

}  // namespace
}  // namespace harbor::auth::spf
