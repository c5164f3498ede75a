// A running Harbor from start to stop, shared by `harbor serve` and the demo: one instance per
// data directory (InstanceLock), ports bound as root and then root given up (privileges.hpp),
// the store and protocols opened as the daemon's user, the control socket, and SIGHUP reloads
// of what can change at run time (log level and format, the TLS certificate).
#pragma once

#include <filesystem>
#include <functional>

#include "core/config.hpp"
#include "core/result.hpp"
#include "server/server.hpp"

namespace harbor::server {

struct DaemonOptions {
    // Re-read on each reload for the settings that can change at run time; empty: none.
    std::filesystem::path config_file;
    HandlerMap overrides;  // replace the protocol handlers protocol by protocol (tests)
    ServerOptions server_options;
    // Runs once every listener accepts (the demo writes demo.json); a failure stops the daemon.
    std::function<Result<void>(Server&)> on_started;
};

// ServerOptions from [server] (the graceful stop's grace period).
ServerOptions server_options_from(const Config& config);

// Runs until SIGINT/SIGTERM or a stop over the control socket.
Result<void> run_daemon(const Config& config, DaemonOptions options);

}  // namespace harbor::server
