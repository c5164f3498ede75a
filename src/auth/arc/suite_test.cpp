// The ValiMail ARC test suite (shared/testdata/dkim-arc/arc_test_suite, MIT), converted to JSON
// at build time by arc_suite_to_json.py:
//  - 171 validation tests: a message (LF line ends, converted to CRLF) with the scenario's
//    txt-records as DNS, and the expected chain validation status cv;
//  - 17 signing tests: a message, a key, t= and the AMS header list; the AS, AMS and AAR Harbor
//    writes must carry exactly the expected tags and values (whitespace aside), b= included:
//    RSA PKCS #1 v1.5 signatures are deterministic, so equal b= values mean equal hash inputs.
// The suite's README: signers write its "standardized header format" (TagOrder::TestSuite) and
// build the AAR from this ADMD's Authentication-Results fields, in order, one result per line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "auth/arc/arc_testing.hpp"
#include "auth/arc/seal.hpp"
#include "auth/dkim/canonicalize.hpp"
#include "auth/dkim/tag_list.hpp"
#include "auth/results/authentication_results.hpp"
#include "core/ascii.hpp"

namespace harbor::auth::arc {
namespace {

nlohmann::json load_suite()
{
    std::ifstream in(HARBOR_ARC_SUITE_JSON, std::ios::binary);
    EXPECT_TRUE(in) << HARBOR_ARC_SUITE_JSON;
    std::stringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str());
}

const nlohmann::json& suite()
{
    static const nlohmann::json data = load_suite();
    return data;
}

dkim::StaticZone zone_of(const nlohmann::json& records)
{
    dkim::StaticZone zone;
    for (const auto& [name, record] : records.items()) {
        // YAML block scalars fold long records over lines; a TXT record has no line breaks.
        std::string text;
        for (const char c : record.get<std::string>()) {
            if (c != '\n') {
                text.push_back(c);
            }
        }
        zone.add_txt(name, text);
    }
    return zone;
}

// The suite's names: "" marks a chain in which an earlier hop declared a failure (an ARC-Seal
// with cv=fail): dkimpy, whose results the suite records, answers None there ("the chain is
// terminated"). RFC 8617 says "fail" (§5.2 step 2 for the newest seal, step 3.3 for an older
// one), which Harbor answers; the test also checks that a cv=fail seal is why.
struct Expected {
    ChainStatus status;
    bool declared_failure;
};

bool declares_failure(const ChainValidation& result)
{
    bool any = result.terminated;
    for (const InstanceResult& instance : result.instances) {
        any = any || instance.cv == ChainStatus::Fail;
    }
    return any;
}

Expected expected_of(const std::string& cv)
{
    if (cv == "Pass") {
        return {ChainStatus::Pass, false};
    }
    if (cv == "None") {
        return {ChainStatus::None, false};
    }
    if (cv == "Fail") {
        return {ChainStatus::Fail, false};
    }
    EXPECT_EQ(cv, "") << "unknown cv in the suite";
    return {ChainStatus::Fail, true};
}

// Tests where Harbor knowingly answers otherwise, with the reason. Each must still differ: a
// listed test that starts to agree fails, so the list cannot go stale.
const std::map<std::string, std::string> known_differences = {};

TEST(ArcSuite, Validation)
{
    const nlohmann::json& tests = suite().at("validation");
    ASSERT_EQ(tests.size(), 171u);
    std::size_t agreed = 0;
    std::set<std::string> differed;
    for (const nlohmann::json& test : tests) {
        const std::string name = test.at("name");
        SCOPED_TRACE(name + ": " + test.at("description").get<std::string>());
        dkim::StaticZone zone = zone_of(test.at("txt"));
        const std::string message = dkim::to_crlf(test.at("message").get<std::string>());
        const ChainValidation result = validate_with_zone(zone, message);
        const Expected want = expected_of(test.at("cv"));
        const bool agrees =
            result.status == want.status &&
            (want.status != ChainStatus::Fail || declares_failure(result) == want.declared_failure);
        if (known_differences.contains(name)) {
            EXPECT_FALSE(agrees) << "listed as a known difference but now agrees";
            differed.insert(name);
            continue;
        }
        EXPECT_EQ(chain_status_name(result.status), chain_status_name(want.status))
            << "reason: " << result.reason;
        if (want.status == ChainStatus::Fail) {
            EXPECT_EQ(declares_failure(result), want.declared_failure)
                << "reason: " << result.reason;
        }
        agreed += agrees ? 1 : 0;
    }
    EXPECT_EQ(differed.size(), known_differences.size());
    std::cout << "ARC validation suite: " << agreed << "/" << tests.size() << " as expected, "
              << differed.size() << " known differences\n";
    EXPECT_EQ(agreed + known_differences.size(), tests.size());
}

// The AAR the suite expects: this ADMD's Authentication-Results fields, top down, each split
// into its results, one result per line after the authserv-id (README "AR Consolidation").
std::string consolidated_results(std::string_view message, std::string_view authserv_id)
{
    const mime::HeaderBlock block = mime::parse_header_block(message, 0, mime::Limits{});
    std::vector<std::string> results;
    for (const mime::HeaderField& field : block.fields) {
        if (!iequals(field.name, "Authentication-Results") ||
            !iequals(authserv_id_of(field.value), authserv_id)) {
            continue;
        }
        const std::string value = mime::unfold(field.value);
        const std::size_t first = value.find(';');
        if (first == std::string::npos) {
            continue;
        }
        for (const std::string_view item :
             dkim::split_list(std::string_view(value).substr(first + 1), ';')) {
            if (!item.empty()) {
                results.emplace_back(item);
            }
        }
    }
    std::string out;
    for (const std::string& result : results) {
        out += (out.empty() ? "" : ";\r\n  ") + result;
    }
    return out;
}

std::string without_whitespace(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        if (!dkim::is_fws(c)) {
            out.push_back(c);
        }
    }
    return out;
}

// A tag-list as name -> value, whitespace removed (the suite compares "tag sets").
std::map<std::string, std::string> tag_set(std::string_view value)
{
    Result<std::vector<dkim::Tag>> tags = dkim::parse_tag_list(value);
    EXPECT_TRUE(tags) << value;
    std::map<std::string, std::string> out;
    for (const dkim::Tag& tag : tags.value_or(std::vector<dkim::Tag>{})) {
        out[std::string(tag.name)] = without_whitespace(tag.value);
    }
    return out;
}

// An AAR value as its ";"-separated parts, whitespace removed.
std::vector<std::string> result_parts(std::string_view value)
{
    std::vector<std::string> out;
    for (const std::string_view part : dkim::split_list(value, ';')) {
        out.push_back(without_whitespace(part));
    }
    while (!out.empty() && out.back().empty()) {
        out.pop_back();
    }
    return out;
}

std::string_view value_of(std::string_view field)
{
    const std::size_t colon = field.find(':');
    return dkim::without_line_end(field.substr(colon + 1));
}

// The arc= result the suite stamped into the message's Authentication-Results, if any.
std::optional<ChainStatus> stamped_status(const std::string& results)
{
    for (const std::string_view part : dkim::split_list(results, ';')) {
        if (part.starts_with("arc=")) {
            const std::string_view value = part.substr(4);
            return value == "pass" ? ChainStatus::Pass
                                   : (value == "fail" ? ChainStatus::Fail : ChainStatus::None);
        }
    }
    return std::nullopt;
}

TEST(ArcSuite, Signing)
{
    const nlohmann::json& tests = suite().at("sign");
    ASSERT_EQ(tests.size(), 17u);
    std::size_t agreed = 0;
    for (const nlohmann::json& test : tests) {
        const std::string name = test.at("name");
        SCOPED_TRACE(name + ": " + test.at("description").get<std::string>());
        dkim::StaticZone zone = zone_of(test.at("txt"));
        const std::string message = dkim::to_crlf(test.at("message").get<std::string>());
        const std::string srv_id = test.at("srv_id");
        Result<dkim::PrivateKey> key =
            dkim::load_private_key(test.at("private_key").get<std::string>());
        ASSERT_TRUE(key) << key.error().to_string();
        const dkim::SigningKey signing{test.at("domain"), test.at("selector"), *key,
                                       dkim::Algorithm::RsaSha256};

        const ChainValidation incoming = validate_with_zone(zone, message);
        const std::string results = consolidated_results(message, srv_id);
        if (const std::optional<ChainStatus> stamped = stamped_status(results)) {
            // The suite stamps the accurate chain status into the A-R: Harbor must agree.
            EXPECT_EQ(chain_status_name(incoming.status), chain_status_name(*stamped))
                << incoming.reason;
        }
        SealOptions options;
        options.now = std::chrono::system_clock::time_point(
            std::chrono::seconds(test.at("t").get<std::int64_t>()));
        options.tag_order = TagOrder::TestSuite;
        options.headers.clear();
        const std::string sig_headers = test.at("sig_headers");
        for (const std::string_view header : dkim::split_list(sig_headers)) {
            options.headers.emplace_back(header);
        }
        const Result<ArcSet> set =
            seal_message(message, signing, srv_id, results, incoming, options);
        if (test.at("AS").get<std::string>().empty()) {
            // "if a chain is failing, dont add another set" (RFC 8617 §5.1 step 2).
            ASSERT_FALSE(set);
            EXPECT_EQ(set.error().code, Errc::Invalid);
            EXPECT_TRUE(incoming.terminated);
            ++agreed;
            continue;
        }
        ASSERT_TRUE(set) << set.error().to_string();
        const bool seal_ok =
            tag_set(value_of(set->seal)) == tag_set(test.at("AS").get<std::string>());
        const bool signature_ok =
            tag_set(value_of(set->message_signature)) == tag_set(test.at("AMS").get<std::string>());
        const bool results_ok =
            result_parts(value_of(set->results)) == result_parts(test.at("AAR").get<std::string>());
        EXPECT_TRUE(seal_ok) << set->seal << "want:\n" << test.at("AS").get<std::string>();
        EXPECT_TRUE(signature_ok) << set->message_signature << "want:\n"
                                  << test.at("AMS").get<std::string>();
        EXPECT_TRUE(results_ok) << set->results << "want:\n" << test.at("AAR").get<std::string>();

        // The sealed message validates (pass), or carries a chain ended with cv=fail.
        const ChainValidation sealed = validate_with_zone(zone, set->fields() + message);
        if (set->cv == ChainStatus::Fail) {
            EXPECT_EQ(sealed.status, ChainStatus::Fail);
            EXPECT_TRUE(sealed.terminated);
        } else {
            EXPECT_EQ(sealed.status, ChainStatus::Pass) << sealed.reason;
            EXPECT_EQ(sealed.sets, set->instance);
        }
        agreed += seal_ok && signature_ok && results_ok ? 1 : 0;
    }
    std::cout << "ARC signing suite: " << agreed << "/" << tests.size() << " as expected\n";
    EXPECT_EQ(agreed, tests.size());
}

}  // namespace
}  // namespace harbor::auth::arc
