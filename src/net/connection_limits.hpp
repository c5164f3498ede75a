// Per-listener connection caps: in total and per client IP, the first line of defence against
// one host exhausting sockets or memory (RFC 5321 §4.5.3.2 allows refusing with 421).
// SECURITY: keyed by the peer address only; the table holds one entry per connected IP.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "net/session.hpp"

namespace harbor::net {

class ConnectionLimits {
public:
    ConnectionLimits(std::uint32_t max_total, std::uint32_t max_per_ip)
        : max_total_(max_total), max_per_ip_(max_per_ip)
    {
    }

    // Takes a slot when the answer is Accepted; release(ip) gives it back. Thread-safe.
    Admission admit(const std::string& ip);
    void release(const std::string& ip);

    std::uint32_t total() const;

private:
    const std::uint32_t max_total_;
    const std::uint32_t max_per_ip_;
    mutable std::mutex mutex_;
    std::uint32_t total_ = 0;
    std::unordered_map<std::string, std::uint32_t> per_ip_;
};

}  // namespace harbor::net
