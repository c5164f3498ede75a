// DMARC evaluation, RFC 7489 §6.6.2-§6.6.4, and its Authentication-Results resinfo (§11.2).
#include "auth/dmarc/evaluate.hpp"

#include <random>

#include "auth/dmarc/alignment.hpp"
#include "auth/dmarc/domain.hpp"

namespace harbor::auth::dmarc {

namespace asio = boost::asio;

namespace {

// §6.6.4: "If the email is not subject to the "reject" policy (due to the "pct" tag), the Mail
// Receiver SHOULD treat the email as though the "quarantine" policy applies"; one not subject
// to "quarantine" gets "local message classification as normal", i.e. none.
Policy next_lower(Policy policy)
{
    return policy == Policy::Reject ? Policy::Quarantine : Policy::None;
}

// §6.6.4: apply the policy to no more than pct percent of the failing messages.
bool selected(unsigned percent, const PercentDraw& draw)
{
    if (percent >= 100) {
        return true;
    }
    if (percent == 0) {
        return false;
    }
    return draw() % 100 < percent;  // "(random mod 100) < pct" (§6.3 pct)
}

}  // namespace

std::string_view outcome_name(Outcome outcome)
{
    switch (outcome) {
        case Outcome::None:
            return "none";
        case Outcome::Pass:
            return "pass";
        case Outcome::Fail:
            return "fail";
        case Outcome::TempError:
            return "temperror";
        case Outcome::PermError:
            return "permerror";
    }
    return "permerror";
}

unsigned random_percent()
{
    thread_local std::mt19937 engine{std::random_device{}()};
    return std::uniform_int_distribution<unsigned>(0, 99)(engine);
}

Evaluation apply_policy(const Discovery& discovery, const Inputs& inputs,
                        const PublicSuffixList& suffixes, const PercentDraw& draw)
{
    Evaluation out;
    out.discovery = discovery;
    out.from_domain = inputs.from_domain;
    switch (discovery.status) {
        case DiscoveryStatus::NoRecord:
            out.outcome = Outcome::None;  // §6.6.3: "SHOULD NOT apply the DMARC mechanism"
            return out;
        case DiscoveryStatus::TempError:
            out.outcome = Outcome::TempError;  // left to the receiver; the caller may 4xx
            return out;
        case DiscoveryStatus::MultipleRecords:
        case DiscoveryStatus::InvalidRecord:
            // §6.6.3 steps 5-6: no DMARC processing; reported as a permanent error (§11.2:
            // "such as encountering a syntactically incorrect DMARC record").
            out.outcome = Outcome::PermError;
            return out;
        case DiscoveryStatus::Found:
            break;
    }
    const Record& record = discovery.record;
    // §6.6.2: SPF counts only when it passed for an aligned domain (§3.1.2).
    const bool spf_domain_aligned =
        aligned(inputs.spf.domain, inputs.from_domain, record.spf_alignment, suffixes);
    out.spf_aligned = spf_domain_aligned && inputs.spf.result == Check::Pass;
    bool transient = spf_domain_aligned && inputs.spf.result == Check::TempError;
    // Any one verified signature with an aligned d= is enough (§3.1.1, §4.2).
    for (const DkimIdentity& signature : inputs.dkim) {
        if (signature.result == Check::Fail ||
            !aligned(signature.domain, inputs.from_domain, record.dkim_alignment, suffixes)) {
            continue;
        }
        if (signature.result == Check::TempError) {
            transient = true;
            continue;
        }
        out.dkim_aligned = true;
        out.dkim_domain = signature.domain;
        break;
    }
    out.requested =
        discovery.from_organisational_domain ? record.policy_for_subdomain() : record.policy;
    if (out.spf_aligned || out.dkim_aligned) {
        out.outcome = Outcome::Pass;
        return out;
    }
    if (transient) {
        // DEVIATION(RFC 7489 §6.6.2): the RFC has no rule for a mechanism's temperror. An
        // aligned identifier might have passed but for a DNS hiccup, so defer rather than
        // apply the policy (STYLE.md §10.4; RFC 7208 §2.6.6 makes SPF temperror retryable).
        out.outcome = Outcome::TempError;
        return out;
    }
    out.outcome = Outcome::Fail;
    out.disposition = out.requested;
    if (out.requested != Policy::None && !selected(record.percent, draw)) {
        out.sampled_out = true;
        out.disposition = next_lower(out.requested);
    }
    return out;
}

asio::awaitable<Evaluation> evaluate(dns::Lookups& dns, const PublicSuffixList& suffixes,
                                     Inputs inputs, PercentDraw draw)
{
    Result<std::string> from = canonical_domain(inputs.from_domain);
    if (!from) {
        Evaluation out;
        out.outcome = Outcome::PermError;
        out.from_domain = inputs.from_domain;
        out.discovery.detail = from.error().detail;
        co_return out;
    }
    inputs.from_domain = std::move(*from);
    Discovery discovery = co_await discover_policy(dns, suffixes, inputs.from_domain);
    co_return apply_policy(discovery, inputs, suffixes, draw);
}

ResultInfo result_info(const Evaluation& evaluation)
{
    ResultInfo info{"dmarc", std::string(outcome_name(evaluation.outcome)), "", {}, ""};
    if (evaluation.discovery.status == DiscoveryStatus::Found) {
        info.comment = "p=" + std::string(policy_name(evaluation.requested)) +
                       " dis=" + std::string(policy_name(evaluation.disposition));
    }
    if (!evaluation.from_domain.empty()) {
        // the ptype.property RFC 7489 §11.2 registers for dmarc
        info.properties.push_back({"header", "from", evaluation.from_domain});
    }
    return info;
}

}  // namespace harbor::auth::dmarc
