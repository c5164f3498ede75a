// SessionStatus: the graceful stop's rule lives here. drain() and set_state() each write their
// own flag and then read the other's (sequentially consistent), so whichever runs second sees
// both and cuts the session off; both may, and Connection::stop_reading() is idempotent.
// drain() runs on another thread and posts; set_state() runs on the session's.
#include "net/session_status.hpp"

#include <boost/asio/post.hpp>

#include "net/connection.hpp"

namespace harbor::net {

std::string_view session_state_name(SessionState state)
{
    switch (state) {
        case SessionState::Established:
            return "ESTABLISHED";
        case SessionState::Authenticated:
            return "AUTHENTICATED";
        case SessionState::Idle:
            return "IDLE";
        case SessionState::InData:
            return "IN-DATA";
    }
    return "UNKNOWN";
}

void SessionStatus::set_state(SessionState state)
{
    state_.store(state);
    if (state != SessionState::InData && draining_.load()) {
        std::shared_ptr<Connection> connection;
        {
            std::lock_guard lock(mutex_);
            connection = connection_.lock();
        }
        if (connection) {
            // On the session's own thread, before its next read: that read must fail, even if
            // the client's next command has already arrived.
            connection->stop_reading();
        }
    }
}

void SessionStatus::set_user(std::string user)
{
    std::lock_guard lock(mutex_);
    user_ = std::move(user);
}

std::string SessionStatus::user() const
{
    std::lock_guard lock(mutex_);
    return user_;
}

void SessionStatus::drain()
{
    draining_.store(true);
    if (state_.load() == SessionState::InData) {
        return;
    }
    std::shared_ptr<Connection> connection;
    {
        std::lock_guard lock(mutex_);
        connection = connection_.lock();
    }
    if (connection) {
        asio::post(connection->executor(), [connection] { connection->stop_reading(); });
    }
}

void SessionStatus::attach(const std::shared_ptr<Connection>& connection)
{
    std::lock_guard lock(mutex_);
    connection_ = connection;
}

}  // namespace harbor::net
