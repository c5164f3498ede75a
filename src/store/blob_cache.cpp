// BlobCache: an LRU list and a map into it, behind one mutex. See blob_cache.hpp.
#include "store/blob_cache.hpp"

namespace harbor::store {

std::shared_ptr<const std::string> BlobCache::find(std::string_view name)
{
    std::lock_guard lock(mutex_);
    const auto found = by_name_.find(name);
    if (found == by_name_.end()) {
        return nullptr;
    }
    order_.splice(order_.begin(), order_, found->second);
    return found->second->bytes;
}

void BlobCache::keep(std::string name, std::shared_ptr<const std::string> bytes)
{
    if (bytes == nullptr || !would_keep(bytes->size())) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (const auto found = by_name_.find(name); found != by_name_.end()) {
        order_.splice(order_.begin(), order_, found->second);
        return;  // the same name is the same bytes
    }
    bytes_ += bytes->size();
    order_.push_front(Entry{std::move(name), std::move(bytes)});
    by_name_.emplace(order_.front().name, order_.begin());
    while (bytes_ > max_bytes_) {
        const Entry& last = order_.back();
        bytes_ -= last.bytes->size();
        by_name_.erase(last.name);
        order_.pop_back();
    }
}

void BlobCache::forget(std::string_view name)
{
    std::lock_guard lock(mutex_);
    const auto found = by_name_.find(name);
    if (found == by_name_.end()) {
        return;
    }
    const Order::iterator entry = found->second;
    bytes_ -= entry->bytes->size();
    by_name_.erase(found);
    order_.erase(entry);
}

std::size_t BlobCache::bytes() const
{
    std::lock_guard lock(mutex_);
    return bytes_;
}

}  // namespace harbor::store
