// Users and groups of this machine (getpwnam_r(3), getgrnam_r(3)): who the daemon runs as
// (server/privileges) and whom `harbor quickstart` installs for.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace harbor {

struct SystemUser {
    uid_t uid = 0;
    gid_t gid = 0;  // the primary group
};

std::optional<SystemUser> find_system_user(const std::string& name);
std::optional<gid_t> find_system_group(const std::string& name);

}  // namespace harbor
