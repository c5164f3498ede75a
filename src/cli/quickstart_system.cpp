// System user and group for `harbor quickstart`: looked up (core/system_accounts), useradd
// and groupadd run by posix_spawnp (no shell), lchown over a tree.
#include "cli/quickstart_system.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/system_accounts.hpp"

extern char** environ;

namespace harbor::cli {
namespace {

namespace fs = std::filesystem;

std::optional<uid_t> find_user_id(const std::string& name)
{
    std::optional<SystemUser> user = find_system_user(name);
    return user ? std::optional<uid_t>(user->uid) : std::nullopt;
}

// Runs `argv` (found on PATH) and waits for it; its output goes to ours.
Result<void> run_program(const std::vector<std::string>& argv)
{
    std::vector<char*> args;
    for (const std::string& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = 0;
    if (int failed = ::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ)) {
        return unexpected(Errc::Io, argv[0] + ": " + std::strerror(failed));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return unexpected(Errc::Io, argv[0] + ": " + std::strerror(errno));
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return unexpected(Errc::Io, argv[0] + " failed (status " + std::to_string(status) + ")");
    }
    return ok();
}

std::string useradd_command(const std::string& user, const std::string& group, const fs::path& home)
{
    return "useradd --system --gid " + group + " --home-dir " + home.string() +
           " --no-create-home --shell /usr/sbin/nologin " + user;
}

}  // namespace

Result<SystemAccount> prepare_system_account(const std::string& user, const std::string& group,
                                             const fs::path& home, AccountCreation creation)
{
    SystemAccount account;
    std::optional<gid_t> gid = find_system_group(group);
    std::optional<uid_t> uid = find_user_id(user);
    if (creation == AccountCreation::Allowed) {
        // A system group, then a system user in it (useradd(8) --system: ids below UID_MIN,
        // no ageing); the home is the data directory, made by quickstart itself.
        if (!gid) {
            HARBOR_TRY(run_program({"groupadd", "--system", group}));
            gid = find_system_group(group);
            account.notes.push_back("created the system group " + group);
        }
        if (!uid) {
            HARBOR_TRY(run_program({"useradd", "--system", "--gid", group, "--home-dir",
                                    home.string(), "--no-create-home", "--shell",
                                    "/usr/sbin/nologin", "--comment", "Harbor mail server", user}));
            uid = find_user_id(user);
            account.notes.push_back("created the system user " + user);
        }
        if (!uid || !gid) {
            return unexpected(Errc::Io, "user " + user + " or group " + group +
                                            " still unknown after useradd/groupadd");
        }
    } else {
        if (!gid) {
            account.notes.push_back("group " + group + " does not exist here; on the server: " +
                                    "groupadd --system " + group);
        }
        if (!uid) {
            account.notes.push_back("user " + user + " does not exist here; on the server: " +
                                    useradd_command(user, group, home));
        }
    }
    if (uid && gid) {
        account.ids = SystemAccountIds{*uid, *gid};
    }
    return account;
}

Result<void> change_owner(const fs::path& path, std::optional<uid_t> uid, gid_t gid, Depth depth)
{
    const uid_t owner = uid ? *uid : static_cast<uid_t>(-1);  // -1: unchanged (chown(2))
    if (::lchown(path.c_str(), owner, gid) != 0) {
        return unexpected(Errc::Io, "chown " + path.string() + ": " + std::strerror(errno));
    }
    if (depth == Depth::One) {
        return ok();
    }
    std::error_code ec;
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        if (::lchown(it->path().c_str(), owner, gid) != 0) {
            return unexpected(Errc::Io,
                              "chown " + it->path().string() + ": " + std::strerror(errno));
        }
    }
    if (ec) {
        return unexpected(Errc::Io, "chown " + path.string() + ": " + ec.message());
    }
    return ok();
}

}  // namespace harbor::cli
