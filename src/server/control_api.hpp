// The routes of the control socket (server/control_server.hpp), answering in JSON:
//   GET  /v1/status       pid, version, hostname, data directory, start time, counts
//   GET  /v1/ports        every listener and live connection (`harbor ports`)
//   POST /v1/reload       what SIGHUP does: configuration that can change at run time, TLS;
//                         answers the changed sections that wait for a restart
//   POST /v1/queue/wake   the outbound queue looks for due entries now (after a CLI change)
//   POST /v1/stop         a graceful stop, as SIGTERM
//   GET  /metrics         the Prometheus text, as on the HTTP listeners
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "server/control_server.hpp"
#include "server/server.hpp"

namespace harbor::server {

struct ControlTargets {
    Server* server = nullptr;
    std::function<void()> wake_queue;  // empty when this server does not deliver
    std::filesystem::path data_dir;
    std::string hostname;
    std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

ControlHandler make_control_api(ControlTargets targets);

}  // namespace harbor::server
