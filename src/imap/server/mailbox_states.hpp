// What a SELECT reads before the messages — the mailbox by name, whether it has children, its
// status — kept in memory until the account's next change, so that a SELECT of an unchanged
// mailbox whose list MailboxViews holds costs no trip to the store's threads. On this kind of
// machine the trip (two thread wake-ups) costs more than the reads themselves.
// Coherent through the change feed: the store reports every change of a mailbox (messages,
// flags, create, delete, rename) after its commit and before its caller hears of it, so a
// state kept here is never older than a change any client has been told of. Not heard: what
// another process writes to the same store (the CLI's `user remove`, from a process of its own),
// after which a session still logged in to that account may SELECT as kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/change_feed.hpp"
#include "store/types.hpp"

namespace harbor::imap::server {

struct MailboxState {
    store::Mailbox mailbox;
    store::MailboxStatus status;
    bool has_children = false;  // for SELECT's LIST response (RFC 9051 §6.3.2)
};

class MailboxStates {
public:
    // Past `max_states` kept in all, everything kept is dropped and the keeping starts again.
    explicit MailboxStates(store::ChangeFeed& changes, std::size_t max_states = 10'000);
    MailboxStates(const MailboxStates&) = delete;
    MailboxStates& operator=(const MailboxStates&) = delete;

    // To be taken before the store reads whose result is then given to keep(): a change
    // committed meanwhile makes keep() drop that result, which may predate it.
    std::uint64_t generation(store::AccountId account);
    void keep(store::AccountId account, std::uint64_t generation, MailboxState state);
    // The mailbox named `name` (UTF-8, as the store names it) as last kept, if unchanged since.
    std::optional<MailboxState> find(store::AccountId account, std::string_view name);

private:
    void changed(store::AccountId account);

    struct Account {
        std::uint64_t generation = 0;  // never reused: every change takes the next number
        std::map<std::string, MailboxState, std::less<>> states;
    };

    std::mutex mutex_;
    std::size_t max_states_;
    std::size_t kept_ = 0;
    std::uint64_t next_generation_ = 0;
    // Accounts are never removed, so a generation handed out is never seen again by mistake.
    std::unordered_map<std::int64_t, Account> accounts_;
    store::ChangeFeed::Watch watch_;  // last: no callback runs once the members start to go
};

}  // namespace harbor::imap::server
