// [server] and [http] of harbor.toml: how the daemon runs (privileges, stopping, the control
// socket) and what its HTTP listeners serve. See config.hpp for the defaults.
#include "core/config_reader.hpp"

namespace harbor::config_reader {

Result<void> parse_server_section(const Reporter& report, const toml::table& table,
                                  ServerConfig& out)
{
    HARBOR_TRY(check_keys(report, table, "server",
                          {"user", "group", "run_as_root", "shutdown_grace_s", "control_socket"}));
    auto user = get_string(report, table, "user", "server.user", out.user);
    HARBOR_TRY(user);
    out.user = *user;
    auto group = get_string(report, table, "group", "server.group", out.group);
    HARBOR_TRY(group);
    out.group = *group;
    if (!out.group.empty() && out.user.empty()) {
        return report.fail(table.get("group"), "server.group", "needs server.user");
    }
    auto root = get_bool(report, table, "run_as_root", "server.run_as_root", out.run_as_root);
    HARBOR_TRY(root);
    out.run_as_root = *root;
    auto grace = get_integer(report, table, "shutdown_grace_s", "server.shutdown_grace_s", 0, 3600,
                             out.shutdown_grace_s);
    HARBOR_TRY(grace);
    out.shutdown_grace_s = static_cast<std::uint32_t>(*grace);
    auto socket =
        get_string(report, table, "control_socket", "server.control_socket", out.control_socket);
    HARBOR_TRY(socket);
    // sockaddr_un::sun_path holds 108 bytes with its NUL (unix(7)).
    if (socket->size() > 107) {
        return report.fail(table.get("control_socket"), "server.control_socket",
                           "longer than 107 bytes");
    }
    out.control_socket = *socket;
    return ok();
}

Result<void> parse_http_section(const Reporter& report, const toml::table& table, HttpConfig& out)
{
    HARBOR_TRY(check_keys(
        report, table, "http",
        {"metrics", "metrics_networks", "mta_sts_mode", "mta_sts_max_age_s", "mta_sts_mx"}));
    auto metrics = get_bool(report, table, "metrics", "http.metrics", out.metrics);
    HARBOR_TRY(metrics);
    out.metrics = *metrics;
    if (table.contains("metrics_networks")) {
        auto networks = get_string_list(report, table, "metrics_networks", "http.metrics_networks");
        HARBOR_TRY(networks);
        out.metrics_networks = std::move(*networks);
    }
    auto mode = get_string(report, table, "mta_sts_mode", "http.mta_sts_mode", out.mta_sts_mode);
    HARBOR_TRY(mode);
    // RFC 8461 §3.2: mode is one of "enforce", "testing", "none".
    if (*mode != "enforce" && *mode != "testing" && *mode != "none") {
        return report.fail(table.get("mta_sts_mode"), "http.mta_sts_mode",
                           "must be enforce, testing or none");
    }
    out.mta_sts_mode = *mode;
    // RFC 8461 §3.2: max_age at most 31557600 (about one year).
    auto max_age = get_integer(report, table, "mta_sts_max_age_s", "http.mta_sts_max_age_s", 1,
                               31'557'600, out.mta_sts_max_age_s);
    HARBOR_TRY(max_age);
    out.mta_sts_max_age_s = static_cast<std::uint32_t>(*max_age);
    auto mx = get_string_list(report, table, "mta_sts_mx", "http.mta_sts_mx");
    HARBOR_TRY(mx);
    out.mta_sts_mx = std::move(*mx);
    return ok();
}

}  // namespace harbor::config_reader
