// The system user and group `harbor quickstart` installs Harbor for: looked up, created with
// useradd(8)/groupadd(8) where that is allowed, and the owner of the files Harbor needs.
// SECURITY: commands run without a shell, with names checked by is_system_name.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace harbor::cli {

struct SystemAccountIds {
    uid_t uid = 0;
    gid_t gid = 0;
};

struct SystemAccount {
    // Both ids when the user and the group exist (or were made); nullopt leaves files owned
    // by whoever runs quickstart.
    std::optional<SystemAccountIds> ids;
    std::vector<std::string> notes;  // what was done or what the administrator must do
};

// Creation::Allowed (root, installing at /): a missing group is made with `groupadd --system`
// and a missing user with `useradd --system`, home `home`, shell /usr/sbin/nologin. Otherwise
// the names are only looked up in this machine's databases, and notes say what is missing.
// Errc::Io if useradd or groupadd fails.
enum class AccountCreation { Allowed, LookUpOnly };
Result<SystemAccount> prepare_system_account(const std::string& user, const std::string& group,
                                             const std::filesystem::path& home,
                                             AccountCreation creation);

// lchown(2) of `path`, and with Depth::Tree of everything below it. Errc::Io naming the path.
enum class Depth { One, Tree };
Result<void> change_owner(const std::filesystem::path& path, std::optional<uid_t> uid, gid_t gid,
                          Depth depth = Depth::One);

}  // namespace harbor::cli
