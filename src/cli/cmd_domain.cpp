// `harbor domain add|list|remove`.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"

namespace harbor::cli {

void add_domain_commands(CLI::App& app, Context& context)
{
    auto* domain = app.add_subcommand("domain", "manage the local domains");
    domain->require_subcommand(1);
    auto name = std::make_shared<std::string>();

    auto* add = domain->add_subcommand("add", "add a local domain (IDN names become A-labels)");
    add->add_option("name", *name, "domain name")->required();
    add->callback([&context, name] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            auto created = dir.add_domain(*name);
            HARBOR_TRY(created);
            std::cout << "added domain " << created->name << "\n";
            return ok();
        });
    });

    auto* list = domain->add_subcommand("list", "list the local domains");
    list->callback([&context] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            auto domains = dir.list_domains();
            HARBOR_TRY(domains);
            for (const store::Domain& d : *domains) {
                std::cout << d.name << "\n";
            }
            return ok();
        });
    });

    auto* remove = domain->add_subcommand("remove", "remove a domain that has no addresses left");
    remove->add_option("name", *name, "domain name")->required();
    remove->callback([&context, name] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            HARBOR_TRY(dir.remove_domain(*name));
            std::cout << "removed domain " << *name << "\n";
            return ok();
        });
    });
}

}  // namespace harbor::cli
