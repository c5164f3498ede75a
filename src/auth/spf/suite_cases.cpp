// Test-only loader and runner for the SPF suite files (suite_cases.hpp).
#include "auth/spf/suite_cases.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <fstream>
#include <stdexcept>

namespace harbor::auth::spf::test {

std::vector<SuiteScenario> load_suite(const nlohmann::json& document)
{
    std::vector<SuiteScenario> scenarios;
    for (const auto& scenario : document) {
        SuiteScenario out;
        out.description = scenario.value("description", "");
        if (scenario.contains("zonedata")) {
            out.zonedata = scenario.at("zonedata");
        }
        for (const auto& [name, test] : scenario.at("tests").items()) {
            SuiteCase item;
            item.name = name;
            if (test.contains("spec")) {
                const auto& spec = test.at("spec");
                item.spec = spec.is_string() ? spec.get<std::string>() : spec.dump();
            }
            item.helo = test.at("helo").get<std::string>();
            item.host = test.at("host").get<std::string>();
            item.mailfrom = test.at("mailfrom").get<std::string>();
            const auto& result = test.at("result");
            if (result.is_array()) {
                for (const auto& one : result) {
                    item.results.push_back(one.get<std::string>());
                }
            } else {
                item.results.push_back(result.get<std::string>());
            }
            if (test.contains("explanation")) {
                item.explanation = test.at("explanation").get<std::string>();
            }
            out.cases.push_back(std::move(item));
        }
        scenarios.push_back(std::move(out));
    }
    return scenarios;
}

std::vector<SuiteScenario> load_suite_file(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read " + path.string());
    }
    return load_suite(nlohmann::json::parse(in));
}

Request suite_request(const SuiteCase& test)
{
    Request request;
    request.ip = boost::asio::ip::make_address(test.host);
    request.sender = test.mailfrom;
    request.helo = test.helo;
    const std::size_t at = test.mailfrom.rfind('@');
    request.domain = at == std::string::npos ? test.helo : test.mailfrom.substr(at + 1);
    request.default_explanation = "DEFAULT";
    request.timestamp = 1;
    return request;
}

Outcome run_check(dns::Lookups& dns, const Request& request)
{
    boost::asio::io_context io;
    std::optional<Outcome> outcome;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, check_host(dns, request),
                          [&](std::exception_ptr error, Outcome result) {
                              failure = error;
                              outcome = std::move(result);
                          });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*outcome);
}

bool suite_case_passes(const SuiteCase& test, const Outcome& outcome)
{
    bool result_ok = false;
    for (const std::string& result : test.results) {
        result_ok = result_ok || result == status_name(outcome.status);
    }
    return result_ok && (!test.explanation || *test.explanation == outcome.explanation);
}

}  // namespace harbor::auth::spf::test
