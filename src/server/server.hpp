// The server runtime: the listeners of a Config on one io_context per core, SIGINT/SIGTERM
// for a graceful stop (stop accepting, cancel sessions, wait a bounded time), SIGHUP to reload
// the TLS certificate. Protocols plug in as one net::SessionHandler per Protocol.
// Keeps Asio out of this header: the CLI includes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include "core/config.hpp"
#include "core/result.hpp"

namespace harbor::net {
class SessionHandler;
}

namespace harbor::server {

using HandlerMap = std::map<Protocol, std::shared_ptr<net::SessionHandler>>;

struct ServerOptions {
    std::size_t threads = 0;                              // io threads; 0 = one per core
    std::chrono::milliseconds shutdown_grace{3000};       // how long stopping sessions may take
    std::chrono::milliseconds handshake_timeout{30'000};  // implicit TLS
    bool handle_signals = true;                           // off in tests that run several servers
};

class Server {
public:
    // Every protocol used by a listener needs a handler (make_protocol_handlers() in
    // protocol_handlers.hpp makes them all).
    Server(Config config, HandlerMap handlers, ServerOptions options = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Loads TLS, binds every listener (failing on the first, "cannot listen on
    // 127.0.0.1:25 (smtp): Address already in use"), then starts the io threads.
    Result<void> start();

    // The bound port of a listener by name (after start); port 0 in the config is resolved.
    std::optional<std::uint16_t> port(std::string_view listener) const;
    const Config& config() const;

    // Blocks until a stop is requested (signal or request_stop()), reloading TLS on each
    // SIGHUP meanwhile; then stops gracefully. Call once, after a successful start().
    void wait();

    void request_stop();    // thread-safe, async-signal-unsafe
    void request_reload();  // thread-safe: wait() reloads the TLS certificate and key

    // Reloads the TLS certificate and key now (what SIGHUP does); thread-safe, blocking.
    Result<void> reload_tls();

    // start() then wait().
    Result<void> run();

private:
    Result<void> start_listening();

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace harbor::server
