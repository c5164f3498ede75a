// Accept loop for one ListenerConfig: binds (IPv4 or IPv6, port 0 allowed), applies the
// connection caps, does the implicit-TLS handshake (RFC 8314 §3.3) and starts one coroutine
// per connection on an IoPool thread. SECURITY: every peer is untrusted; handshakes and
// sessions run under deadlines and caps, and a session's failure never reaches the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"

namespace harbor::net {

class IoPool;
class SessionHandler;
class SessionTracker;
class TlsContext;

struct ListenerOptions {
    std::string hostname;                                 // for SessionContext::hostname
    std::chrono::milliseconds handshake_timeout{30'000};  // implicit TLS
};

class Listener {
public:
    // `tls` may be null when config.tls is TlsMode::None. The pool, handler and tracker must
    // outlive every session: the server stops the pool before destroying them.
    Listener(ListenerConfig config, IoPool& pool, std::shared_ptr<TlsContext> tls,
             std::shared_ptr<SessionHandler> handler, SessionTracker& tracker,
             ListenerOptions options);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Opens, binds and listens, synchronously. "cannot listen on 127.0.0.1:25 (smtp): ..."
    Result<void> bind();
    std::uint16_t port() const;  // the bound port (useful with port 0)
    const ListenerConfig& config() const;

    // The handler may come after bind() (a server binds as root, then opens its store).
    void set_handler(std::shared_ptr<SessionHandler> handler);
    void start();  // the accept loop, on the pool's first context; needs a handler
    // Stops accepting and returns once the accept loop has ended (bounded wait), so no accept
    // is pending when the pool's contexts go: a pending accept references the context it was
    // accepting for. Sessions are not touched. Call it from outside the io threads.
    void stop();

    struct State;  // shared with the accept loop and the sessions; defined in listener.cpp

private:
    std::shared_ptr<State> state_;
};

// "127.0.0.1:25", "[::1]:25"
std::string format_endpoint(const std::string& address, std::uint16_t port);

}  // namespace harbor::net
