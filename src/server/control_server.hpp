// The control socket: the local HTTP API (RFC 9112 framing over a Unix socket, Boost.Beast)
// through which the CLI asks the running daemon to act — reload, live state, queue wake-ups —
// and that the web admin will use later. Served on a thread of its own, one request at a time:
// these are an administrator's commands, not traffic.
// SECURITY: the socket is 0660 in the data directory (0750): root and the daemon's group only.
// Requests are bounded (header 8 KiB, body 64 KiB) and time out.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace harbor::server {

struct ControlRequest {
    std::string method;  // "GET", "POST"
    std::string target;  // "/v1/ports"
    std::string body;
};

struct ControlResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
};

using ControlHandler = std::function<ControlResponse(const ControlRequest&)>;

class ControlServer {
public:
    ControlServer(std::filesystem::path socket_path, ControlHandler handler);
    ~ControlServer();  // stop()
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Binds the socket (replacing a stale one: the caller holds the instance lock) and starts
    // serving on its own thread.
    Result<void> start();
    // Stops serving, ends the thread and removes the socket file; idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace harbor::server
