// MailboxStates: per account, the states SELECT read, until the account changes. See
// mailbox_states.hpp.
#include "imap/server/mailbox_states.hpp"

#include <utility>

namespace harbor::imap::server {

MailboxStates::MailboxStates(store::ChangeFeed& changes, std::size_t max_states)
    : max_states_(max_states)
{
    // Any change of any of the account's mailboxes: a new or deleted child changes its parent's
    // \HasChildren, and a rename moves a whole subtree, so the account is the unit.
    watch_ = changes.watch_all(
        [this](store::AccountId account, store::MailboxId, std::uint64_t) { changed(account); });
}

void MailboxStates::changed(store::AccountId account)
{
    std::lock_guard lock(mutex_);
    Account& entry = accounts_[account.value];
    entry.generation = ++next_generation_;
    kept_ -= entry.states.size();
    entry.states.clear();
}

std::uint64_t MailboxStates::generation(store::AccountId account)
{
    std::lock_guard lock(mutex_);
    return accounts_[account.value].generation;
}

void MailboxStates::keep(store::AccountId account, std::uint64_t generation, MailboxState state)
{
    std::lock_guard lock(mutex_);
    Account& entry = accounts_[account.value];
    if (entry.generation != generation) {
        return;  // changed since the reads began: the state may be older than the change
    }
    if (kept_ >= max_states_) {
        for (auto& [id, other] : accounts_) {
            other.states.clear();
        }
        kept_ = 0;
    }
    std::string name = state.mailbox.name;
    const auto [at, added] = entry.states.insert_or_assign(std::move(name), std::move(state));
    if (added) {
        ++kept_;
    }
}

std::optional<MailboxState> MailboxStates::find(store::AccountId account, std::string_view name)
{
    std::lock_guard lock(mutex_);
    const auto found = accounts_.find(account.value);
    if (found == accounts_.end()) {
        return std::nullopt;
    }
    const auto state = found->second.states.find(name);
    if (state == found->second.states.end()) {
        return std::nullopt;
    }
    return state->second;
}

}  // namespace harbor::imap::server
