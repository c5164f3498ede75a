// Live-session registry: drain or abort on each session's own thread, then wait.
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

std::uint64_t SessionTracker::add(const std::shared_ptr<Connection>& connection,
                                  std::shared_ptr<SessionStatus> status, SessionInfo info)
{
    if (!status) {
        status = std::make_shared<SessionStatus>();
    }
    status->attach(connection);
    std::lock_guard lock(mutex_);
    std::uint64_t id = ++next_id_;
    if (stopping_) {
        post_abort(connection);
    } else if (draining_) {
        status->drain();
    }
    sessions_.emplace(id, Entry{connection, std::move(status), std::move(info)});
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

void SessionTracker::drain_all()
{
    std::lock_guard lock(mutex_);
    draining_ = true;
    for (auto& [id, entry] : sessions_) {
        entry.status->drain();
    }
}

void SessionTracker::abort_all()
{
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, entry] : sessions_) {
        if (auto connection = entry.connection.lock()) {
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

std::size_t SessionTracker::count(Protocol protocol) const
{
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [id, entry] : sessions_) {
        n += entry.info.protocol == protocol ? 1 : 0;
    }
    return n;
}

std::vector<SessionView> SessionTracker::sessions() const
{
    std::vector<SessionView> views;
    std::lock_guard lock(mutex_);
    views.reserve(sessions_.size());
    for (const auto& [id, entry] : sessions_) {
        SessionView view;
        view.info = entry.info;
        view.state = entry.status->state();
        view.user = entry.status->user();
        if (auto connection = entry.connection.lock()) {
            view.bytes_in = connection->bytes_read();
            view.bytes_out = connection->bytes_written();
        }
        views.push_back(std::move(view));
    }
    return views;
}

}  // namespace harbor::net
