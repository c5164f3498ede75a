#include "cli/cli.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/cmd_serve.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/demo_accounts.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/version.hpp"

namespace harbor::cli {
namespace {

void add_check_config_command(CLI::App& app, Context& context)
{
    auto config_file = std::make_shared<std::string>("/etc/harbor/harbor.toml");
    auto* check = app.add_subcommand("check-config", "validate harbor.toml and exit");
    check->add_option("-c,--config", *config_file, "configuration file")->capture_default_str();
    check->callback([&context, config_file] {
        auto config = load_config(*config_file);
        if (!config) {
            context.fail(config.error());
            return;
        }
        std::cout << *config_file << ": ok (" << config->listeners.size() << " listeners)\n";
    });
}

}  // namespace

int run(int argc, char** argv)
{
    CLI::App app{"Harbor: a secure mail and communication server", "harbor"};
    app.require_subcommand(1);
    Context context;
    // Administrative commands print their own results; only warnings go to the log. `serve`
    // sets the configured level when it starts.
    log::init(log::Level::Warn, log::Format::Text);
    app.add_option("-d,--data-dir,--data", context.data_dir,
                   "data directory the directory commands work on")
        ->capture_default_str();

    auto* version = app.add_subcommand("version", "print the version");
    version->callback([] { std::cout << "harbor " << harbor::version << "\n"; });

    add_serve_command(app, context.status, provision_demo_accounts);
    add_check_config_command(app, context);
    add_domain_commands(app, context);
    add_user_commands(app, context);
    add_alias_commands(app, context);
    add_group_commands(app, context);
    add_mail_commands(app, context);
    add_queue_commands(app, context);
    add_route_commands(app, context);
    add_dkim_commands(app, context);
    add_dmarc_commands(app, context);
    add_dns_records_command(app, context);
    add_daemon_commands(app, context);
    add_quickstart_command(app, context);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return context.status;
}

}  // namespace harbor::cli
