// The server runtime: the listeners of a Config on one io_context per core, SIGINT/SIGTERM
// for a graceful stop (stop accepting, let each session finish the transfer it is in, cut off
// the rest after a grace period), SIGHUP to reload the configuration and TLS certificate. Protocols
// plug in as one net::SessionHandler per Protocol. Keeps Asio out of this header: the CLI includes
// it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace harbor::net {
class SessionHandler;
struct SessionView;
}

namespace harbor::server {

using HandlerMap = std::map<Protocol, std::shared_ptr<net::SessionHandler>>;

struct ServerOptions {
    std::size_t threads = 0;                              // io threads; 0 = one per core
    std::chrono::milliseconds shutdown_grace{3000};       // how long stopping sessions may take
    std::chrono::milliseconds handshake_timeout{30'000};  // implicit TLS
    bool handle_signals = true;                           // off in tests that run several servers
};

// One row of `harbor ports` for a listener.
struct ListenerView {
    std::string name;
    Protocol protocol = Protocol::Smtp;
    std::string address;  // "127.0.0.1:25", "[::]:993"
    TlsMode tls = TlsMode::None;
};

// What a reload did not apply: the configuration sections that changed in the file but take
// effect only at a restart (listeners, the store, protocol limits …).
struct ReloadReport {
    std::vector<std::string> restart_needed;
};
using ReloadHook = std::function<Result<ReloadReport>()>;

class Server {
public:
    // Every protocol used by a listener needs a handler (make_protocol_handlers() in
    // protocol_handlers.hpp makes them all); they may also come later, by set_handlers().
    Server(Config config, HandlerMap handlers, ServerOptions options = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Loads TLS and binds every listener (failing on the first, "cannot listen on
    // 127.0.0.1:25 (smtp): Address already in use") without accepting yet: what needs root,
    // done before the privileges are dropped (DESIGN.md security stance).
    Result<void> bind();
    // Before start(), for a server bound before its store was opened.
    void set_handlers(HandlerMap handlers);
    // bind() if not done yet, then accepts, and starts the io threads.
    Result<void> start();

    // The bound port of a listener by name (after start); port 0 in the config is resolved.
    std::optional<std::uint16_t> port(std::string_view listener) const;
    const Config& config() const;

    // Blocks until a stop is requested (signal or request_stop()), reloading TLS on each
    // SIGHUP meanwhile; then stops gracefully. Call once, after a successful start().
    void wait();

    void request_stop();    // thread-safe, async-signal-unsafe
    void request_reload();  // thread-safe: wait() runs reload()

    // What SIGHUP does, now: the reload hook (the configuration that can change at run time),
    // then the TLS certificate and key. Thread-safe, blocking; the first failure is returned
    // and the rest still runs.
    Result<ReloadReport> reload();
    Result<void> reload_tls();
    void set_reload_hook(ReloadHook hook);

    // The live state, for the control API (thread-safe).
    std::vector<ListenerView> listeners() const;
    std::vector<net::SessionView> sessions() const;
    std::size_t session_count() const;

    // start() then wait().
    Result<void> run();

private:
    Result<void> bind_listeners();
    Result<void> start_listening();

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace harbor::server
