// The end-of-data half of the authentication stage: DKIM, ARC, the Author Domain, DMARC and the
// mark for mail from outside that claims one of our domains.
#include "auth/arc/validate.hpp"
#include "auth/dkim/verify.hpp"
#include "auth/dmarc/alignment.hpp"
#include "filter/deadline_lookups.hpp"
#include "filter/mail_auth.hpp"

namespace harbor::filter {
namespace {

namespace dmarc = auth::dmarc;
namespace dkim = auth::dkim;

dmarc::Check spf_check(const auth::spf::Outcome& spf)
{
    switch (spf.status) {
        case auth::spf::Status::Pass:
            return dmarc::Check::Pass;
        case auth::spf::Status::TempError:
            return dmarc::Check::TempError;
        default:
            return dmarc::Check::Fail;
    }
}

// RFC 6376 §3.6.1: a key in testing mode (t=y) is "no different from unsigned"; an l= pass
// covers only part of the body (§8.2), so anything may follow it. Neither authenticates.
dmarc::Check dkim_check(const dkim::SignatureResult& signature)
{
    if (signature.result == dkim::Outcome::Pass) {
        return signature.weak() ? dmarc::Check::Fail : dmarc::Check::Pass;
    }
    return signature.result == dkim::Outcome::TempError ? dmarc::Check::TempError
                                                        : dmarc::Check::Fail;
}

// Relaxed alignment (RFC 7489 §3.1) of any passing identity with the From domain, whatever the
// domain publishes: ours may publish no DMARC record at all.
bool authenticates(const dmarc::Inputs& inputs, const dmarc::PublicSuffixList& suffixes)
{
    const auto aligned_pass = [&](const std::string& domain, dmarc::Check check) {
        return check == dmarc::Check::Pass &&
               dmarc::aligned(domain, inputs.from_domain, dmarc::AlignmentMode::Relaxed, suffixes);
    };
    if (aligned_pass(inputs.spf.domain, inputs.spf.result)) {
        return true;
    }
    for (const dmarc::DkimIdentity& signature : inputs.dkim) {
        if (aligned_pass(signature.domain, signature.result)) {
            return true;
        }
    }
    return false;
}

}  // namespace

boost::asio::awaitable<MessageFindings> MailAuth::check_message(std::string_view message,
                                                                const MailAuthFindings& found,
                                                                LocalDomainTest is_local) const
{
    MessageFindings findings;
    DeadlineLookups bounded(lookups_, std::chrono::steady_clock::now() + settings_.spf_time_limit);
    dkim::VerifyOptions options;
    options.header_limits = settings_.header_limits;
    findings.dkim = co_await dkim::verify_message(bounded, message, options);
    auth::arc::ValidateOptions chain_options;
    chain_options.header_limits = settings_.header_limits;
    findings.arc = co_await auth::arc::validate_chain(bounded, message, chain_options);

    const mime::HeaderBlock header = mime::parse_header_block(message, 0, settings_.header_limits);
    findings.author = dmarc::author_domain(header.fields);
    if (findings.author.status != dmarc::AuthorStatus::Ok || !settings_.public_suffixes) {
        co_return findings;
    }
    dmarc::Inputs inputs;
    inputs.from_domain = findings.author.domain;
    if (found.spf) {
        inputs.spf = {found.spf->domain, spf_check(*found.spf)};
    }
    for (const dkim::SignatureResult& signature : findings.dkim) {
        if (!signature.domain.empty()) {
            inputs.dkim.push_back({signature.domain, dkim_check(signature)});
        }
    }
    const dmarc::PublicSuffixList& suffixes = *settings_.public_suffixes;
    dmarc::Inputs asked = inputs;
    findings.dmarc = co_await dmarc::evaluate(bounded, suffixes, std::move(asked));
    findings.spoofs_local_domain =
        !authenticates(inputs, suffixes) && is_local && is_local(inputs.from_domain);
    co_return findings;
}

}  // namespace harbor::filter
