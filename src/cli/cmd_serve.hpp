// `harbor serve`: the daemon, from harbor.toml (-c) or as a self-contained demo (--demo DIR).
#pragma once

#include "server/demo.hpp"

namespace CLI {
class App;
}

namespace harbor::cli {

// Registers `serve [-c/--config FILE] [--demo DIR] [--port-base N]`. On failure the command
// prints one line to stderr and sets exit_status to 1. `provisioner` creates the demo accounts.
void add_serve_command(CLI::App& app, int& exit_status, server::DemoProvisioner provisioner);

}  // namespace harbor::cli
