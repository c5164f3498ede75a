// The CLI's side of the control socket (server/control_api.hpp): one HTTP request to the
// running daemon, found through its data directory or its configuration file, so that
// `harbor --data-dir ./var ports` reaches a demo server as `harbor ports -c FILE` does a
// configured one.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace harbor::cli {

struct Context;

struct ControlReply {
    unsigned status = 0;
    std::string body;
};

// The socket of the daemon: the configuration's control socket when `config_file` is given,
// else <data_dir>/control.sock.
Result<std::filesystem::path> control_socket_for(const Context& context,
                                                 const std::string& config_file);

// Errc::Closed "no harbor is running (SOCKET)" when nothing listens there; Errc::Timeout
// after 30 s without an answer.
Result<ControlReply> control_request(const std::filesystem::path& socket, std::string_view method,
                                     std::string_view target, std::string_view body = {});

}  // namespace harbor::cli
