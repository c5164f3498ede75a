#include "smtp/server/recipient_cache.hpp"

#include <iterator>
#include <utility>

namespace harbor::smtp::server {

RecipientCache::RecipientCache(std::chrono::milliseconds ttl, std::size_t max_entries)
    : ttl_(ttl), max_entries_(max_entries)
{
}

std::optional<LocalRecipient> RecipientCache::find(std::string_view address, Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(address);
    if (found == entries_.end()) {
        return std::nullopt;
    }
    if (found->second.expires <= now) {
        entries_.erase(found);
        return std::nullopt;
    }
    return found->second.recipient;
}

void RecipientCache::remember(std::string_view address, LocalRecipient recipient,
                              Clock::time_point now)
{
    if (ttl_.count() <= 0 || max_entries_ == 0) {
        return;
    }
    for (store::Account& account : recipient.accounts) {
        store::forget_credentials(account.credentials);
    }
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries_ && !entries_.contains(address)) {
        std::erase_if(entries_, [now](const auto& entry) { return entry.second.expires <= now; });
        if (entries_.size() >= max_entries_) {
            entries_.clear();
        }
    }
    entries_.insert_or_assign(std::string(address), Entry{std::move(recipient), now + ttl_});
}

}  // namespace harbor::smtp::server
