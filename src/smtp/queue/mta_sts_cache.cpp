// MTA-STS discovery, fetch and cache. See mta_sts_cache.hpp.
#include "smtp/queue/mta_sts_cache.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "net/https_get.hpp"
#include "smtp/queue/destination.hpp"

namespace harbor::smtp::queue {
namespace {

std::optional<StsPolicy> in_force(const StsPolicy& policy)
{
    if (policy.mode == StsMode::None) {
        return std::nullopt;  // §3.2: "none" withdraws a policy
    }
    return policy;
}

}  // namespace

net::Awaitable<std::optional<StsPolicy>> MtaStsCache::policy_for(dns::Resolver& resolver,
                                                                 std::string domain,
                                                                 std::int64_t now)
{
    // A copy: other deliveries may change the map while this one waits for DNS or HTTPS.
    std::optional<Cached> cached;
    if (auto found = cache_.find(domain); found != cache_.end()) {
        if (found->second.expires > now) {
            cached = found->second;
        } else {
            cache_.erase(found);
        }
    }
    Result<dns::AnswerTxt> txt =
        co_await resolver.async_txt("_mta-sts." + domain, asio::use_awaitable);
    std::optional<std::string> id;
    if (txt) {
        id = parse_sts_record_id(txt->records);
    }
    if (cached && (!id || *id == cached->id)) {
        co_return in_force(cached->policy);  // §5.1: the cache outlives a missing record
    }
    if (!id) {
        co_return std::nullopt;
    }
    Result<Fetched> fetched = co_await fetch(resolver, domain);
    if (!fetched) {
        log::info("queue.mta_sts.fetch_failed",
                  {{"domain", domain}, {"error", fetched.error().to_string()}});
        if (cached) {
            co_return in_force(cached->policy);  // §5.1: keep using it
        }
        co_return std::nullopt;
    }
    const StsPolicy& policy = fetched->policy;
    log::info("queue.mta_sts.policy", {{"domain", domain},
                                       {"id", *id},
                                       {"mode", sts_mode_name(policy.mode)},
                                       {"max_age", policy.max_age}});
    const std::int64_t expires = now + static_cast<std::int64_t>(policy.max_age);
    cache_[domain] = Cached{*id, policy, expires};
    if (settings_.keep) {
        settings_.keep(store::StsPolicyRecord{domain, *id, std::move(fetched->text), now, expires});
    }
    co_return in_force(policy);
}

void MtaStsCache::restore(const std::vector<store::StsPolicyRecord>& kept)
{
    for (const store::StsPolicyRecord& record : kept) {
        Result<StsPolicy> policy = parse_sts_policy(record.policy);
        if (!policy) {
            log::warn("queue.mta_sts.kept_policy_invalid",
                      {{"domain", record.domain}, {"error", policy.error().to_string()}});
            continue;
        }
        cache_[record.domain] = Cached{record.id, std::move(*policy), record.expires};
    }
}

net::Awaitable<Result<MtaStsCache::Fetched>> MtaStsCache::fetch(dns::Resolver& resolver,
                                                                const std::string& domain)
{
    if (!settings_.tls) {
        co_return unexpected(Errc::Unsupported, "no TLS context for policy fetches");
    }
    const std::string host = "mta-sts." + domain;
    const net::Deadline deadline = net::deadline_after(settings_.fetch_timeout);
    Targets targets = co_await resolve_route_host(resolver, host, settings_.https_port);
    if (auto* failure = std::get_if<RouteFailure>(&targets)) {
        co_return unexpected(Errc::NotFound, failure->text);
    }
    auto executor = co_await asio::this_coro::executor;
    Error last{Errc::Io, "no attempt"};
    for (const Target& target : std::get<std::vector<Target>>(targets)) {
        Result<net::HttpsResponse> response =
            co_await net::https_get(executor, target.endpoint, host, "/.well-known/mta-sts.txt",
                                    settings_.tls, max_policy_size, deadline);
        if (!response) {
            last = std::move(response).error();
            continue;
        }
        // §3.3: only a 200 counts (no redirects), and the policy is text/plain (§3.2).
        if (response->status != 200) {
            co_return unexpected(Errc::NotFound,
                                 host + " answered HTTP " + std::to_string(response->status));
        }
        const std::string type = ascii_lowercase(response->content_type);
        if (!type.starts_with("text/plain")) {
            co_return unexpected(Errc::Invalid,
                                 host + " sent " + response->content_type + ", not text/plain");
        }
        Result<StsPolicy> policy = parse_sts_policy(response->body);
        if (!policy) {
            co_return unexpected(std::move(policy).error());
        }
        co_return Fetched{std::move(response->body), std::move(*policy)};
    }
    co_return unexpected(std::move(last));
}

}  // namespace harbor::smtp::queue
