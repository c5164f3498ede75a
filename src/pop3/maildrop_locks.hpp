// Which maildrops POP3 sessions hold (RFC 1939 §8: "the POP3 server acquires an exclusive-access
// lock on the maildrop"): one in-process set of accounts, shared by the pop3 and pop3s
// listeners. A second session for the same account is refused with -ERR [IN-USE] (RFC 2449
// §8.1.1); IMAP sessions never take this lock and keep working. The lock is a Lease that
// lets go when it is destroyed, so a dropped connection cannot leave the maildrop locked.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "store/types.hpp"

namespace harbor::pop3 {

class MaildropLocks {
    struct State;

public:
    // Move-only; the maildrop is free again when the Lease holding it is destroyed or reset.
    class Lease {
    public:
        Lease() = default;
        Lease(Lease&& other) noexcept;
        Lease& operator=(Lease&& other) noexcept;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();
        void reset();
        bool held() const { return state_ != nullptr; }

    private:
        friend class MaildropLocks;
        Lease(std::shared_ptr<State> state, store::AccountId account);
        std::shared_ptr<State> state_;
        store::AccountId account_;
    };

    MaildropLocks();
    // nullopt while another Lease holds the account's maildrop.
    std::optional<Lease> try_lock(store::AccountId account);
    bool is_locked(store::AccountId account) const;

private:
    // Shared with the leases, so a lease outliving the registry (at shutdown) stays safe.
    struct State {
        mutable std::mutex mutex;
        std::unordered_set<std::int64_t> held;
    };
    std::shared_ptr<State> state_;
};

}  // namespace harbor::pop3
