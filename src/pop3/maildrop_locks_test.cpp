// MaildropLocks: one POP3 session per maildrop (RFC 1939 §8, RFC 2449 §8.1.1 IN-USE).
#include "pop3/maildrop_locks.hpp"

#include <gtest/gtest.h>

namespace harbor::pop3 {
namespace {

TEST(Pop3MaildropLocks, SecondLockIsRefusedUntilTheLeaseGoes)
{
    MaildropLocks locks;
    const store::AccountId alice{1};
    const store::AccountId bob{2};
    std::optional<MaildropLocks::Lease> first = locks.try_lock(alice);
    ASSERT_TRUE(first.has_value());
    EXPECT_TRUE(first->held());
    EXPECT_FALSE(locks.try_lock(alice).has_value());
    EXPECT_TRUE(locks.try_lock(bob).has_value()) << "another account is not locked";
    MaildropLocks::Lease moved = std::move(*first);
    first.reset();
    EXPECT_TRUE(locks.is_locked(alice)) << "moving the lease keeps the lock";
    moved.reset();
    EXPECT_FALSE(locks.is_locked(alice));
    EXPECT_TRUE(locks.try_lock(alice).has_value());
    EXPECT_FALSE(locks.is_locked(alice)) << "a temporary lease lets go at once";
}

TEST(Pop3MaildropLocks, LeaseMayOutliveTheRegistry)
{
    std::optional<MaildropLocks::Lease> lease;
    {
        MaildropLocks locks;
        lease = locks.try_lock(store::AccountId{7});
    }
    ASSERT_TRUE(lease.has_value());
    lease->reset();
    EXPECT_FALSE(lease->held());
}

}  // namespace
}  // namespace harbor::pop3
