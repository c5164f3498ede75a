// Test-only: Harbor's side of the pyspf differential test (tests/differential/spf_pyspf.py).
// Reads an openspf suite file (a JSON array of scenarios) from the path given, or stdin with
// no argument, and runs every case over the scenario's in-memory zone (the same
// test::ZoneLookups and Request as spf_suite_test). Prints one JSON object per case and line:
//   {"scenario": 0, "name": "...", "result": "fail", "explanation": "...",
//    "mechanism": "...", "reason": "..."}
// Exit status 2 for unreadable input.
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "auth/spf/suite_cases.hpp"
#include "auth/spf/suite_zone.hpp"

int main(int argc, char** argv)
{
    using namespace harbor::auth::spf;
    nlohmann::json document;
    try {
        if (argc > 1) {
            std::ifstream in(argv[1]);
            if (!in) {
                std::cerr << "spf_check_dump: cannot read " << argv[1] << "\n";
                return 2;
            }
            document = nlohmann::json::parse(in);
        } else {
            document = nlohmann::json::parse(std::cin);
        }
        std::size_t index = 0;
        for (const test::SuiteScenario& scenario : test::load_suite(document)) {
            for (const test::SuiteCase& item : scenario.cases) {
                test::ZoneLookups zone = test::ZoneLookups::from_suite(scenario.zonedata);
                const Outcome outcome = test::run_check(zone, test::suite_request(item));
                nlohmann::json line = {
                    {"scenario", index},
                    {"name", item.name},
                    {"result", std::string(status_name(outcome.status))},
                    {"explanation", outcome.explanation},
                    {"mechanism", outcome.mechanism},
                    {"reason", outcome.reason},
                };
                // Explanations may carry bytes that are not UTF-8; replace them in the output.
                std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                          << "\n";
            }
            ++index;
        }
    } catch (const std::exception& error) {
        std::cerr << "spf_check_dump: " << error.what() << "\n";
        return 2;
    }
    return 0;
}
