#include "cli/cli.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "core/config.hpp"

namespace harbor::cli {

int run(int argc, char** argv)
{
    CLI::App app{"Harbor: a secure mail and communication server", "harbor"};
    app.require_subcommand(1);

    auto* version = app.add_subcommand("version", "print the version");
    version->callback([] { std::cout << "harbor 0.1.0\n"; });

    std::string config_file = "/etc/harbor/harbor.toml";
    auto* check = app.add_subcommand("check-config", "validate harbor.toml and exit");
    check->add_option("-c,--config", config_file, "configuration file")->capture_default_str();
    int status = 0;
    check->callback([&] {
        auto config = load_config(config_file);
        if (!config) {
            std::cerr << "harbor: " << config.error().detail << "\n";
            status = 1;
            return;
        }
        std::cout << config_file << ": ok (" << config->listeners.size() << " listeners)\n";
    });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return status;
}

}  // namespace harbor::cli
