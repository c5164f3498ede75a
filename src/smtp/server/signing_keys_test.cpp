// SigningKeys over a real store: the active key is read once per ttl, absence is remembered
// too, and a key activated or removed with the store is seen once the ttl has passed.
#include "smtp/server/signing_keys.hpp"

#include <gtest/gtest.h>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/signature.hpp"
#include "store/test_support.hpp"

namespace harbor::smtp::server {
namespace {

using namespace std::chrono_literals;

store::DkimKeyRecord new_key(const std::string& selector, bool active)
{
    Result<auth::dkim::GeneratedKey> generated =
        auth::dkim::generate_key(auth::dkim::KeyType::Ed25519);
    EXPECT_TRUE(generated);
    return store::DkimKeyRecord{
        "example.org", selector, "ed25519-sha256", generated->private_key_pem, 1, active};
}

TEST(SigningKeys, KeepsTheActiveKeyForTheTtl)
{
    store::testing::TempDir dir;
    std::unique_ptr<store::Store> store = store::testing::open_or_fail(dir.path());
    ASSERT_TRUE(store);
    store::testing::make_alice(*store);
    SigningKeys keys(*store, 3600s, 10);
    EXPECT_EQ(keys.active("example.org"), nullptr);
    ASSERT_TRUE(store->add_dkim_key(new_key("one", true)));
    EXPECT_EQ(keys.active("example.org"), nullptr) << "absence is remembered for the ttl";

    SigningKeys fresh(*store, 3600s, 10);
    std::shared_ptr<const auth::dkim::SigningKey> first = fresh.active("example.org");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->selector, "one");
    EXPECT_EQ(first->algorithm, auth::dkim::Algorithm::Ed25519Sha256);
    ASSERT_TRUE(store->add_dkim_key(new_key("two", false)));
    ASSERT_TRUE(store->activate_dkim_key("example.org", "two"));
    EXPECT_EQ(fresh.active("example.org"), first) << "the same parsed key within the ttl";
}

TEST(SigningKeys, RereadsOnceTheTtlHasPassed)
{
    store::testing::TempDir dir;
    std::unique_ptr<store::Store> store = store::testing::open_or_fail(dir.path());
    ASSERT_TRUE(store);
    store::testing::make_alice(*store);
    ASSERT_TRUE(store->add_dkim_key(new_key("one", true)));
    SigningKeys keys(*store, 0s, 10);
    ASSERT_NE(keys.active("example.org"), nullptr);
    ASSERT_TRUE(store->add_dkim_key(new_key("two", false)));
    ASSERT_TRUE(store->activate_dkim_key("example.org", "two"));
    EXPECT_EQ(keys.active("example.org")->selector, "two");
    ASSERT_TRUE(store->remove_dkim_key("example.org", "two"));
    ASSERT_TRUE(store->remove_dkim_key("example.org", "one"));
    EXPECT_EQ(keys.active("example.org"), nullptr);
}

TEST(SigningKeys, StaysWithinItsBound)
{
    store::testing::TempDir dir;
    std::unique_ptr<store::Store> store = store::testing::open_or_fail(dir.path());
    ASSERT_TRUE(store);
    store::testing::make_alice(*store);
    ASSERT_TRUE(store->add_dkim_key(new_key("one", true)));
    SigningKeys keys(*store, 3600s, 2);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(keys.active("d" + std::to_string(i) + ".example"), nullptr);
    }
    EXPECT_NE(keys.active("example.org"), nullptr);
}

}  // namespace
}  // namespace harbor::smtp::server
