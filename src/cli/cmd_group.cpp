// `harbor group add|list|remove|member add|member remove`: distribution lists.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"

namespace harbor::cli {
namespace {

struct GroupArgs {
    std::string group;
    std::string member;
    std::string domain;
};

}  // namespace

void add_group_commands(CLI::App& app, Context& context)
{
    auto* group = app.add_subcommand("group", "manage groups (distribution lists)");
    group->require_subcommand(1);
    auto args = std::make_shared<GroupArgs>();

    auto* add = group->add_subcommand("add", "create a group address");
    add->add_option("address", args->group, "group address")->required();
    add->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            HARBOR_TRY(dir.add_group(args->group));
            std::cout << "added group " << args->group << "\n";
            return ok();
        });
    });

    auto* list = group->add_subcommand("list", "list groups and their members");
    list->add_option("domain", args->domain, "only this domain");
    list->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            auto groups = dir.list_groups(args->domain);
            HARBOR_TRY(groups);
            for (const store::Group& g : *groups) {
                std::cout << g.address << ":";
                for (const std::string& m : g.members) {
                    std::cout << " " << m;
                }
                std::cout << "\n";
            }
            return ok();
        });
    });

    auto* remove = group->add_subcommand("remove", "remove a group");
    remove->add_option("address", args->group, "group address")->required();
    remove->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            HARBOR_TRY(dir.remove_group(args->group));
            std::cout << "removed group " << args->group << "\n";
            return ok();
        });
    });

    auto* member = group->add_subcommand("member", "change a group's members");
    member->require_subcommand(1);
    auto* member_add = member->add_subcommand("add", "add a member (an address or a group)");
    member_add->add_option("group", args->group, "group address")->required();
    member_add->add_option("member", args->member, "member address")->required();
    member_add->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            HARBOR_TRY(dir.add_member(args->group, args->member));
            std::cout << "added " << args->member << " to " << args->group << "\n";
            return ok();
        });
    });
    auto* member_remove = member->add_subcommand("remove", "remove a member");
    member_remove->add_option("group", args->group, "group address")->required();
    member_remove->add_option("member", args->member, "member address")->required();
    member_remove->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            HARBOR_TRY(dir.remove_member(args->group, args->member));
            std::cout << "removed " << args->member << " from " << args->group << "\n";
            return ok();
        });
    });
}

}  // namespace harbor::cli
