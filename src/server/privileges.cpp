// Dropping root: the order is supplementary groups, group, then user (after setuid the
// others are no longer allowed), and the result is checked rather than trusted.
#include "server/privileges.hpp"

#include <grp.h>  // setgroups
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/system_accounts.hpp"

namespace harbor::server {
namespace {

std::string system_error(std::string_view what)
{
    return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

Result<std::optional<RunAs>> plan_privileges(const ServerConfig& config, uid_t euid)
{
    if (euid != 0) {
        return std::optional<RunAs>();  // already unprivileged: [server] user has no effect
    }
    if (config.user.empty()) {
        if (config.run_as_root) {
            return std::optional<RunAs>();
        }
        return unexpected(Errc::Invalid,
                          "refusing to run as root: set [server] user (the account to run as "
                          "after binding the ports) or [server] run_as_root = true");
    }
    std::optional<SystemUser> user = find_system_user(config.user);
    if (!user) {
        return unexpected(Errc::NotFound, "[server] user " + config.user + ": no such user");
    }
    RunAs run_as{config.user, user->uid, user->gid};
    if (!config.group.empty()) {
        std::optional<gid_t> group = find_system_group(config.group);
        if (!group) {
            return unexpected(Errc::NotFound, "[server] group " + config.group + ": no such group");
        }
        run_as.gid = *group;
    }
    if (run_as.uid == 0) {
        return unexpected(Errc::Invalid, "[server] user " + config.user +
                                             " is root; name an unprivileged account");
    }
    return std::optional<RunAs>(run_as);
}

Result<void> prepare_data_dir(const std::filesystem::path& data_dir, const RunAs& run_as)
{
    struct stat info {};
    if (::stat(data_dir.c_str(), &info) != 0) {
        if (errno != ENOENT) {
            return unexpected(Errc::Io, system_error(data_dir.string()));
        }
        std::error_code ec;
        std::filesystem::create_directories(data_dir, ec);
        if (ec) {
            return unexpected(Errc::Io, data_dir.string() + ": " + ec.message());
        }
        if (::chmod(data_dir.c_str(), 0750) != 0 ||
            ::chown(data_dir.c_str(), run_as.uid, run_as.gid) != 0) {
            return unexpected(Errc::Io, system_error(data_dir.string()));
        }
        return ok();
    }
    if (info.st_uid != run_as.uid) {
        return unexpected(Errc::Invalid, "data directory " + data_dir.string() +
                                             " does not belong to " + run_as.user + " (chown -R " +
                                             run_as.user + ": " + data_dir.string() + ")");
    }
    return ok();
}

Result<void> drop_privileges(const RunAs& run_as)
{
    if (::setgroups(1, &run_as.gid) != 0) {
        return unexpected(Errc::Io, system_error("setgroups"));
    }
    if (::setgid(run_as.gid) != 0) {
        return unexpected(Errc::Io, system_error("setgid"));
    }
    if (::setuid(run_as.uid) != 0) {
        return unexpected(Errc::Io, system_error("setuid"));
    }
    if (::getuid() != run_as.uid || ::geteuid() != run_as.uid || ::getegid() != run_as.gid ||
        ::setuid(0) == 0) {
        return unexpected(Errc::Internal, "privileges were not dropped");
    }
    return ok();
}

}  // namespace harbor::server
