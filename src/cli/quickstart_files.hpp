// What `harbor quickstart` writes besides the store: harbor.toml and the systemd unit, as
// text. Paths in them are the installed system's (no --root prefix), so an installation made
// under another root is a faithful image of one made at /.
#pragma once

#include <string>
#include <string_view>

#include "cli/context.hpp"

namespace harbor::cli {

namespace install_path {
constexpr std::string_view config_dir = "/etc/harbor";
constexpr std::string_view config_file = "/etc/harbor/harbor.toml";
constexpr std::string_view tls_dir = "/etc/harbor/tls";
constexpr std::string_view certificate = "/etc/harbor/tls/fullchain.pem";
constexpr std::string_view key = "/etc/harbor/tls/key.pem";
constexpr std::string_view data_dir = default_data_dir;  // where the CLI looks without -d
constexpr std::string_view unit_file = "/etc/systemd/system/harbor.service";
constexpr std::string_view binary = "/usr/local/bin/harbor";
}  // namespace install_path

struct InstallSettings {
    std::string hostname;  // A-label, lower case: letters, digits, '-' and '.'
    std::string user;      // [server] user and group: checked by is_system_name
    std::string group;
    std::string binary = std::string(install_path::binary);  // checked by is_unit_safe_path
};

// A user or group name safe to write into TOML and pass to useradd: [A-Za-z0-9_.-], not
// starting with '-', at most 32 characters (useradd(8)).
bool is_system_name(std::string_view name);

// An absolute path that needs no quoting in ExecStart= (systemd.service(5) "Command lines"):
// [A-Za-z0-9/._+-] only, so no spaces, quotes, '$' or '%' specifiers.
bool is_unit_safe_path(std::string_view path);

// harbor.toml: hostname, data_dir, [server] user/group, [tls] at the quickstart certificate
// (with how to replace it), and the standard listeners on 0.0.0.0 and ::.
std::string format_quickstart_config(const InstallSettings& settings);

// harbor.service: `harbor serve -c` as root (Harbor drops privileges itself), reload by
// SIGHUP, restart on failure, and the sandboxing that leaves the data directory writable.
std::string format_systemd_unit(const InstallSettings& settings);

}  // namespace harbor::cli
