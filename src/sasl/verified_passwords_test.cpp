// Unit tests for sasl/verified_passwords: what is recalled, what misses, and the bounds.
#include "sasl/verified_passwords.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace harbor::sasl {
namespace {

using namespace std::chrono_literals;

constexpr const char* phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA";
constexpr const char* other_phc = "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0MTI$aGFzaA";

TEST(VerifiedPasswords, RecallsOnlyTheRememberedPasswordOfThatAccountAndHash)
{
    VerifiedPasswords kept(60s, 10);
    const auto now = VerifiedPasswords::Clock::now();
    EXPECT_FALSE(kept.recall(1, phc, "correct horse", now));
    kept.remember(1, phc, "correct horse", now);
    EXPECT_TRUE(kept.recall(1, phc, "correct horse", now));
    EXPECT_FALSE(kept.recall(1, phc, "correct horsE", now));
    EXPECT_FALSE(kept.recall(1, phc, "", now));
    EXPECT_FALSE(kept.recall(2, phc, "correct horse", now));
    // A new password hash (the password was changed) misses, even with the old password.
    EXPECT_FALSE(kept.recall(1, other_phc, "correct horse", now));
    // NUL separates hash and password: moving bytes across the boundary changes the tag.
    EXPECT_FALSE(kept.recall(1, std::string(phc) + "c", "orrect horse", now));
}

TEST(VerifiedPasswords, ForgetsAfterTheTtlAndHitsDoNotExtendIt)
{
    VerifiedPasswords kept(60s, 10);
    const auto start = VerifiedPasswords::Clock::now();
    kept.remember(1, phc, "pw", start);
    EXPECT_TRUE(kept.recall(1, phc, "pw", start + 59s));
    EXPECT_FALSE(kept.recall(1, phc, "pw", start + 60s));
    EXPECT_EQ(kept.size(), 0u);  // the expired entry went at that lookup
}

TEST(VerifiedPasswords, HoldsAtMostItsCapacity)
{
    VerifiedPasswords kept(60s, 3);
    const auto start = VerifiedPasswords::Clock::now();
    kept.remember(1, phc, "a", start);
    kept.remember(2, phc, "b", start + 1s);
    kept.remember(3, phc, "c", start + 2s);
    kept.remember(4, phc, "d", start + 3s);  // full of live entries: one goes
    EXPECT_EQ(kept.size(), 3u);
    EXPECT_TRUE(kept.recall(4, phc, "d", start + 3s));
    // Once the first three have expired, a new one replaces them instead of a live one.
    kept.remember(5, phc, "e", start + 62s);
    EXPECT_TRUE(kept.recall(4, phc, "d", start + 62s));
    EXPECT_TRUE(kept.recall(5, phc, "e", start + 62s));
    EXPECT_EQ(kept.size(), 2u);
    // Remembering an account again replaces its entry and does not grow the table.
    kept.remember(5, phc, "e2", start + 62s);
    EXPECT_FALSE(kept.recall(5, phc, "e", start + 62s));
    EXPECT_TRUE(kept.recall(5, phc, "e2", start + 62s));
    EXPECT_EQ(kept.size(), 2u);
}

TEST(VerifiedPasswords, ANonPositiveTtlKeepsNothing)
{
    VerifiedPasswords kept(0s, 10);
    const auto now = VerifiedPasswords::Clock::now();
    kept.remember(1, phc, "pw", now);
    EXPECT_FALSE(kept.recall(1, phc, "pw", now));
    EXPECT_EQ(kept.size(), 0u);
}

}  // namespace
}  // namespace harbor::sasl
