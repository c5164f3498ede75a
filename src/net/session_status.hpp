// What a live session is doing, for `harbor ports` and for a graceful stop: its state
// (ESTABLISHED, AUTHENTICATED, IDLE, IN-DATA), its user, and whether it may be cut off now.
// The session writes it on its own thread; the control API reads it from another, so every
// field is atomic or behind the mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/config.hpp"

namespace harbor::net {

class Connection;

enum class SessionState : std::uint8_t {
    Established,    // connected, not logged in
    Authenticated,  // logged in (SMTP AUTH, IMAP, POP3)
    Idle,           // IMAP IDLE (RFC 2177): waiting for mail, for as long as the client likes
    InData,         // receiving a message (SMTP DATA/BDAT), or the rest of a begun IMAP command
};

std::string_view session_state_name(SessionState state);  // "ESTABLISHED", "IN-DATA", ...

class SessionStatus {
public:
    // On the session's own thread (it may stop the connection's reads).
    void set_state(SessionState state);
    SessionState state() const { return state_.load(); }

    void set_user(std::string user);
    std::string user() const;

    // A stop is draining the server: a session in the middle of a transfer (InData) may
    // finish it; every other state ends at once, and the transfer's end ends it too.
    // Call from any thread.
    void drain();

    // Set by the listener before the session runs.
    void attach(const std::shared_ptr<Connection>& connection);

private:
    std::atomic<SessionState> state_{SessionState::Established};
    std::atomic<bool> draining_{false};
    mutable std::mutex mutex_;
    std::string user_;
    std::weak_ptr<Connection> connection_;
};

}  // namespace harbor::net
