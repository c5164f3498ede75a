// See retry_schedule.hpp.
#include "smtp/queue/retry_schedule.hpp"

#include <algorithm>

namespace harbor::smtp::queue {

std::int64_t next_attempt_at(const RetryPolicy& policy, std::int64_t created, std::int64_t now,
                             std::uint32_t attempts)
{
    const std::int64_t expiry = created + policy.lifetime.count();
    if (policy.backoff.empty()) {
        return std::max(now, expiry);
    }
    const std::size_t step =
        std::min<std::size_t>(std::max<std::uint32_t>(attempts, 1), policy.backoff.size()) - 1;
    const std::int64_t next = now + policy.backoff[step].count();
    // The last try falls on the expiry itself; a clock that jumped past it tries at once.
    return std::max(now, std::min(next, expiry));
}

bool has_expired(const RetryPolicy& policy, std::int64_t created, std::int64_t now)
{
    return now >= created + policy.lifetime.count();
}

bool delay_warning_due(const RetryPolicy& policy, std::int64_t created, std::int64_t now,
                       bool already_warned)
{
    return !already_warned && policy.delay_warning.count() > 0 &&
           now >= created + policy.delay_warning.count() && !has_expired(policy, created, now);
}

}  // namespace harbor::smtp::queue
