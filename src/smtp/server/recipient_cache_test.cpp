// RecipientCache: answers live for the ttl and no longer, credentials are not kept, a zero ttl
// keeps nothing, and the size stays bounded (expired entries go first, then all).
#include "smtp/server/recipient_cache.hpp"

#include <gtest/gtest.h>

namespace harbor::smtp::server {
namespace {

using namespace std::chrono_literals;
using Clock = RecipientCache::Clock;

LocalRecipient alice()
{
    store::Account account;
    account.id = store::AccountId{7};
    account.address = "alice@example.org";
    account.credentials.password_hash = "$argon2id$secret";
    account.credentials.scram_sha256 = "salt:4096:stored:server";
    return LocalRecipient{{account}, {"forward@elsewhere.example"}};
}

TEST(RecipientCache, AnswersUntilTheTtlEnds)
{
    RecipientCache cache(2000ms, 100);
    const Clock::time_point start = Clock::now();
    EXPECT_FALSE(cache.find("alice@example.org", start));
    cache.remember("alice@example.org", alice(), start);
    std::optional<LocalRecipient> found = cache.find("alice@example.org", start + 1999ms);
    ASSERT_TRUE(found);
    ASSERT_EQ(found->accounts.size(), 1u);
    EXPECT_EQ(found->accounts[0].id, store::AccountId{7});
    EXPECT_EQ(found->external, std::vector<std::string>{"forward@elsewhere.example"});
    // RCPT never needs the password hashes: the cache does not hold them.
    EXPECT_TRUE(found->accounts[0].credentials.password_hash.empty());
    EXPECT_TRUE(found->accounts[0].credentials.scram_sha256.empty());
    // Exactly as written: another spelling is looked up anew.
    EXPECT_FALSE(cache.find("Alice@example.org", start));
    EXPECT_FALSE(cache.find("alice@example.org", start + 2000ms));
    EXPECT_FALSE(cache.find("alice@example.org", start));  // the expired entry went
}

TEST(RecipientCache, ZeroTtlKeepsNothing)
{
    RecipientCache cache(0ms, 100);
    const Clock::time_point now = Clock::now();
    cache.remember("alice@example.org", alice(), now);
    EXPECT_FALSE(cache.find("alice@example.org", now));
}

TEST(RecipientCache, StaysWithinItsSize)
{
    RecipientCache cache(1000ms, 3);
    const Clock::time_point start = Clock::now();
    cache.remember("a@x", alice(), start);
    cache.remember("b@x", alice(), start + 500ms);
    cache.remember("c@x", alice(), start + 600ms);
    // Full; "a@x" has expired by now and makes room alone.
    cache.remember("d@x", alice(), start + 1000ms);
    EXPECT_FALSE(cache.find("a@x", start + 1000ms));
    EXPECT_TRUE(cache.find("b@x", start + 1000ms));
    EXPECT_TRUE(cache.find("c@x", start + 1000ms));
    EXPECT_TRUE(cache.find("d@x", start + 1000ms));
    // Full of live entries: they all go for the new one.
    cache.remember("e@x", alice(), start + 1100ms);
    EXPECT_FALSE(cache.find("b@x", start + 1100ms));
    EXPECT_FALSE(cache.find("d@x", start + 1100ms));
    EXPECT_TRUE(cache.find("e@x", start + 1100ms));
    // Renewing a known address needs no room.
    cache.remember("e@x", alice(), start + 1200ms);
    EXPECT_TRUE(cache.find("e@x", start + 2100ms));
}

}  // namespace
}  // namespace harbor::smtp::server
