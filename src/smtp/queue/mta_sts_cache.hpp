// MTA-STS policy discovery, fetching and caching (RFC 8461 §3, §5.1): the "_mta-sts" TXT record
// says whether a domain has a policy and which one (its id); the policy itself comes from
// https://mta-sts.<domain>/.well-known/mta-sts.txt and is kept for its max_age. A cached policy
// outlives a missing TXT record or a failed fetch (§5.1), which is what makes it resist an
// attacker who blocks them. The cache lives in memory; each policy fetched is handed to `keep`
// (the runner writes it to the store), and restore() brings the kept ones back after a
// restart, so a restart does not reopen that door.
// SECURITY: the TXT record, the policy host and its answer are untrusted (mta_sts_policy.hpp);
// the fetch has a deadline and a size limit and needs a certificate that verifies (§3.3).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "net/awaitable.hpp"
#include "net/outbound.hpp"
#include "smtp/queue/mta_sts_policy.hpp"
#include "store/types.hpp"

namespace harbor::smtp::queue {

struct MtaStsSettings {
    std::uint16_t https_port = 443;          // §3.3; tests use another
    std::chrono::seconds fetch_timeout{60};  // §3.3 suggests about a minute
    // Verifying (TlsVerify::Peer) context for the policy host.
    std::shared_ptr<net::ClientTlsContext> tls;
    // Given each policy fetched, to keep it across restarts; may be empty.
    std::function<void(store::StsPolicyRecord)> keep;
};

class MtaStsCache {
public:
    explicit MtaStsCache(MtaStsSettings settings) : settings_(std::move(settings)) {}

    // The policy in force for `domain` at `now` (Unix seconds): nullopt when it has none (or
    // mode none). Runs on the caller's executor; lookups through `resolver`.
    net::Awaitable<std::optional<StsPolicy>> policy_for(dns::Resolver& resolver, std::string domain,
                                                        std::int64_t now);
    // Policies kept from before a restart; one whose text no longer parses is left out.
    void restore(const std::vector<store::StsPolicyRecord>& kept);

private:
    struct Cached {
        std::string id;
        StsPolicy policy;
        std::int64_t expires = 0;
    };
    struct Fetched {
        std::string text;  // as served, for keep
        StsPolicy policy;
    };
    // The policy from the policy host, or why not.
    net::Awaitable<Result<Fetched>> fetch(dns::Resolver& resolver, const std::string& domain);

    MtaStsSettings settings_;
    std::map<std::string, Cached> cache_;
};

}  // namespace harbor::smtp::queue
