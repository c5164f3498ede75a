// Login failure throttle: a sliding window of failure times per client network, an LRU list
// bounding how many networks are remembered.
// SECURITY: memory is at most max_tracked entries of at most max_failure_cap time points each;
// entries with nothing left to remember are dropped from the cold end as new ones arrive.
#include "net/login_throttle.hpp"

#include <algorithm>

namespace harbor::net {
namespace {

LoginThrottlePolicy clamped(LoginThrottlePolicy policy)
{
    policy.max_failures = std::clamp<std::uint32_t>(policy.max_failures, 1, max_failure_cap);
    policy.max_tracked = std::max<std::size_t>(policy.max_tracked, 1);
    return policy;
}

}  // namespace

std::size_t LoginThrottle::KeyHash::operator()(const Key& key) const
{
    return std::hash<std::uint64_t>{}(key.bits) ^ (key.ipv6 ? 0x9e3779b97f4a7c15ULL : 0);
}

LoginThrottle::LoginThrottle(LoginThrottlePolicy policy) : policy_(clamped(policy)) {}

LoginThrottle::Key LoginThrottle::key_for(const boost::asio::ip::address& client)
{
    namespace ip = boost::asio::ip;
    // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2); it is
    // the same client as a.b.c.d on an IPv4 socket.
    if (client.is_v6() && client.to_v6().is_v4_mapped()) {
        return Key{ip::make_address_v4(ip::v4_mapped, client.to_v6()).to_uint(), false};
    }
    if (client.is_v4()) {
        return Key{client.to_v4().to_uint(), false};
    }
    const ip::address_v6::bytes_type bytes = client.to_v6().to_bytes();
    std::uint64_t prefix = 0;
    for (std::size_t i = 0; i < 8; ++i) {  // the /64 routing prefix (RFC 4291 §2.5.4)
        prefix = (prefix << 8) | bytes[i];
    }
    return Key{prefix, true};
}

// Nothing left to remember: no lockout in force, no failure or forgiveness within the window.
bool LoginThrottle::is_stale(const Entry& entry, Clock::time_point now) const
{
    if (entry.locked_until && now < *entry.locked_until) {
        return false;
    }
    if (!entry.failures.empty() && now - entry.failures.back() < policy_.window) {
        return false;
    }
    return !entry.forgiven_at || now - *entry.forgiven_at >= policy_.window;
}

// Sliding window: only failures less than `window` old count.
void LoginThrottle::drop_old_failures(Entry& entry, Clock::time_point now) const
{
    const auto first_recent =
        std::find_if(entry.failures.begin(), entry.failures.end(),
                     [&](Clock::time_point at) { return now - at < policy_.window; });
    entry.failures.erase(entry.failures.begin(), first_recent);
}

void LoginThrottle::drop_stale_tail(Clock::time_point now)
{
    while (!entries_.empty() && is_stale(entries_.back(), now)) {
        index_.erase(entries_.back().key);
        entries_.pop_back();
    }
}

bool LoginThrottle::record_failure(const boost::asio::ip::address& client, Clock::time_point now)
{
    const Key key = key_for(client);
    std::lock_guard lock(mutex_);
    drop_stale_tail(now);
    auto found = index_.find(key);
    if (found == index_.end()) {
        if (entries_.size() >= policy_.max_tracked) {
            // Full: forget the network that failed least recently. Under a flood from many
            // networks this can drop a lockout early; the cap is what keeps memory bounded.
            index_.erase(entries_.back().key);
            entries_.pop_back();
        }
        entries_.push_front(Entry{key, {}, {}, {}});
        found = index_.emplace(key, entries_.begin()).first;
    } else {
        entries_.splice(entries_.begin(), entries_, found->second);
    }
    Entry& entry = *found->second;
    if (entry.locked_until) {
        if (now < *entry.locked_until) {
            return false;
        }
        entry.locked_until.reset();  // served its time: counting starts again
        entry.failures.clear();
    }
    drop_old_failures(entry, now);
    entry.failures.push_back(now);
    if (entry.failures.size() < policy_.max_failures) {
        return false;
    }
    entry.locked_until = now + policy_.lockout;
    entry.failures.clear();
    return true;
}

void LoginThrottle::record_success(const boost::asio::ip::address& client, Clock::time_point now)
{
    const Key key = key_for(client);
    std::lock_guard lock(mutex_);
    const auto found = index_.find(key);
    if (found == index_.end()) {
        return;
    }
    Entry& entry = *found->second;
    if (entry.locked_until && now < *entry.locked_until) {
        return;
    }
    drop_old_failures(entry, now);
    if (entry.failures.empty()) {
        return;  // nothing to forgive: keep the forgiveness for when it is needed
    }
    if (entry.forgiven_at && now - *entry.forgiven_at < policy_.window) {
        return;
    }
    entry.failures.clear();
    entry.forgiven_at = now;
}

std::optional<std::chrono::seconds> LoginThrottle::locked_out(
    const boost::asio::ip::address& client, Clock::time_point now) const
{
    const Key key = key_for(client);
    std::lock_guard lock(mutex_);
    const auto found = index_.find(key);
    if (found == index_.end()) {
        return std::nullopt;
    }
    const Entry& entry = *found->second;
    if (!entry.locked_until || now >= *entry.locked_until) {
        return std::nullopt;
    }
    return std::chrono::ceil<std::chrono::seconds>(*entry.locked_until - now);
}

std::size_t LoginThrottle::tracked() const
{
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace harbor::net
