// Unit tests for net/login_throttle: lockout after N failures in a sliding window, its length,
// forgiveness on success, grouping (IPv4 /32, IPv6 /64, IPv4-mapped), the memory bound and use
// from several threads. Time is a fixed steady_clock origin plus offsets: nothing sleeps.
#include "net/login_throttle.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace harbor::net {
namespace {

namespace ip = boost::asio::ip;
using namespace std::chrono_literals;
using Clock = LoginThrottle::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000h;

ip::address addr(const char* text)
{
    return ip::make_address(text);
}

// Records `count` failures at `at` and returns whether the last one started a lockout.
bool fail_times(LoginThrottle& throttle, const ip::address& client, int count, Clock::time_point at)
{
    bool started = false;
    for (int i = 0; i < count; ++i) {
        started = throttle.record_failure(client, at);
    }
    return started;
}

TEST(LoginThrottle, LocksAfterMaxFailuresWithinWindow)
{
    LoginThrottle throttle;  // 5 failures in 5 minutes -> 15 minutes
    const ip::address client = addr("192.0.2.10");
    EXPECT_FALSE(fail_times(throttle, client, 4, t0));
    EXPECT_FALSE(throttle.locked_out(client, t0));
    EXPECT_TRUE(throttle.record_failure(client, t0 + 10s));
    EXPECT_EQ(throttle.locked_out(client, t0 + 10s), 900s);
    EXPECT_EQ(throttle.locked_out(client, t0 + 10s + 899s), 1s);
    EXPECT_EQ(throttle.locked_out(client, t0 + 10s + 899500ms), 1s);  // rounded up
    EXPECT_FALSE(throttle.locked_out(client, t0 + 10s + 900s));
    EXPECT_FALSE(throttle.locked_out(addr("192.0.2.11"), t0 + 10s));
}

TEST(LoginThrottle, WindowSlides)
{
    LoginThrottle throttle;
    const ip::address client = addr("192.0.2.10");
    for (const auto at : {0s, 100s, 200s, 299s}) {
        EXPECT_FALSE(throttle.record_failure(client, t0 + at));
    }
    // At 300 s the first failure is a full window old and no longer counts.
    EXPECT_FALSE(throttle.record_failure(client, t0 + 300s));
    EXPECT_FALSE(throttle.locked_out(client, t0 + 300s));
    EXPECT_TRUE(throttle.record_failure(client, t0 + 301s));
    EXPECT_EQ(throttle.locked_out(client, t0 + 301s), 900s);
}

TEST(LoginThrottle, SlowGuessingIsNeverLocked)
{
    LoginThrottle throttle;
    const ip::address client = addr("192.0.2.10");
    for (int i = 0; i < 100; ++i) {
        EXPECT_FALSE(throttle.record_failure(client, t0 + i * 76s));  // at most 4 per window
    }
    EXPECT_FALSE(throttle.locked_out(client, t0 + 100 * 76s));
}

TEST(LoginThrottle, FailuresDuringLockoutDoNotExtendIt)
{
    LoginThrottle throttle;
    const ip::address client = addr("2001:db8::1");
    EXPECT_TRUE(fail_times(throttle, client, 5, t0));
    EXPECT_FALSE(fail_times(throttle, client, 50, t0 + 600s));
    EXPECT_EQ(throttle.locked_out(client, t0 + 600s), 300s);
    // After the lockout counting starts again from zero.
    EXPECT_FALSE(throttle.locked_out(client, t0 + 900s));
    EXPECT_FALSE(fail_times(throttle, client, 4, t0 + 900s));
    EXPECT_FALSE(throttle.locked_out(client, t0 + 900s));
    EXPECT_TRUE(throttle.record_failure(client, t0 + 901s));
    EXPECT_EQ(throttle.locked_out(client, t0 + 901s), 900s);
}

TEST(LoginThrottle, SuccessForgivesOncePerWindow)
{
    LoginThrottle throttle;
    const ip::address client = addr("192.0.2.10");
    EXPECT_FALSE(fail_times(throttle, client, 4, t0));
    throttle.record_success(client, t0 + 1s);
    EXPECT_FALSE(fail_times(throttle, client, 4, t0 + 2s));  // forgiven: 4, not 8
    EXPECT_FALSE(throttle.locked_out(client, t0 + 2s));
    // A second success within the window forgives nothing: interleaving logins to one
    // account with guesses at others does not escape the count.
    throttle.record_success(client, t0 + 3s);
    EXPECT_TRUE(throttle.record_failure(client, t0 + 4s));
    EXPECT_TRUE(throttle.locked_out(client, t0 + 4s));

    // Once the window has passed since the last forgiveness, a success forgives again.
    LoginThrottle later;
    EXPECT_FALSE(fail_times(later, client, 4, t0));
    later.record_success(client, t0 + 1s);
    EXPECT_FALSE(fail_times(later, client, 4, t0 + 200s));
    later.record_success(client, t0 + 301s);
    EXPECT_FALSE(fail_times(later, client, 4, t0 + 302s));
    EXPECT_FALSE(later.locked_out(client, t0 + 302s));
}

TEST(LoginThrottle, SuccessDoesNotLiftLockout)
{
    LoginThrottle throttle;
    const ip::address client = addr("192.0.2.10");
    EXPECT_TRUE(fail_times(throttle, client, 5, t0));
    throttle.record_success(client, t0 + 1s);
    EXPECT_EQ(throttle.locked_out(client, t0 + 1s), 899s);
    throttle.record_success(addr("192.0.2.99"), t0);  // unknown network: nothing to do
    EXPECT_EQ(throttle.tracked(), 1u);
}

TEST(LoginThrottle, GroupsIpv6By64AndMapsIpv4)
{
    LoginThrottle throttle;
    // Five different addresses in one /64 are one client.
    const char* same_64[] = {"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9",
                             "2001:db8:1:2:1:2:3:4", "2001:db8:1:2:ffff:ffff:ffff:ffff"};
    for (const char* text : same_64) {
        throttle.record_failure(addr(text), t0);
    }
    EXPECT_TRUE(throttle.locked_out(addr("2001:db8:1:2::abcd"), t0));
    EXPECT_FALSE(throttle.locked_out(addr("2001:db8:1:3::1"), t0));
    EXPECT_FALSE(throttle.locked_out(addr("2001:db8:1:2::"), t0 + 900s));

    // IPv4 is counted per address; an IPv4-mapped peer is the IPv4 address.
    for (int i = 0; i < 5; ++i) {
        throttle.record_failure(addr(i % 2 == 0 ? "198.51.100.7" : "::ffff:198.51.100.7"), t0);
    }
    EXPECT_TRUE(throttle.locked_out(addr("198.51.100.7"), t0));
    EXPECT_TRUE(throttle.locked_out(addr("::ffff:198.51.100.7"), t0));
    EXPECT_FALSE(throttle.locked_out(addr("198.51.100.8"), t0));
    // 198.51.100.7's 32 bits must not alias the IPv6 /64 whose upper bits are the same number.
    EXPECT_FALSE(throttle.locked_out(addr("::c633:6407:0:0"), t0));
    EXPECT_FALSE(throttle.locked_out(addr("0:0:c633:6407::1"), t0));
}

TEST(LoginThrottle, MemoryIsBounded)
{
    LoginThrottlePolicy policy;
    policy.max_failures = 1;  // every failure locks, so eviction is visible
    policy.max_tracked = 3;
    LoginThrottle throttle(policy);
    const char* clients[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"};
    for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(throttle.record_failure(addr(clients[i]), t0 + i * 1s));
    }
    EXPECT_EQ(throttle.tracked(), 3u);
    EXPECT_FALSE(throttle.locked_out(addr(clients[0]), t0 + 4s));  // the oldest went first
    for (int i = 1; i < 4; ++i) {
        EXPECT_TRUE(throttle.locked_out(addr(clients[i]), t0 + 4s)) << clients[i];
    }
    // A failure keeps its network warm: 192.0.2.2 fails again, so 192.0.2.3 is evicted next.
    throttle.record_failure(addr(clients[1]), t0 + 5s);
    throttle.record_failure(addr("192.0.2.5"), t0 + 6s);
    EXPECT_TRUE(throttle.locked_out(addr(clients[1]), t0 + 6s));
    EXPECT_FALSE(throttle.locked_out(addr(clients[2]), t0 + 6s));
    EXPECT_EQ(throttle.tracked(), 3u);
}

TEST(LoginThrottle, ForgetsNetworksWithNothingToRemember)
{
    LoginThrottle throttle;
    throttle.record_failure(addr("192.0.2.1"), t0);
    EXPECT_TRUE(fail_times(throttle, addr("192.0.2.2"), 5, t0 + 1s));
    EXPECT_EQ(throttle.tracked(), 2u);
    // At 400 s the first network's failure is out of the window; the lockout is still on.
    throttle.record_failure(addr("192.0.2.3"), t0 + 400s);
    EXPECT_EQ(throttle.tracked(), 2u);
    EXPECT_TRUE(throttle.locked_out(addr("192.0.2.2"), t0 + 400s));
    // After the lockout, and once 192.0.2.3's failure has aged out, only the newcomer is left.
    throttle.record_failure(addr("192.0.2.4"), t0 + 1000s);
    EXPECT_EQ(throttle.tracked(), 1u);
}

TEST(LoginThrottle, ClampsPolicy)
{
    LoginThrottlePolicy policy;
    policy.max_failures = 0;
    policy.max_tracked = 0;
    LoginThrottle throttle(policy);
    EXPECT_TRUE(throttle.record_failure(addr("192.0.2.1"), t0));  // max_failures 1
    EXPECT_TRUE(throttle.record_failure(addr("192.0.2.2"), t0));
    EXPECT_EQ(throttle.tracked(), 1u);  // max_tracked 1
}

// Sessions on several io threads share one throttle: no failure may be lost.
TEST(LoginThrottle, CountsFailuresFromManyThreads)
{
    constexpr int threads = 4;
    constexpr int per_thread = 250;
    LoginThrottlePolicy policy;
    policy.max_failures = threads * per_thread;
    LoginThrottle throttle(policy);
    const ip::address shared = addr("203.0.113.1");
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&throttle, &shared, t] {
            for (int i = 0; i < per_thread; ++i) {
                throttle.record_failure(shared, t0);
                const std::string own =
                    "2001:db8:" + std::to_string(t) + ":" + std::to_string(i) + "::1";
                throttle.record_failure(addr(own.c_str()), t0);
                (void)throttle.locked_out(shared, t0);
            }
        });
    }
    for (std::thread& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(throttle.locked_out(shared, t0), 900s);
    EXPECT_EQ(throttle.tracked(), 1u + threads * per_thread);
}

}  // namespace
}  // namespace harbor::net
