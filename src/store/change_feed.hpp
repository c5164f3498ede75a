// The store's one change listener (store.hpp ChangeListener) fanned out to every session that
// watches a mailbox: IMAP sessions learn of new mail, flag changes and expunges made by other
// sessions and by SMTP delivery (RFC 9051 §7: untagged updates; RFC 2177 IDLE), and later
// POP3 and JMAP do too; the full-text indexer watches every mailbox (watch_all). One feed per
// store, made by the server next to the store.
// Callbacks run on the store's writer thread after the commit, with the feed's lock held:
// they must only post to the watcher's executor, never block or call back into the feed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "store/store.hpp"

namespace harbor::store {

class ChangeFeed {
public:
    // highest_modseq is the mailbox's after the commit; 0 when the mailbox was deleted.
    using Callback = std::function<void(std::uint64_t highest_modseq)>;
    // For watch_all: the mailbox and its account too.
    using AnyCallback =
        std::function<void(AccountId account, MailboxId mailbox, std::uint64_t highest_modseq)>;

    // Installs itself as the store's change listener; the destructor removes it.
    explicit ChangeFeed(Store& store);
    ~ChangeFeed();
    ChangeFeed(const ChangeFeed&) = delete;
    ChangeFeed& operator=(const ChangeFeed&) = delete;

    // Stops the callback when destroyed: once the destructor returns the callback is not
    // running and will not run again. May outlive the feed.
    class Watch {
    public:
        Watch() = default;
        ~Watch();
        Watch(Watch&& other) noexcept;
        Watch& operator=(Watch&& other) noexcept;
        Watch(const Watch&) = delete;
        Watch& operator=(const Watch&) = delete;

    private:
        friend class ChangeFeed;
        struct Registry;
        std::weak_ptr<Registry> registry_;
        std::uint64_t id_ = 0;
    };

    [[nodiscard]] Watch watch(MailboxId mailbox, Callback callback);
    // Every mailbox's changes, whoever owns it (background work such as the full-text index).
    [[nodiscard]] Watch watch_all(AnyCallback callback);

private:
    Store& store_;
    std::shared_ptr<Watch::Registry> registry_;
};

}  // namespace harbor::store
