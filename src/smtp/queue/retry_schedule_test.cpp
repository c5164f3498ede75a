// The retry schedule: the backoff steps in order, the last one repeating, the final try on the
// expiry, and the delay warning once, between its time and the expiry.
#include "smtp/queue/retry_schedule.hpp"

#include <gtest/gtest.h>

namespace harbor::smtp::queue {
namespace {

constexpr std::int64_t created = 1'700'000'000;
constexpr std::int64_t minute = 60;
constexpr std::int64_t hour = 3600;

TEST(RetrySchedule, BacksOffStepByStepThenEveryFourHours)
{
    const RetryPolicy policy;
    const std::int64_t expected[] = {1 * minute, 5 * minute, 15 * minute, 30 * minute,
                                     1 * hour,   2 * hour,   4 * hour,    4 * hour};
    std::int64_t now = created;
    for (std::uint32_t attempts = 1; attempts <= 8; ++attempts) {
        const std::int64_t next = next_attempt_at(policy, created, now, attempts);
        EXPECT_EQ(next - now, expected[attempts - 1]) << "after attempt " << attempts;
        now = next;
    }
    // Attempt 0 (never tried, e.g. a clock that went back) waits as after the first.
    EXPECT_EQ(next_attempt_at(policy, created, created, 0), created + minute);
}

TEST(RetrySchedule, TheLastTryFallsOnTheExpiry)
{
    const RetryPolicy policy;
    const std::int64_t expiry = created + 5 * 24 * hour;
    EXPECT_EQ(next_attempt_at(policy, created, expiry - hour, 30), expiry);
    EXPECT_FALSE(has_expired(policy, created, expiry - 1));
    EXPECT_TRUE(has_expired(policy, created, expiry));
    // Past the expiry (a stopped server): at once, not in the past.
    EXPECT_EQ(next_attempt_at(policy, created, expiry + hour, 31), expiry + hour);
}

TEST(RetrySchedule, TheDelayWarningComesOnceBetweenItsTimeAndTheExpiry)
{
    RetryPolicy policy;
    EXPECT_FALSE(delay_warning_due(policy, created, created + 4 * hour - 1, false));
    EXPECT_TRUE(delay_warning_due(policy, created, created + 4 * hour, false));
    EXPECT_FALSE(delay_warning_due(policy, created, created + 4 * hour, true));
    EXPECT_FALSE(delay_warning_due(policy, created, created + 5 * 24 * hour, false));
    policy.delay_warning = std::chrono::seconds(0);
    EXPECT_FALSE(delay_warning_due(policy, created, created + 10 * hour, false));
}

}  // namespace
}  // namespace harbor::smtp::queue
