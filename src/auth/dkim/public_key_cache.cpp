// The parsed-key cache of public_key_cache.hpp: one mutex over a hash map and a recency list.
// Parsing happens outside the lock, so a slow key never holds up the other threads; two threads
// that miss on the same key both parse it and the first to insert wins, so every caller after
// that gets the same key object.
#include "auth/dkim/public_key_cache.hpp"

namespace harbor::auth::dkim {

namespace {

// The map key: the type as one octet, then p= as published (decoded).
std::string identity_of(KeyType type, std::string_view octets)
{
    std::string identity;
    identity.reserve(octets.size() + 1);
    identity.push_back(type == KeyType::Rsa ? 'r' : 'e');
    identity.append(octets);
    return identity;
}

}  // namespace

PublicKeyCache::PublicKeyCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

Result<PublicKey> PublicKeyCache::get(KeyType type, std::string_view octets)
{
    const std::string identity = identity_of(type, octets);
    {
        const std::lock_guard lock(mutex_);
        const auto found = entries_.find(identity);
        if (found != entries_.end()) {
            order_.splice(order_.begin(), order_, found->second.place);
            ++stats_.hits;
            return found->second.key;
        }
        ++stats_.misses;
    }
    Result<PublicKey> parsed = parse_public_key(type, octets);
    if (!parsed) {
        return parsed;
    }
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(identity);
    if (found != entries_.end()) {
        return found->second.key;  // another thread parsed it meanwhile
    }
    if (entries_.size() >= capacity_) {
        entries_.erase(std::string_view(order_.back()));
        order_.pop_back();
    }
    order_.push_front(identity);
    entries_.emplace(std::string_view(order_.front()), Entry{*parsed, order_.begin()});
    return parsed;
}

PublicKeyCache::Stats PublicKeyCache::stats() const
{
    const std::lock_guard lock(mutex_);
    Stats out = stats_;
    out.entries = entries_.size();
    return out;
}

void PublicKeyCache::clear()
{
    const std::lock_guard lock(mutex_);
    entries_.clear();
    order_.clear();
}

PublicKeyCache& default_public_key_cache()
{
    // Never destroyed: its keys must not be freed after OpenSSL's own atexit clean-up, which
    // may have been registered after this object was built.
    static PublicKeyCache* const cache = new PublicKeyCache;
    return *cache;
}

}  // namespace harbor::auth::dkim
