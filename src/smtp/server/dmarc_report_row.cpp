#include "smtp/server/dmarc_report_row.hpp"

namespace harbor::smtp::server {
namespace {

namespace dmarc = auth::dmarc;

std::string alignment_name(dmarc::AlignmentMode mode)
{
    return mode == dmarc::AlignmentMode::Strict ? "s" : "r";
}

// fo= in its published spelling (RFC 7489 §6.3): "0", "1", "d", "s", colon-separated.
std::string failure_options_text(const dmarc::FailureOptions& options)
{
    std::string out;
    const auto add = [&](bool on, const char* letter) {
        if (on) {
            out += (out.empty() ? "" : ":") + std::string(letter);
        }
    };
    add(options.all_fail, "0");
    add(options.any_fail, "1");
    add(options.dkim, "d");
    add(options.spf, "s");
    return out.empty() ? "0" : out;
}

}  // namespace

std::optional<store::DmarcResultRecord> dmarc_report_row(const filter::MailAuthFindings& found,
                                                         std::int64_t received)
{
    if (!found.message || !found.message->dmarc) {
        return std::nullopt;
    }
    const dmarc::Evaluation& evaluation = *found.message->dmarc;
    const dmarc::Record& record = evaluation.discovery.record;
    if (evaluation.discovery.status != dmarc::DiscoveryStatus::Found ||
        record.aggregate_uris.empty()) {
        return std::nullopt;
    }
    store::DmarcResultRecord row;
    row.received = received;
    row.policy_domain = evaluation.discovery.record_domain;
    for (const dmarc::ReportUri& uri : record.aggregate_uris) {
        // The size limit in octets (RFC 7489 §6.2 "!" size), as the report sender needs it.
        row.rua.push_back(uri.max_size ? uri.uri + "!" + std::to_string(*uri.max_size) : uri.uri);
    }
    row.policy = std::string(dmarc::policy_name(record.policy));
    if (record.subdomain_policy) {
        row.subdomain_policy = std::string(dmarc::policy_name(*record.subdomain_policy));
    }
    row.adkim = alignment_name(record.dkim_alignment);
    row.aspf = alignment_name(record.spf_alignment);
    row.pct = record.percent;
    row.fo = failure_options_text(record.failure_options);
    row.source_ip = found.client_ip;
    row.header_from = evaluation.from_domain;
    if (found.spf) {
        row.envelope_from = found.spf->domain;
        row.spf_scope = found.spf_for_helo ? "helo" : "mfrom";
        row.spf_result = std::string(auth::spf::status_name(found.spf->status));
    }
    for (const auth::dkim::SignatureResult& signature : found.message->dkim) {
        row.dkim.push_back({signature.domain, signature.selector,
                            std::string(auth::dkim::outcome_name(signature.result))});
    }
    row.spf_aligned = evaluation.spf_aligned;
    row.dkim_aligned = evaluation.dkim_aligned;
    row.result = std::string(dmarc::outcome_name(evaluation.outcome));
    row.requested = std::string(dmarc::policy_name(evaluation.requested));
    row.disposition = std::string(dmarc::policy_name(evaluation.disposition));
    row.sampled_out = evaluation.sampled_out;
    return row;
}

}  // namespace harbor::smtp::server
