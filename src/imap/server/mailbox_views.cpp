// See mailbox_views.hpp.
#include "imap/server/mailbox_views.hpp"

#include <algorithm>

namespace harbor::imap::server {

std::shared_ptr<const MailboxSnapshot> MailboxViews::find(store::MailboxId mailbox,
                                                          std::uint32_t uidvalidity,
                                                          std::uint64_t highest_modseq)
{
    std::lock_guard lock(mutex_);
    const auto it = current_.find(mailbox);
    if (it == current_.end()) {
        return nullptr;
    }
    std::shared_ptr<const MailboxSnapshot> snapshot = it->second.lock();
    if (!snapshot) {
        current_.erase(it);
        return nullptr;
    }
    // Every change to a mailbox's messages raises its highest modseq (RFC 7162 §3.1.1), and a
    // mailbox made anew has a new UIDVALIDITY: equal values mean an equal list.
    if (snapshot->uidvalidity != uidvalidity || snapshot->highest_modseq != highest_modseq) {
        return nullptr;
    }
    return snapshot;
}

void MailboxViews::publish(store::MailboxId mailbox,
                           std::shared_ptr<const MailboxSnapshot> snapshot)
{
    std::lock_guard lock(mutex_);
    std::weak_ptr<const MailboxSnapshot>& slot = current_[mailbox];
    if (const auto existing = slot.lock(); existing &&
                                           existing->uidvalidity == snapshot->uidvalidity &&
                                           existing->highest_modseq > snapshot->highest_modseq) {
        return;  // a session loaded a newer state meanwhile
    }
    slot = snapshot;
    kept_messages_ += snapshot->messages.size();
    kept_.push_back(std::move(snapshot));
    while (!kept_.empty() &&
           (kept_.size() > limits_.kept_snapshots || kept_messages_ > limits_.kept_messages)) {
        kept_messages_ -= kept_.front()->messages.size();
        kept_.pop_front();
    }
    // Drop the entries of mailboxes nobody holds any more, now and then (amortised O(1)), so
    // the map stays about the size of what is in use.
    if (current_.size() >= sweep_at_) {
        std::erase_if(current_, [](const auto& entry) { return entry.second.expired(); });
        sweep_at_ = std::max<std::size_t>(64, 2 * current_.size());
    }
}

}  // namespace harbor::imap::server
