// `harbor dmarc results`: the DMARC results the SMTP server kept for aggregate reports (RFC 7489
// §7.2), one per evaluated message, oldest first; as a table, or as JSON named after the
// report's own elements (Appendix C: policy_published, identifiers, auth_results,
// policy_evaluated). Works next to a running `harbor serve` (see OpenDirectory).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/format.hpp"
#include "directory/address.hpp"

namespace harbor::cli {
namespace {

constexpr std::size_t columns = 10;
using Row = std::array<std::string, columns>;
const Row header = {"RECEIVED", "POLICY-DOMAIN", "SOURCE",  "FROM",  "ENVELOPE",
                    "SPF",      "DKIM",          "ALIGNED", "DMARC", "DISPOSITION"};

// Names in a row come from other people's DNS and messages: no control byte reaches the
// terminal.
std::string printable(std::string_view text)
{
    std::string out(text);
    std::replace_if(
        out.begin(), out.end(),
        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }, '?');
    return out.empty() ? "-" : out;
}

std::string pass_or_fail(bool pass)
{
    return pass ? "pass" : "fail";
}

nlohmann::json describe(const store::DmarcResultRecord& r)
{
    nlohmann::json dkim = nlohmann::json::array();
    for (const store::DmarcDkimResult& signature : r.dkim) {
        dkim.push_back({{"domain", signature.domain},
                        {"selector", signature.selector},
                        {"result", signature.result}});
    }
    return {
        {"received", r.received},
        {"source_ip", r.source_ip},
        {"policy_published",
         {{"domain", r.policy_domain},
          {"rua", r.rua},
          {"p", r.policy},
          {"sp", r.subdomain_policy},
          {"adkim", r.adkim},
          {"aspf", r.aspf},
          {"pct", r.pct},
          {"fo", r.fo}}},
        {"identifiers", {{"header_from", r.header_from}, {"envelope_from", r.envelope_from}}},
        {"auth_results",
         {{"spf", {{"domain", r.envelope_from}, {"scope", r.spf_scope}, {"result", r.spf_result}}},
          {"dkim", std::move(dkim)}}},
        {"policy_evaluated",
         {{"result", r.result},
          {"requested", r.requested},
          {"disposition", r.disposition},
          {"sampled_out", r.sampled_out},
          {"spf", pass_or_fail(r.spf_aligned)},
          {"dkim", pass_or_fail(r.dkim_aligned)}}}};
}

Row row_of(const store::DmarcResultRecord& r)
{
    std::string dkim;
    for (const store::DmarcDkimResult& signature : r.dkim) {
        dkim += (dkim.empty() ? "" : ",") + signature.domain + "/" + signature.selector + "=" +
                signature.result;
    }
    std::string aligned = r.spf_aligned ? "spf" : "";
    if (r.dkim_aligned) {
        aligned += aligned.empty() ? "dkim" : ",dkim";
    }
    return {
        format_utc(r.received),
        printable(r.policy_domain),
        printable(r.source_ip),
        printable(r.header_from),
        printable((r.spf_scope == "helo" ? "helo:" : "") + r.envelope_from),
        printable(r.spf_result),
        printable(dkim),
        printable(aligned),
        printable(r.result),
        printable(r.disposition) + (r.sampled_out ? " (sampled out of " + r.requested + ")" : "")};
}

// Columns padded to their widest cell; the last one is not padded.
void print_table(const std::vector<Row>& rows)
{
    std::array<std::size_t, columns> width{};
    for (const Row& row : rows) {
        for (std::size_t i = 0; i < columns; ++i) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    for (const Row& row : rows) {
        std::string line;
        for (std::size_t i = 0; i + 1 < columns; ++i) {
            line += row[i] + std::string(width[i] - row[i].size() + 2, ' ');
        }
        std::cout << line << row[columns - 1] << "\n";
    }
}

}  // namespace

void add_dmarc_commands(CLI::App& app, Context& context)
{
    auto* dmarc = app.add_subcommand("dmarc", "DMARC results kept for aggregate reports");
    dmarc->require_subcommand(1);

    struct ResultsOptions {
        std::string domain;
        bool json = false;
    };
    auto options = std::make_shared<ResultsOptions>();
    auto* results =
        dmarc->add_subcommand("results", "list the DMARC results of received mail, oldest first");
    results->add_option("--domain", options->domain,
                        "only those for this policy domain (where the DMARC record was found)");
    results->add_flag("--json", options->json, "print JSON instead of a table");
    results->callback([&context, options] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            store::DmarcResultFilter filter;
            if (!options->domain.empty()) {
                auto domain = directory::normalize_domain(options->domain);
                HARBOR_TRY(domain);
                filter.policy_domain = *domain;
            }
            auto found = opened.store->list_dmarc_results(filter);
            HARBOR_TRY(found);
            if (options->json) {
                nlohmann::json listing = nlohmann::json::array();
                for (const store::DmarcResultRecord& r : *found) {
                    listing.push_back(describe(r));
                }
                std::cout << format_json(listing) << "\n";
                return ok();
            }
            if (found->empty()) {
                return ok();
            }
            std::vector<Row> rows{header};
            for (const store::DmarcResultRecord& r : *found) {
                rows.push_back(row_of(r));
            }
            print_table(rows);
            return ok();
        });
    });
}

}  // namespace harbor::cli
