// Connection caps per listener and per client address.
#include "net/connection_limits.hpp"

namespace harbor::net {

Admission ConnectionLimits::admit(const std::string& ip)
{
    std::lock_guard lock(mutex_);
    if (total_ >= max_total_) {
        return Admission::TooManyConnections;
    }
    std::uint32_t& count = per_ip_[ip];
    if (count >= max_per_ip_) {
        if (count == 0) {
            per_ip_.erase(ip);  // max_per_ip_ == 0: do not keep an empty entry around
        }
        return Admission::TooManyFromAddress;
    }
    ++count;
    ++total_;
    return Admission::Accepted;
}

void ConnectionLimits::release(const std::string& ip)
{
    std::lock_guard lock(mutex_);
    auto it = per_ip_.find(ip);
    if (it == per_ip_.end()) {
        return;
    }
    --total_;
    if (--it->second == 0) {
        per_ip_.erase(it);
    }
}

std::uint32_t ConnectionLimits::total() const
{
    std::lock_guard lock(mutex_);
    return total_;
}

}  // namespace harbor::net
