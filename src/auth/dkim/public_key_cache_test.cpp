// Unit tests for PublicKeyCache: a hit gives the very key parsed before, other octets (or the
// same octets as another type) miss, the bound holds with the least recently used key leaving
// first, keys that do not parse are an error every time and never stored, and several threads
// sharing one cache all get correct keys.
#include "auth/dkim/public_key_cache.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/dkim/test_keys.hpp"

namespace harbor::auth::dkim {
namespace {

std::string spki_of(const Key& key)
{
    unsigned char* out = nullptr;
    const int size = i2d_PUBKEY(key.get(), &out);
    EXPECT_GT(size, 0);
    std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
    OPENSSL_free(out);
    return der;
}

std::string rsa_public_key_of(const Key& key)  // the bare RSAPublicKey form
{
    unsigned char* out = nullptr;
    const int size = i2d_PublicKey(key.get(), &out);
    EXPECT_GT(size, 0);
    std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
    OPENSSL_free(out);
    return der;
}

std::string raw_ed25519_of(const Key& key)
{
    std::string octets(32, '\0');
    std::size_t size = octets.size();
    EXPECT_EQ(EVP_PKEY_get_raw_public_key(key.get(),
                                          reinterpret_cast<unsigned char*>(octets.data()), &size),
              1);
    octets.resize(size);
    return octets;
}

// `count` distinct Ed25519 public keys, as p= octets.
std::vector<std::string> ed25519_keys(std::size_t count)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
        Result<GeneratedKey> generated = generate_key(KeyType::Ed25519);
        EXPECT_TRUE(generated);
        out.push_back(raw_ed25519_of(generated->key));
    }
    return out;
}

TEST(PublicKeyCache, HitGivesTheSameKey)
{
    PublicKeyCache cache;
    const std::string octets = spki_of(test::rsa_key().key);
    const Result<PublicKey> first = cache.get(KeyType::Rsa, octets);
    const Result<PublicKey> second = cache.get(KeyType::Rsa, octets);
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_EQ(first->get(), second->get());  // the same EVP_PKEY, not an equal one
    EXPECT_EQ(EVP_PKEY_eq(first->get(), test::rsa_key().key.get()), 1);
    EXPECT_EQ(first->bits(), 2048u);
    const PublicKeyCache::Stats stats = cache.stats();
    EXPECT_EQ(stats.hits, 1u);
    EXPECT_EQ(stats.misses, 1u);
    EXPECT_EQ(stats.entries, 1u);
}

TEST(PublicKeyCache, OtherOctetsMiss)
{
    PublicKeyCache cache;
    const Result<PublicKey> spki = cache.get(KeyType::Rsa, spki_of(test::rsa_key().key));
    // The same RSA key in its other form: other octets, so another entry (and an equal key).
    const Result<PublicKey> bare = cache.get(KeyType::Rsa, rsa_public_key_of(test::rsa_key().key));
    const std::string ed = raw_ed25519_of(test::ed25519_key().key);
    const Result<PublicKey> ed_key = cache.get(KeyType::Ed25519, ed);
    ASSERT_TRUE(spki);
    ASSERT_TRUE(bare);
    ASSERT_TRUE(ed_key);
    EXPECT_NE(spki->get(), bare->get());
    EXPECT_EQ(EVP_PKEY_eq(spki->get(), bare->get()), 1);
    EXPECT_EQ(ed_key->type(), KeyType::Ed25519);
    // The Ed25519 octets asked for as RSA: keyed by type too, so not the cached Ed25519 key.
    EXPECT_FALSE(cache.get(KeyType::Rsa, ed));
    const PublicKeyCache::Stats stats = cache.stats();
    EXPECT_EQ(stats.hits, 0u);
    EXPECT_EQ(stats.misses, 4u);
    EXPECT_EQ(stats.entries, 3u);
}

TEST(PublicKeyCache, BoundHoldsAndLeastRecentlyUsedLeaves)
{
    PublicKeyCache cache(3);
    const std::vector<std::string> keys = ed25519_keys(5);
    const Result<PublicKey> first = cache.get(KeyType::Ed25519, keys[0]);
    ASSERT_TRUE(first);
    ASSERT_TRUE(cache.get(KeyType::Ed25519, keys[1]));
    ASSERT_TRUE(cache.get(KeyType::Ed25519, keys[2]));
    ASSERT_TRUE(cache.get(KeyType::Ed25519, keys[0]));  // now keys[1] is the oldest
    ASSERT_TRUE(cache.get(KeyType::Ed25519, keys[3]));  // evicts keys[1]
    EXPECT_EQ(cache.stats().entries, 3u);
    EXPECT_EQ(cache.stats().hits, 1u);

    const Result<PublicKey> again = cache.get(KeyType::Ed25519, keys[0]);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->get(), first->get());  // kept: it was used after keys[1]
    EXPECT_EQ(cache.stats().hits, 2u);
    ASSERT_TRUE(cache.get(KeyType::Ed25519, keys[1]));  // was evicted: parsed again
    EXPECT_EQ(cache.stats().hits, 2u);
    EXPECT_EQ(cache.stats().misses, 5u);

    for (const std::string& key : keys) {
        ASSERT_TRUE(cache.get(KeyType::Ed25519, key));
        EXPECT_LE(cache.stats().entries, cache.capacity());
    }
    EXPECT_EQ(cache.stats().entries, 3u);
    cache.clear();
    EXPECT_EQ(cache.stats().entries, 0u);
    // A key handed out stays valid after its entry has gone (the EVP_PKEY is shared).
    EXPECT_EQ(first->type(), KeyType::Ed25519);
    EXPECT_EQ(EVP_PKEY_get_base_id(first->get()), EVP_PKEY_ED25519);
}

TEST(PublicKeyCache, BadKeysAreAnErrorEveryTime)
{
    PublicKeyCache cache;
    const std::string truncated = spki_of(test::rsa_key().key).substr(0, 100);
    for (int round = 0; round < 3; ++round) {
        const Result<PublicKey> rsa = cache.get(KeyType::Rsa, truncated);
        ASSERT_FALSE(rsa);
        EXPECT_EQ(rsa.error().code, Errc::Invalid);
        const Result<PublicKey> ed = cache.get(KeyType::Ed25519, "short");
        ASSERT_FALSE(ed);
        EXPECT_EQ(ed.error().code, Errc::Invalid);
    }
    const PublicKeyCache::Stats stats = cache.stats();
    EXPECT_EQ(stats.entries, 0u);
    EXPECT_EQ(stats.hits, 0u);
    EXPECT_EQ(stats.misses, 6u);
}

TEST(PublicKeyCache, SharedBetweenThreads)
{
    PublicKeyCache cache(4);  // fewer entries than keys, so threads evict each other's keys
    std::vector<std::string> keys = ed25519_keys(5);
    keys.push_back(spki_of(test::rsa_key().key));
    std::vector<Key> expected;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const KeyType type = i + 1 == keys.size() ? KeyType::Rsa : KeyType::Ed25519;
        expected.push_back(*parse_public_key(type, keys[i]));
    }
    constexpr int threads = 4;
    constexpr int rounds = 300;
    std::atomic<int> wrong{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int r = 0; r < rounds; ++r) {
                // Each key twice in a row: a cycle through six keys alone would always miss a
                // four-entry LRU, so a run where the threads happen to go one after another
                // would have no hits.
                const std::size_t i = static_cast<std::size_t>(t + r / 2) % keys.size();
                const Result<PublicKey> key = cache.get(expected[i].type(), keys[i]);
                if (!key || EVP_PKEY_eq(key->get(), expected[i].get()) != 1) {
                    ++wrong;
                }
                if (r % 50 == 0 && cache.get(KeyType::Rsa, "not a key")) {
                    ++wrong;  // a bad key must stay an error, however busy the cache
                }
            }
        });
    }
    for (std::thread& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(wrong.load(), 0);
    const PublicKeyCache::Stats stats = cache.stats();
    EXPECT_LE(stats.entries, 4u);
    EXPECT_EQ(stats.hits + stats.misses, std::uint64_t{threads * rounds + threads * rounds / 50});
    EXPECT_GT(stats.hits, 0u);
}

TEST(PublicKeyCache, DefaultIsOneInstance)
{
    EXPECT_EQ(&default_public_key_cache(), &default_public_key_cache());
    EXPECT_EQ(default_public_key_cache().capacity(), default_public_key_cache_entries);
}

}  // namespace
}  // namespace harbor::auth::dkim
