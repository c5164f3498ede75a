// Directory::authenticate with a memory of verified passwords (sasl/verified_passwords.hpp):
// what skips argon2 and what still refuses.
#include <gtest/gtest.h>

#include <memory>

#include "core/log.hpp"
#include "directory/directory.hpp"
#include "directory/memory_store_for_test.hpp"

namespace harbor::directory {
namespace {

using namespace std::chrono_literals;

class VerifiedLoginTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        log::init(log::Level::Error, log::Format::Text);
        ASSERT_TRUE(directory_.add_domain("example.org"));
        ASSERT_TRUE(directory_.add_user("alice@example.org", "correct horse"));
    }

    store::Account alice()
    {
        Result<store::Account> account = store_.find_account("alice", "example.org");
        EXPECT_TRUE(account);
        return account ? *account : store::Account{};
    }

    MemoryStoreForTest store_;
    std::shared_ptr<sasl::VerifiedPasswords> verified_ =
        std::make_shared<sasl::VerifiedPasswords>(60s, 100);
    Directory directory_{store_, verified_};
};

TEST_F(VerifiedLoginTest, ARightPasswordIsRememberedAndAWrongOneNever)
{
    EXPECT_FALSE(directory_.authenticate("alice@example.org", "wrong horse"));
    EXPECT_EQ(verified_->size(), 0u);
    ASSERT_TRUE(directory_.authenticate("alice@example.org", "correct horse"));
    EXPECT_EQ(verified_->size(), 1u);
    Result<store::Account> again = directory_.authenticate("alice@example.org", "correct horse");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->address, "alice@example.org");
    EXPECT_FALSE(directory_.authenticate("alice@example.org", "wrong horse"));
}

TEST_F(VerifiedLoginTest, ARememberedPasswordSkipsArgon2)
{
    // The stored hash is not that of "correct horse" any more, but the memory says that this
    // hash and this password were verified: authenticate must take its word, which proves that
    // it asks before running argon2.
    const store::Account account = alice();
    const std::string unrelated = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA";
    store::AccountChanges changes;
    changes.credentials = account.credentials;
    changes.credentials->password_hash = unrelated;
    ASSERT_TRUE(store_.update_account(account.id, changes));
    verified_->remember(account.id.value, unrelated, "correct horse",
                        sasl::VerifiedPasswords::Clock::now());
    EXPECT_TRUE(directory_.authenticate("alice@example.org", "correct horse"));
    EXPECT_FALSE(directory_.authenticate("alice@example.org", "wrong horse"));
}

TEST_F(VerifiedLoginTest, AChangedPasswordOrADisabledAccountIsNotRecalled)
{
    ASSERT_TRUE(directory_.authenticate("alice@example.org", "correct horse"));
    ASSERT_TRUE(directory_.set_password("alice@example.org", "battery staple"));
    EXPECT_FALSE(directory_.authenticate("alice@example.org", "correct horse"));
    ASSERT_TRUE(directory_.authenticate("alice@example.org", "battery staple"));

    AccountUpdate disable;
    disable.disabled = true;
    ASSERT_TRUE(directory_.update_user("alice@example.org", disable));
    Result<store::Account> refused = directory_.authenticate("alice@example.org", "battery staple");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::Permission);
}

}  // namespace
}  // namespace harbor::directory
