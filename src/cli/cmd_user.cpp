// `harbor user add|list|remove|passwd|set`: accounts, their passwords, quota, rights and role.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/format.hpp"

namespace harbor::cli {
namespace {

struct UserArgs {
    std::string address;
    std::string domain;
    std::string password_file;
    std::string password;
    std::string role = "user";
    std::string name;
    std::string quota;
    bool imap = true;
    bool pop3 = true;
    bool submission = true;
    bool disabled = false;
};

}  // namespace

void add_user_commands(CLI::App& app, Context& context)
{
    auto* user = app.add_subcommand("user", "manage accounts");
    user->require_subcommand(1);
    auto args = std::make_shared<UserArgs>();

    auto add_password_options = [args](CLI::App* command) {
        command->add_option("--password-file", args->password_file,
                            "read the password from the first line of FILE (- for stdin)");
        command->add_option("--password", args->password,
                            "the password (visible to other local users; prefer a file)");
    };

    auto* add = user->add_subcommand("add", "create an account");
    add->add_option("address", args->address, "local@domain; the domain must exist")->required();
    add_password_options(add);
    add->add_option("--role", args->role, "user, domain-admin or admin")->capture_default_str();
    add->add_option("--name", args->name, "display name");
    add->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            auto role = parse_role(args->role);
            HARBOR_TRY(role);
            auto password = read_password(args->password_file, args->password);
            HARBOR_TRY(password);
            auto account = dir.add_user(args->address, *password, *role, args->name);
            HARBOR_TRY(account);
            std::cout << "added user " << account->address << "\n";
            return ok();
        });
    });

    auto* list = user->add_subcommand("list", "list accounts, of one domain or all");
    list->add_option("domain", args->domain, "only this domain");
    list->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            auto accounts = dir.list_users(args->domain);
            HARBOR_TRY(accounts);
            for (const store::Account& a : *accounts) {
                std::cout << format_account(a) << "\n";
            }
            return ok();
        });
    });

    auto* remove = user->add_subcommand("remove", "remove an account");
    remove->add_option("address", args->address, "local@domain")->required();
    remove->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            HARBOR_TRY(dir.remove_user(args->address));
            std::cout << "removed user " << args->address << "\n";
            return ok();
        });
    });

    auto* passwd = user->add_subcommand("passwd", "set an account's password");
    passwd->add_option("address", args->address, "local@domain")->required();
    add_password_options(passwd);
    passwd->callback([&context, args] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            auto password = read_password(args->password_file, args->password);
            HARBOR_TRY(password);
            HARBOR_TRY(dir.set_password(args->address, *password));
            std::cout << "password changed for " << args->address << "\n";
            return ok();
        });
    });

    auto* set = user->add_subcommand("set", "change quota, rights, role, name or disabled flag");
    set->add_option("address", args->address, "local@domain")->required();
    auto* quota = set->add_option("--quota", args->quota, "bytes, or with K/M/G/T; 0: unlimited");
    auto* role = set->add_option("--role", args->role, "user, domain-admin or admin");
    auto* name = set->add_option("--name", args->name, "display name");
    auto* imap = set->add_flag("--imap,!--no-imap", args->imap, "allow IMAP");
    auto* pop3 = set->add_flag("--pop3,!--no-pop3", args->pop3, "allow POP3");
    auto* submission =
        set->add_flag("--submission,!--no-submission", args->submission, "allow SMTP submission");
    auto* disabled = set->add_flag("--disable,!--enable", args->disabled,
                                   "refuse logins and mail (550 5.2.1)");
    set->callback([&context, args, quota, role, name, imap, pop3, submission, disabled] {
        context.run([&](directory::Directory& dir) -> Result<void> {
            auto current = dir.find_user(args->address);
            HARBOR_TRY(current);
            directory::AccountUpdate changes;
            if (quota->count() > 0) {
                auto bytes = parse_size(args->quota);
                HARBOR_TRY(bytes);
                changes.quota_bytes = *bytes;
            }
            if (role->count() > 0) {
                auto parsed = parse_role(args->role);
                HARBOR_TRY(parsed);
                changes.role = *parsed;
            }
            if (name->count() > 0) {
                changes.display_name = args->name;
            }
            if (imap->count() + pop3->count() + submission->count() > 0) {
                store::Rights rights = current->rights;
                rights.imap = imap->count() > 0 ? args->imap : rights.imap;
                rights.pop3 = pop3->count() > 0 ? args->pop3 : rights.pop3;
                rights.submission = submission->count() > 0 ? args->submission
                                                            : rights.submission;
                changes.rights = rights;
            }
            if (disabled->count() > 0) {
                changes.disabled = args->disabled;
            }
            auto updated = dir.update_user(args->address, changes);
            HARBOR_TRY(updated);
            std::cout << format_account(*updated) << "\n";
            return ok();
        });
    });
}

}  // namespace harbor::cli
