// ChangeFeed: a registry of watches per mailbox behind one mutex. See change_feed.hpp.
#include "store/change_feed.hpp"

#include <map>
#include <mutex>
#include <utility>

namespace harbor::store {

struct ChangeFeed::Watch::Registry {
    std::mutex mutex;
    std::uint64_t next_id = 1;
    // mailbox id -> watch id -> callback. Few watchers per mailbox; lookups are by mailbox.
    std::map<std::int64_t, std::map<std::uint64_t, Callback>> watches;
    std::map<std::uint64_t, std::int64_t> mailbox_of;
    std::map<std::uint64_t, AnyCallback> every_mailbox;  // watch_all

    void notify(AccountId account, MailboxId mailbox, std::uint64_t highest_modseq)
    {
        std::lock_guard lock(mutex);
        for (const auto& [id, callback] : every_mailbox) {
            callback(account, mailbox, highest_modseq);
        }
        const auto found = watches.find(mailbox.value);
        if (found == watches.end()) {
            return;
        }
        for (const auto& [id, callback] : found->second) {
            callback(highest_modseq);
        }
    }

    void remove(std::uint64_t id)
    {
        std::lock_guard lock(mutex);
        if (every_mailbox.erase(id) > 0) {
            return;
        }
        const auto mailbox = mailbox_of.find(id);
        if (mailbox == mailbox_of.end()) {
            return;
        }
        auto box = watches.find(mailbox->second);
        box->second.erase(id);
        if (box->second.empty()) {
            watches.erase(box);
        }
        mailbox_of.erase(mailbox);
    }
};

ChangeFeed::ChangeFeed(Store& store)
    : store_(store), registry_(std::make_shared<Watch::Registry>())
{
    store_.set_change_listener(
        [registry = registry_](AccountId account, MailboxId mailbox, std::uint64_t highest_modseq) {
            registry->notify(account, mailbox, highest_modseq);
        });
}

ChangeFeed::~ChangeFeed()
{
    store_.set_change_listener({});
}

ChangeFeed::Watch ChangeFeed::watch(MailboxId mailbox, Callback callback)
{
    Watch watch;
    std::lock_guard lock(registry_->mutex);
    watch.id_ = registry_->next_id++;
    watch.registry_ = registry_;
    registry_->watches[mailbox.value][watch.id_] = std::move(callback);
    registry_->mailbox_of[watch.id_] = mailbox.value;
    return watch;
}

ChangeFeed::Watch ChangeFeed::watch_all(AnyCallback callback)
{
    Watch watch;
    std::lock_guard lock(registry_->mutex);
    watch.id_ = registry_->next_id++;
    watch.registry_ = registry_;
    registry_->every_mailbox[watch.id_] = std::move(callback);
    return watch;
}

ChangeFeed::Watch::~Watch()
{
    if (auto registry = registry_.lock()) {
        registry->remove(id_);
    }
}

ChangeFeed::Watch::Watch(Watch&& other) noexcept
    : registry_(std::move(other.registry_)), id_(std::exchange(other.id_, 0))
{
}

ChangeFeed::Watch& ChangeFeed::Watch::operator=(Watch&& other) noexcept
{
    if (this != &other) {
        if (auto registry = registry_.lock()) {
            registry->remove(id_);
        }
        registry_ = std::move(other.registry_);
        id_ = std::exchange(other.id_, 0);
    }
    return *this;
}

}  // namespace harbor::store
