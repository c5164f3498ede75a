// run_daemon: the order matters. The lock comes first (a second instance must not touch the
// ports), then binding as root, then dropping root before anything opens a file that the
// daemon will write (store, control socket), so that those files are the daemon user's.
#include "server/daemon.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>

#include "core/config_sections.hpp"
#include "core/log.hpp"
#include "server/control_api.hpp"
#include "server/control_server.hpp"
#include "server/instance_lock.hpp"
#include "server/privileges.hpp"
#include "server/protocol_handlers.hpp"

namespace harbor::server {
namespace {

// The sections a reload applies; every other one is read once, at the start, and a change to
// it waits for a restart (the listeners are bound, the store and protocols are built).
const std::set<std::string> live_sections = {"log"};

// Checks the whole file first (a bad file changes nothing), applies the live sections, and
// names the changed ones it could not apply, against the file as it was at the start.
Result<ReloadReport> reload_settings(const std::filesystem::path& file,
                                     const ConfigSections& started)
{
    if (file.empty()) {
        return ReloadReport{};
    }
    Result<ConfigFile> loaded = load_config_file(file);
    if (!loaded) {
        log::error("config.reload.failed", {{"error", loaded.error().detail}});
        return unexpected(std::move(loaded).error());
    }
    log::init(loaded->config.log_level, loaded->config.log_format);
    ReloadReport report;
    std::string names;
    for (const std::string& name : changed_sections(started, loaded->sections)) {
        if (!live_sections.contains(name)) {
            names += (names.empty() ? "" : ",") + name;
            report.restart_needed.push_back(name);
        }
    }
    log::info("config.reloaded", {{"file", file.string()}});
    if (!names.empty()) {
        log::warn("config.reload.restart_needed", {{"settings", names}});
    }
    return report;
}

}  // namespace

ServerOptions server_options_from(const Config& config)
{
    ServerOptions options;
    options.shutdown_grace = std::chrono::seconds(config.server.shutdown_grace_s);
    return options;
}

Result<void> run_daemon(const Config& config, DaemonOptions options)
{
    // Nothing the daemon creates is for other users: mail, keys, the store (group may read).
    ::umask(027);
    auto plan = plan_privileges(config.server, ::geteuid());
    HARBOR_TRY(plan);
    if (*plan) {
        HARBOR_TRY(prepare_data_dir(config.data_dir, **plan));
    } else {
        std::error_code ec;
        std::filesystem::create_directories(config.data_dir, ec);
        if (ec) {
            return unexpected(Errc::Io,
                              "cannot create " + config.data_dir.string() + ": " + ec.message());
        }
    }
    auto lock = InstanceLock::acquire(config.data_dir);
    HARBOR_TRY(lock);

    Server daemon(config, {}, options.server_options);
    HARBOR_TRY(daemon.bind());
    if (*plan) {
        HARBOR_TRY(lock->give_to((*plan)->uid, (*plan)->gid));
        HARBOR_TRY(drop_privileges(**plan));
        log::info("server.privileges.dropped", {{"user", (*plan)->user},
                                                {"uid", static_cast<std::int64_t>((*plan)->uid)},
                                                {"gid", static_cast<std::int64_t>((*plan)->gid)}});
    } else if (::geteuid() == 0) {
        log::warn("server.running_as_root", {{"reason", "[server] run_as_root"}});
    }

    auto protocols = make_protocol_handlers(config);
    HARBOR_TRY(protocols);
    HandlerMap handlers = protocols->handlers;
    for (auto& [protocol, handler] : options.overrides) {
        handlers[protocol] = handler;
    }
    daemon.set_handlers(std::move(handlers));
    ConfigSections started;
    if (!options.config_file.empty()) {
        Result<ConfigSections> read = read_config_sections(options.config_file);
        HARBOR_TRY(read);
        started = std::move(*read);
    }
    daemon.set_reload_hook([file = options.config_file, started = std::move(started)] {
        return reload_settings(file, started);
    });

    ControlTargets targets;
    targets.server = &daemon;
    if (protocols->queue) {
        targets.wake_queue = [queue = protocols->queue.get()] { queue->wake(); };
    }
    targets.data_dir = config.data_dir;
    targets.hostname = config.hostname;
    ControlServer control(config.control_socket_path(), make_control_api(std::move(targets)));
    if (Result<void> listening = control.start(); !listening) {
        // Mail does not depend on it: serve without, and say why the CLI cannot reach us.
        log::error("control.unavailable", {{"error", listening.error().detail}});
    }

    Result<void> outcome = daemon.start();
    if (outcome) {
        if (options.on_started) {
            outcome = options.on_started(daemon);
            if (!outcome) {
                daemon.request_stop();
            }
        }
        daemon.wait();
    }
    // The control socket goes before the server it reports on.
    control.stop();
    protocols->stop_lookups();
    return outcome;
}

}  // namespace harbor::server
