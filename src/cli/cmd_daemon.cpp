// The commands that ask the running daemon through its control socket: `harbor ports`
// (like `netstat -ano` for Harbor: listeners and live connections), `harbor status`,
// `harbor reload` (as SIGHUP) and `harbor stop` (as SIGTERM).
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/control_client.hpp"
#include "cli/format.hpp"

namespace harbor::cli {
namespace {

using json = nlohmann::json;

// The reply's JSON when the daemon answered 2xx; its error text otherwise.
Result<json> ask(const Context& context, const std::string& config_file, std::string_view method,
                 std::string_view target)
{
    auto socket = control_socket_for(context, config_file);
    HARBOR_TRY(socket);
    auto reply = control_request(*socket, method, target);
    HARBOR_TRY(reply);
    json body = json::parse(reply->body, nullptr, false);
    if (reply->status / 100 != 2) {
        std::string why = body.is_object() && body.contains("error") && body["error"].is_string()
                              ? body["error"].get<std::string>()
                              : reply->body;
        return unexpected(Errc::Invalid, "daemon: " + why);
    }
    if (body.is_discarded()) {
        return unexpected(Errc::Invalid, "daemon: the reply is not JSON");
    }
    return body;
}

std::string duration_text(std::int64_t seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
    return text;
}

void print_row(const std::string& proto, const std::string& local, const std::string& foreign,
               const std::string& state, const std::string& user, const std::string& duration,
               const std::string& bytes, const std::string& pid)
{
    std::printf("%-12s %-22s %-22s %-14s %-28s %-9s %-15s %s\n", proto.c_str(), local.c_str(),
                foreign.c_str(), state.c_str(), user.c_str(), duration.c_str(), bytes.c_str(),
                pid.c_str());
}

void print_ports(const json& ports)
{
    print_row("Proto", "Local Address", "Foreign Address", "State", "User", "Duration",
              "Bytes in/out", "PID");
    for (const json& listener : ports["listeners"]) {
        std::string proto = listener["protocol"].get<std::string>();
        if (listener["tls"].get<std::string>() != "none") {
            proto += "/" + listener["tls"].get<std::string>();
        }
        print_row(proto, listener["local"], "*:*", listener["state"], "", "", "", "");
    }
    for (const json& connection : ports["connections"]) {
        const std::string bytes = std::to_string(connection["bytes_in"].get<std::uint64_t>()) +
                                  "/" +
                                  std::to_string(connection["bytes_out"].get<std::uint64_t>());
        std::string user = connection["user"].get<std::string>();
        print_row(connection["protocol"], connection["local"], connection["foreign"],
                  connection["state"], user.empty() ? "-" : user,
                  duration_text(connection["duration_s"].get<std::int64_t>()), bytes,
                  std::to_string(connection["pid"].get<std::int64_t>()));
    }
}

struct DaemonCommand {
    std::string config_file;
    bool json = false;
};

CLI::App* add_daemon_command(CLI::App& app, const char* name, const char* help,
                             const std::shared_ptr<DaemonCommand>& options)
{
    CLI::App* command = app.add_subcommand(name, help);
    command->add_option("-c,--config", options->config_file,
                        "find the daemon through this configuration file (default: through "
                        "--data-dir)");
    return command;
}

}  // namespace

void add_daemon_commands(CLI::App& app, Context& context)
{
    auto ports_options = std::make_shared<DaemonCommand>();
    CLI::App* ports = add_daemon_command(
        app, "ports", "list the running daemon's listeners and live connections", ports_options);
    ports->add_flag("--json", ports_options->json, "print JSON instead of a table");
    ports->callback([&context, ports_options] {
        auto answer = ask(context, ports_options->config_file, "GET", "/v1/ports");
        if (!answer) {
            context.fail(answer.error());
            return;
        }
        if (ports_options->json) {
            std::cout << format_json(*answer) << "\n";
        } else {
            print_ports(*answer);
        }
    });

    auto status_options = std::make_shared<DaemonCommand>();
    CLI::App* status = add_daemon_command(
        app, "status", "show whether a daemon runs, and its state", status_options);
    status->callback([&context, status_options] {
        auto answer = ask(context, status_options->config_file, "GET", "/v1/status");
        if (!answer) {
            context.fail(answer.error());
            return;
        }
        std::cout << format_json(*answer) << "\n";
    });

    auto reload_options = std::make_shared<DaemonCommand>();
    CLI::App* reload = add_daemon_command(
        app, "reload", "reload the configuration and TLS certificate (as SIGHUP)", reload_options);
    reload->callback([&context, reload_options] {
        auto answer = ask(context, reload_options->config_file, "POST", "/v1/reload");
        if (!answer) {
            context.fail(answer.error());
            return;
        }
        std::cout << "reloaded\n";
        // What the file changed that the daemon applies only when restarted.
        if (const auto waiting = answer->find("restart_needed");
            waiting != answer->end() && waiting->is_array() && !waiting->empty()) {
            std::string names;
            for (const auto& name : *waiting) {
                names += (names.empty() ? "" : ", ") + name.get<std::string>();
            }
            std::cout << "changed, applied only at a restart: " << names << "\n";
        }
    });

    auto stop_options = std::make_shared<DaemonCommand>();
    CLI::App* stop =
        add_daemon_command(app, "stop", "stop the daemon gracefully (as SIGTERM)", stop_options);
    stop->callback([&context, stop_options] {
        auto answer = ask(context, stop_options->config_file, "POST", "/v1/stop");
        if (!answer) {
            context.fail(answer.error());
            return;
        }
        std::cout << "stopping\n";
    });
}

}  // namespace harbor::cli
