// Who the daemon runs as (DESIGN.md security stance: start as root only to bind ports, then
// drop to an unprivileged user). [server] user and group name the account; started as root
// without one, the daemon refuses to run unless [server] run_as_root says so.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"

namespace harbor::server {

struct RunAs {
    std::string user;
    uid_t uid = 0;
    gid_t gid = 0;
};

// What to become after binding: nullopt to stay as we are (not root, or root allowed by
// run_as_root). Fails for an unknown user or group, and for root without user or permission.
Result<std::optional<RunAs>> plan_privileges(const ServerConfig& config, uid_t euid);

// The data directory for `run_as`: created (0750, theirs) if missing; an existing one must be
// theirs already, or the daemon would fail later on its first write.
Result<void> prepare_data_dir(const std::filesystem::path& data_dir, const RunAs& run_as);

// setgroups, setgid, setuid, and a check that root cannot be regained.
Result<void> drop_privileges(const RunAs& run_as);

}  // namespace harbor::server
