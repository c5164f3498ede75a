// `harbor serve`: loads harbor.toml (or builds the demo config), applies logging, runs the
// daemon (server/daemon.hpp) until SIGINT/SIGTERM (exit 0). Errors are one line on stderr and exit
// status 1.
#include "cli/cmd_serve.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <memory>

#include "core/config.hpp"
#include "core/log.hpp"
#include "server/daemon.hpp"
#include "server/demo.hpp"

namespace harbor::cli {
namespace {

struct ServeOptions {
    std::string config_file = "/etc/harbor/harbor.toml";
    std::string demo_dir;
    int port_base = server::default_demo_port_base;
};

Result<void> serve_config(const std::string& file)
{
    auto config = load_config(file);
    HARBOR_TRY(config);
    log::init(config->log_level, config->log_format);
    server::DaemonOptions options;
    options.config_file = file;
    options.server_options = server::server_options_from(*config);
    return server::run_daemon(*config, std::move(options));
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_status, server::DemoProvisioner provisioner)
{
    auto options = std::make_shared<ServeOptions>();
    CLI::App* serve = app.add_subcommand("serve", "run the mail server");
    CLI::Option* config =
        serve->add_option("-c,--config", options->config_file, "configuration file")
            ->capture_default_str();
    CLI::Option* demo = serve->add_option(
        "--demo", options->demo_dir,
        "demo mode: everything in DIR, loopback listeners, self-signed certificate");
    demo->type_name("DIR");
    demo->excludes(config);
    serve
        ->add_option("--port-base", options->port_base,
                     "demo listeners at N+25, N+587, N+465, N+143, N+993, N+110, N+995, N+80")
        ->type_name("N")
        ->capture_default_str()
        ->check(CLI::Range(0, 65535 - 995))
        ->needs(demo);

    serve->callback([options, provisioner = std::move(provisioner), &exit_status] {
        Result<void> result = ok();
        try {
            if (options->demo_dir.empty()) {
                result = serve_config(options->config_file);
            } else {
                // The demo is for watching: show each connection, whatever the CLI default.
                log::init(log::Level::Info, log::Format::Text);
                result = server::run_demo({options->demo_dir, options->port_base}, provisioner);
            }
        } catch (const std::exception& e) {
            result = unexpected(Errc::Internal, e.what());
        }
        if (!result) {
            std::cerr << "harbor: " << result.error().detail << "\n";
            exit_status = 1;
        }
    });
}

}  // namespace harbor::cli
