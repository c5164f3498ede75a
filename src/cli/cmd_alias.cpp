// `harbor alias add|list|remove`: source "local@domain" or "@domain" (the catch-all).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"

namespace harbor::cli {
namespace {

struct AliasArgs {
    std::string source;
    std::string target;
    std::string domain;
};

}  // namespace

void add_alias_commands(CLI::App& app, Context& context)
{
    auto* alias = app.add_subcommand("alias", "manage aliases and catch-alls");
    alias->require_subcommand(1);
    auto args = std::make_shared<AliasArgs>();

    auto* add = alias->add_subcommand("add", "deliver mail for SOURCE to TARGET");
    add->add_option("source", args->source, "local@domain, or @domain for the catch-all")
        ->required();
    add->add_option("target", args->target, "any address")->required();
    add->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            HARBOR_TRY(dir.add_alias(args->source, args->target));
            std::cout << "added alias " << args->source << " -> " << args->target << "\n";
            return ok();
        });
    });

    auto* list = alias->add_subcommand("list", "list aliases, of one domain or all");
    list->add_option("domain", args->domain, "only this domain");
    list->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            auto aliases = dir.list_aliases(args->domain);
            HARBOR_TRY(aliases);
            for (const store::Alias& a : *aliases) {
                std::cout << a.source << " -> " << a.target << "\n";
            }
            return ok();
        });
    });

    auto* remove = alias->add_subcommand("remove", "remove the alias SOURCE -> TARGET");
    remove->add_option("source", args->source, "local@domain or @domain")->required();
    remove->add_option("target", args->target, "the alias target")->required();
    remove->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            HARBOR_TRY(dir.remove_alias(args->source, args->target));
            std::cout << "removed alias " << args->source << " -> " << args->target << "\n";
            return ok();
        });
    });
}

}  // namespace harbor::cli
