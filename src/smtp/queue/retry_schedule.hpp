// When the queue tries a message again, when it gives up, and when it tells the sender of the
// delay: "SMTP will often try for several days before giving up" (RFC 5321 §4.5.4.1 asks for
// at least 30 minutes between tries and 4-5 days before giving up). Pure: times in Unix seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace harbor::smtp::queue {

struct RetryPolicy {
    // The wait after the first, second, ... failed attempt; the last one repeats.
    std::vector<std::chrono::seconds> backoff = {std::chrono::minutes(1),  std::chrono::minutes(5),
                                                 std::chrono::minutes(15), std::chrono::minutes(30),
                                                 std::chrono::hours(1),    std::chrono::hours(2),
                                                 std::chrono::hours(4)};
    std::chrono::seconds lifetime = std::chrono::hours(5 * 24);
    std::chrono::seconds delay_warning = std::chrono::hours(4);  // zero: never warn
};

// When an entry created at `created`, tried `attempts` times by `now` (this one included), is
// due again: after its backoff, but no later than its expiry, so the last try is made then.
std::int64_t next_attempt_at(const RetryPolicy& policy, std::int64_t created, std::int64_t now,
                             std::uint32_t attempts);

// Whether a failure at `now` is the last: the entry has lived its lifetime.
bool has_expired(const RetryPolicy& policy, std::int64_t created, std::int64_t now);

// Whether a temporary failure at `now` should tell the sender (RFC 3464 action "delayed"):
// the warning time has passed, the entry has not expired, and no warning went out before.
bool delay_warning_due(const RetryPolicy& policy, std::int64_t created, std::int64_t now,
                       bool already_warned);

}  // namespace harbor::smtp::queue
