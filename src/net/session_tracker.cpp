// Live-session registry for graceful shutdown: abort on each session's own thread, then wait.
#include "net/session_tracker.hpp"

#include <boost/asio/post.hpp>

#include "net/connection.hpp"

namespace harbor::net {
namespace {

// Connection is single-threaded: abort() must run on the thread that owns it.
void post_abort(const std::shared_ptr<Connection>& connection)
{
    asio::post(connection->executor(), [connection] { connection->abort(); });
}

}  // namespace

std::uint64_t SessionTracker::add(const std::shared_ptr<Connection>& connection)
{
    std::lock_guard lock(mutex_);
    std::uint64_t id = ++next_id_;
    sessions_.emplace(id, connection);
    if (stopping_) {
        post_abort(connection);
    }
    return id;
}

void SessionTracker::remove(std::uint64_t id)
{
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
    if (sessions_.empty()) {
        idle_.notify_all();
    }
}

void SessionTracker::abort_all()
{
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, weak] : sessions_) {
        if (auto connection = weak.lock()) {
            post_abort(connection);
        }
    }
}

bool SessionTracker::wait_idle(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [this] { return sessions_.empty(); });
}

std::size_t SessionTracker::size() const
{
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace harbor::net
