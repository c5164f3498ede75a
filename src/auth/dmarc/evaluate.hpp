// DMARC evaluation (RFC 7489 §6.6): the discovered policy, identifier alignment of the SPF
// and DKIM results with the From domain, and the disposition after pct sampling (§6.6.4);
// plus the Authentication-Results spelling of the outcome (RFC 7489 §11.2, RFC 8601 §2.2).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <vector>

#include "auth/dmarc/discovery.hpp"
#include "auth/dmarc/public_suffix.hpp"
#include "auth/dmarc/record.hpp"
#include "auth/results/authentication_results.hpp"
#include "dns/lookups.hpp"

namespace harbor::auth::dmarc {

// The DMARC result (RFC 7489 §11.2).
enum class Outcome {
    None,       // no policy published (or no DMARC record at all)
    Pass,       // an aligned identifier passed SPF or DKIM
    Fail,       // a policy is published and no aligned identifier passed
    TempError,  // DNS failed during discovery, or no aligned identifier passed but one had a
                // temporary error (SPF/DKIM temperror): try again later, do not reject
    PermError,  // the published policy is unusable (several records, invalid record) or the
                // From domain is not a domain
};

std::string_view outcome_name(Outcome outcome);  // "none", "pass", ... as in A-R

// A mechanism's result as DMARC needs it. Fail stands for every result that is neither a pass
// nor temporary (SPF none, neutral, softfail, fail, permerror; DKIM fail, permerror, none).
enum class Check { Fail, Pass, TempError };

// The SPF-authenticated identity: the MAIL FROM domain, or the HELO domain when the reverse
// path is null (RFC 7489 §4.1, RFC 7208 §2.4).
struct SpfIdentity {
    std::string domain;
    Check result = Check::Fail;
};

// One DKIM-Signature's d= and its verification result (RFC 6376 §6.1).
struct DkimIdentity {
    std::string domain;
    Check result = Check::Fail;
};

struct Inputs {
    std::string from_domain;  // the Author Domain (author_domain.hpp)
    SpfIdentity spf;
    std::vector<DkimIdentity> dkim;
};

struct Evaluation {
    Outcome outcome = Outcome::None;
    Discovery discovery;                // the record and where it was found
    Policy requested = Policy::None;    // p=, or sp= for a subdomain (RFC 7489 §6.3)
    Policy disposition = Policy::None;  // what to do with the message (§6.6.4)
    bool sampled_out = false;           // pct= kept `requested` from applying
    bool spf_aligned = false;           // SPF passed for an aligned domain (§3.1.2)
    bool dkim_aligned = false;          // a DKIM signature passed for an aligned d= (§3.1.1)
    std::string dkim_domain;            // that signature's d=
    std::string from_domain;            // canonical Author Domain, for A-R and reports
};

// A uniform draw from 0..99 for pct sampling, injectable so tests are deterministic.
using PercentDraw = std::function<unsigned()>;
// The default draw: a per-thread std::mt19937 seeded from std::random_device.
unsigned random_percent();

// Pure part of evaluation, after discovery. `inputs.from_domain` must be canonical.
Evaluation apply_policy(const Discovery& discovery, const Inputs& inputs,
                        const PublicSuffixList& suffixes, const PercentDraw& draw);

// Discovery then apply_policy. A From domain that canonical_domain refuses is PermError with
// no lookup. `dns` and `suffixes` must outlive the coroutine.
boost::asio::awaitable<Evaluation> evaluate(dns::Lookups& dns, const PublicSuffixList& suffixes,
                                            Inputs inputs, PercentDraw draw = random_percent);

// The resinfo of an Authentication-Results field (RFC 8601 §2.2): "dmarc=fail
// (p=reject dis=quarantine) header.from=example.com", the comment only when a record was found
// (p is the requested policy, p= or sp=, and dis the disposition).
ResultInfo result_info(const Evaluation& evaluation);

}  // namespace harbor::auth::dmarc
