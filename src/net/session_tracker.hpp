// The live sessions of a server, so shutdown can cancel them all and wait a bounded time.
// Sessions run on several io threads; the tracker is the one place they meet (mutex).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace harbor::net {

class Connection;

class SessionTracker {
public:
    // Registers a connection; if shutdown already began it is aborted at once.
    std::uint64_t add(const std::shared_ptr<Connection>& connection);
    void remove(std::uint64_t id);

    // Cancels every session's pending I/O on its own thread (Connection::abort).
    void abort_all();

    // True when no session is left, false if `timeout` passed first.
    bool wait_idle(std::chrono::milliseconds timeout);

    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::uint64_t next_id_ = 0;
    bool stopping_ = false;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> sessions_;
};

}  // namespace harbor::net
