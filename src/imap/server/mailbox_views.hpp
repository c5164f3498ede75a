// The message lists of selected mailboxes, shared between the sessions that select the same
// mailbox in the same state. A SELECT of a mailbox that has not changed since another session
// (or this one) last loaded it costs three small store reads instead of a read of every
// message, and a hundred idle sessions on one INBOX hold one list between them. Dovecot gets
// the same effect from its memory-mapped index files.
// A published snapshot never changes: a session that changes its view (new mail, flags,
// expunges) edits its own copy of the list, which copies only the chunks it changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "store/message_list.hpp"
#include "store/types.hpp"

namespace harbor::imap::server {

// A mailbox's messages as they stood when its highest modseq was `highest_modseq`: every
// change up to it is in `messages` (later ones may be too; refresh_selected reconciles).
struct MailboxSnapshot {
    std::uint32_t uidvalidity = 0;
    std::uint64_t highest_modseq = 0;
    store::MessageList messages;                 // ascending by UID
    std::set<std::string> keywords;              // in use by the messages
};

// The selected view's messages: the snapshot's list, whose chunks it shares until it changes
// them (store/message_list.hpp). The snapshot itself is held until the first edit, so that
// MailboxViews finds it for other sessions while this one still shows it.
class SelectedMessages {
public:
    SelectedMessages() = default;
    explicit SelectedMessages(std::shared_ptr<const MailboxSnapshot> shared)
        : list_(shared->messages), shared_(std::move(shared))
    {
    }

    const store::MessageList& all() const { return list_; }
    operator const store::MessageList&() const { return list_; }
    std::size_t size() const { return list_.size(); }
    bool empty() const { return list_.empty(); }
    const store::MessageRecord& operator[](std::size_t i) const { return list_[i]; }
    const store::MessageRecord& back() const { return list_.back(); }
    auto begin() const { return list_.begin(); }
    auto end() const { return list_.end(); }

    // The list to change; it no longer equals the snapshot.
    store::MessageList& edit()
    {
        shared_.reset();
        return list_;
    }

private:
    store::MessageList list_;
    std::shared_ptr<const MailboxSnapshot> shared_;
};

class MailboxViews {
public:
    // Snapshots kept alive with no session holding them, for the next SELECT; past either
    // bound the oldest go. Snapshots in use by a session are found while any session holds
    // them, whatever these bounds.
    struct Limits {
        std::size_t kept_snapshots = 64;
        std::size_t kept_messages = 100'000;  // ~14 MiB of records (136 bytes a message)
    };
    MailboxViews() = default;
    explicit MailboxViews(Limits limits) : limits_(limits) {}

    // The snapshot of `mailbox` at exactly this uidvalidity and highest modseq, or null.
    std::shared_ptr<const MailboxSnapshot> find(store::MailboxId mailbox, std::uint32_t uidvalidity,
                                                std::uint64_t highest_modseq);
    // Publishes a freshly loaded snapshot, replacing any older one of the mailbox.
    void publish(store::MailboxId mailbox, std::shared_ptr<const MailboxSnapshot> snapshot);

private:
    std::mutex mutex_;
    Limits limits_;
    std::map<store::MailboxId, std::weak_ptr<const MailboxSnapshot>> current_;
    std::deque<std::shared_ptr<const MailboxSnapshot>> kept_;  // most recent last
    std::size_t kept_messages_ = 0;
    std::size_t sweep_at_ = 64;
};

}  // namespace harbor::imap::server
