// The POP3 maildrop lock registry. See maildrop_locks.hpp.
#include "pop3/maildrop_locks.hpp"

#include <utility>

namespace harbor::pop3 {

MaildropLocks::MaildropLocks() : state_(std::make_shared<State>()) {}

std::optional<MaildropLocks::Lease> MaildropLocks::try_lock(store::AccountId account)
{
    const std::lock_guard lock(state_->mutex);
    if (!state_->held.insert(account.value).second) {
        return std::nullopt;
    }
    return Lease(state_, account);
}

bool MaildropLocks::is_locked(store::AccountId account) const
{
    const std::lock_guard lock(state_->mutex);
    return state_->held.contains(account.value);
}

MaildropLocks::Lease::Lease(std::shared_ptr<State> state, store::AccountId account)
    : state_(std::move(state)), account_(account)
{
}

MaildropLocks::Lease::Lease(Lease&& other) noexcept
    : state_(std::move(other.state_)), account_(other.account_)
{
    other.state_.reset();
}

MaildropLocks::Lease& MaildropLocks::Lease::operator=(Lease&& other) noexcept
{
    if (this != &other) {
        reset();
        state_ = std::move(other.state_);
        account_ = other.account_;
        other.state_.reset();
    }
    return *this;
}

MaildropLocks::Lease::~Lease()
{
    reset();
}

void MaildropLocks::Lease::reset()
{
    if (state_) {
        const std::lock_guard lock(state_->mutex);
        state_->held.erase(account_.value);
    }
    state_.reset();
}

}  // namespace harbor::pop3
