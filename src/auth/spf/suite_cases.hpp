// Test-only: the openspf / pyspf SPF test suite files (shared/testdata/spf/*.json) as cases,
// the Request its reference driver makes for each, and a synchronous check_host() run. Shared
// by spf_suite_test and spf_check_dump (the pyspf differential test).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "auth/spf/check_host.hpp"

namespace harbor::auth::spf::test {

struct SuiteCase {
    std::string name;
    std::string spec;  // the RFC section the suite cites
    std::string helo;
    std::string host;  // the client IP
    std::string mailfrom;
    std::vector<std::string> results;        // any member is right
    std::optional<std::string> explanation;  // compared when present
};

struct SuiteScenario {
    std::string description;
    nlohmann::json zonedata;  // ZoneLookups::from_suite builds the zone
    std::vector<SuiteCase> cases;
};

// The scenarios of a suite document (a JSON array of scenarios). Throws nlohmann::json errors
// for data outside the format.
std::vector<SuiteScenario> load_suite(const nlohmann::json& document);
std::vector<SuiteScenario> load_suite_file(const std::filesystem::path& path);

// What the reference driver asks: <ip> = host, <sender> = mailfrom (empty: postmaster@helo),
// <domain> = the mailfrom's domain or else the HELO name, explanation default "DEFAULT".
Request suite_request(const SuiteCase& test);

// Runs check_host() to completion on a private io_context.
Outcome run_check(dns::Lookups& dns, const Request& request);

// Whether outcome is right for the case: its result one of the listed ones and, when the case
// gives one, the same explanation.
bool suite_case_passes(const SuiteCase& test, const Outcome& outcome);

}  // namespace harbor::auth::spf::test
