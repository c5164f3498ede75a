// Reentrant lookups with a buffer of the size sysconf suggests (getpwnam_r(3)).
#include "core/system_accounts.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <vector>

namespace harbor {
namespace {

constexpr std::size_t fallback_buffer = 16384;  // when sysconf has no answer

std::size_t lookup_buffer_size(int name)
{
    const long size = ::sysconf(name);
    return size > 0 ? static_cast<std::size_t>(size) : fallback_buffer;
}

}  // namespace

std::optional<SystemUser> find_system_user(const std::string& name)
{
    std::vector<char> buffer(lookup_buffer_size(_SC_GETPW_R_SIZE_MAX));
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
        return std::nullopt;
    }
    return SystemUser{found->pw_uid, found->pw_gid};
}

std::optional<gid_t> find_system_group(const std::string& name)
{
    std::vector<char> buffer(lookup_buffer_size(_SC_GETGR_R_SIZE_MAX));
    group entry{};
    group* found = nullptr;
    if (::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
        return std::nullopt;
    }
    return found->gr_gid;
}

}  // namespace harbor
