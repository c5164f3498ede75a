// Registration of each CLI noun's subcommands (one file per noun: cmd_<noun>.cpp).
#pragma once

namespace CLI {
class App;
}

namespace harbor::cli {

struct Context;

void add_domain_commands(CLI::App& app, Context& context);
void add_user_commands(CLI::App& app, Context& context);
void add_alias_commands(CLI::App& app, Context& context);
void add_group_commands(CLI::App& app, Context& context);
void add_mail_commands(CLI::App& app, Context& context);
void add_queue_commands(CLI::App& app, Context& context);
void add_route_commands(CLI::App& app, Context& context);
void add_dkim_commands(CLI::App& app, Context& context);
void add_dmarc_commands(CLI::App& app, Context& context);
void add_dns_records_command(CLI::App& app, Context& context);
void add_daemon_commands(CLI::App& app, Context& context);
void add_quickstart_command(CLI::App& app, Context& context);

}  // namespace harbor::cli
