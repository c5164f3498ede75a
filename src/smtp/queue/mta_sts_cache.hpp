// MTA-STS policy discovery, fetching and caching (RFC 8461 §3, §5.1): the "_mta-sts" TXT record
// says whether a domain has a policy and which one (its id); the policy itself comes from
// https://mta-sts.<domain>/.well-known/mta-sts.txt and is kept for its max_age. A cached policy
// outlives a missing TXT record or a failed fetch (§5.1), which is what makes it resist an
// attacker who blocks them. The cache lives in memory: a restart forgets it (not yet in the
// store).
// SECURITY: the TXT record, the policy host and its answer are untrusted (mta_sts_policy.hpp);
// the fetch has a deadline and a size limit and needs a certificate that verifies (§3.3).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "dns/resolver.hpp"
#include "net/awaitable.hpp"
#include "net/outbound.hpp"
#include "smtp/queue/mta_sts_policy.hpp"

namespace harbor::smtp::queue {

struct MtaStsSettings {
    std::uint16_t https_port = 443;          // §3.3; tests use another
    std::chrono::seconds fetch_timeout{60};  // §3.3 suggests about a minute
    // Verifying (TlsVerify::Peer) context for the policy host.
    std::shared_ptr<net::ClientTlsContext> tls;
};

class MtaStsCache {
public:
    explicit MtaStsCache(MtaStsSettings settings) : settings_(std::move(settings)) {}

    // The policy in force for `domain` at `now` (Unix seconds): nullopt when it has none (or
    // mode none). Runs on the caller's executor; lookups through `resolver`.
    net::Awaitable<std::optional<StsPolicy>> policy_for(dns::Resolver& resolver, std::string domain,
                                                        std::int64_t now);

private:
    struct Cached {
        std::string id;
        StsPolicy policy;
        std::int64_t expires = 0;
    };
    // The policy from the policy host, or why not.
    net::Awaitable<Result<StsPolicy>> fetch(dns::Resolver& resolver, const std::string& domain);

    MtaStsSettings settings_;
    std::map<std::string, Cached> cache_;
};

}  // namespace harbor::smtp::queue
