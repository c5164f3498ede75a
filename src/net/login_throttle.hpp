// Login failure throttle: after too many failed authentications from one client network within a
// window, refuse further attempts for a while (SMTP "454 4.7.0", docs/smtp.md "Authentication";
// the same instance serves IMAP and POP3). Shared by the sessions of every io thread.
// SECURITY: keyed by the peer address from the socket, never by anything the client says. An
// IPv6 client is counted per /64 (RFC 4291 §2.5.4: the interface-identifier half is the host's
// to choose, so one host can use 2^64 addresses); an IPv4-mapped peer counts as its IPv4
// address. At most max_tracked networks are remembered; the least recently failing is dropped.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace harbor::net {

struct LoginThrottlePolicy {
    std::uint32_t max_failures = 5;         // in one window; clamped to 1..max_failure_cap
    std::chrono::seconds window{5 * 60};    // sliding: the last `window` before now
    std::chrono::seconds lockout{15 * 60};  // fixed from the failure that triggered it
    std::size_t max_tracked = 100'000;      // client networks remembered; at least 1
};

// Each entry remembers up to max_failures time points, so the cap bounds memory per network.
inline constexpr std::uint32_t max_failure_cap = 1000;

// Thread-safe (one mutex; every call is O(max_failures) amortised). Time is passed in so that
// tests and callers agree on one clock without sleeping.
class LoginThrottle {
public:
    using Clock = std::chrono::steady_clock;

    explicit LoginThrottle(LoginThrottlePolicy policy = {});

    // Counts one failed authentication. Returns true when this failure starts a lockout (worth
    // one log line). Failures while a lockout is in force are ignored: they come from exchanges
    // that started before it, and must not stretch it.
    bool record_failure(const boost::asio::ip::address& client, Clock::time_point now);

    // A successful authentication forgets the network's failures, so a user who mistyped a
    // few times starts clean, but only once per window: otherwise someone holding one valid
    // account could interleave its logins with guesses at others and never be locked out. A
    // success does not lift a lockout in force.
    void record_success(const boost::asio::ip::address& client, Clock::time_point now);

    // The time left (rounded up to whole seconds) if the client's network is locked out.
    std::optional<std::chrono::seconds> locked_out(const boost::asio::ip::address& client,
                                                   Clock::time_point now) const;

    // Networks currently remembered (for tests and metrics).
    std::size_t tracked() const;

private:
    // An IPv4 address, or the upper 64 bits of an IPv6 address.
    struct Key {
        std::uint64_t bits = 0;
        bool ipv6 = false;
        friend bool operator==(const Key&, const Key&) = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& key) const;
    };
    struct Entry {
        Key key;
        std::vector<Clock::time_point> failures;  // within the window, oldest first
        std::optional<Clock::time_point> locked_until;
        std::optional<Clock::time_point> forgiven_at;  // last success that cleared failures
    };
    using Entries = std::list<Entry>;  // most recently failing first

    static Key key_for(const boost::asio::ip::address& client);
    void drop_old_failures(Entry& entry, Clock::time_point now) const;
    bool is_stale(const Entry& entry, Clock::time_point now) const;
    void drop_stale_tail(Clock::time_point now);

    const LoginThrottlePolicy policy_;
    mutable std::mutex mutex_;
    Entries entries_;
    std::unordered_map<Key, Entries::iterator, KeyHash> index_;
};

}  // namespace harbor::net
