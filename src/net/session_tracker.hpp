// The live sessions of a server: what `harbor ports` lists, and what a stop drains (each
// session may finish the transfer it is in) or cancels, waiting a bounded time.
// Sessions run on several io threads; the tracker is the one place they meet (mutex).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.hpp"
#include "net/session_status.hpp"

namespace harbor::net {

class Connection;

// What a session is, fixed when it is accepted.
struct SessionInfo {
    std::string cid;
    std::string listener;
    Protocol protocol = Protocol::Smtp;
    std::string local;  // "127.0.0.1:25"
    std::string peer;   // "192.0.2.1:5000"
    std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

// One row of `harbor ports`.
struct SessionView {
    SessionInfo info;
    SessionState state = SessionState::Established;
    std::string user;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
};

class SessionTracker {
public:
    // Registers a connection; if a stop already began it is stopped at once.
    std::uint64_t add(const std::shared_ptr<Connection>& connection,
                      std::shared_ptr<SessionStatus> status = nullptr, SessionInfo info = {});
    void remove(std::uint64_t id);

    // Graceful: every session ends once it is between commands (SessionStatus::drain).
    void drain_all();
    // Cancels every session's pending I/O on its own thread (Connection::abort).
    void abort_all();

    // True when no session is left, false if `timeout` passed first.
    bool wait_idle(std::chrono::milliseconds timeout);

    std::size_t size() const;
    std::vector<SessionView> sessions() const;
    std::size_t count(Protocol protocol) const;

private:
    struct Entry {
        std::weak_ptr<Connection> connection;
        std::shared_ptr<SessionStatus> status;
        SessionInfo info;
    };

    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::uint64_t next_id_ = 0;
    bool draining_ = false;
    bool stopping_ = false;
    std::unordered_map<std::uint64_t, Entry> sessions_;
};

}  // namespace harbor::net
