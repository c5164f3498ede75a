// `harbor quickstart HOSTNAME`: a production installation in one step (issue 9). It writes
// harbor.toml with the standard listeners, a self-signed certificate, the data directory with
// the domain, its DKIM key and an administrator, and a systemd unit; makes the system user
// when it can; then prints the DNS records to publish and what to do next.
// SECURITY: nothing is overwritten (an existing installation is refused before anything is
// touched, and a failed run removes what it made); umask 027 and explicit modes, so nothing
// is world-readable; the key and harbor.toml are root:<group> 0640; the administrator's
// password is printed once and written nowhere.
#include <CLI/CLI.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/dkim_keys.hpp"
#include "cli/dns_records.hpp"
#include "cli/quickstart_files.hpp"
#include "cli/quickstart_system.hpp"
#include "core/file.hpp"
#include "core/ids.hpp"
#include "directory/address.hpp"
#include "net/self_signed.hpp"

namespace harbor::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t admin_password_chars = 24;  // about 140 bits (core/ids.hpp)
constexpr mode_t private_dir_mode = 0750;
constexpr mode_t system_dir_mode = 0755;  // what /etc and /var/lib have on a Debian system

struct QuickstartOptions {
    std::string hostname;
    std::string domain;
    std::string root = "/";
    std::string user = "harbor";
    std::string group = "harbor";
    std::string admin;
    std::string binary = std::string(install_path::binary);
};

// Everything decided before a file is touched.
struct Plan {
    InstallSettings settings;
    std::string domain;
    std::string admin;
    bool at_system_root = false;  // --root is /: system accounts may be made
    // The installation's paths under --root.
    fs::path config_dir, config_file, tls_dir, certificate, key, data_dir, unit_file;
};

fs::path under(const fs::path& root, std::string_view installed)
{
    return root / fs::path(installed).relative_path();
}

Result<Plan> make_plan(const QuickstartOptions& options)
{
    Plan plan;
    auto hostname = directory::normalize_domain(options.hostname);
    HARBOR_TRY(hostname);
    const std::size_t dot = hostname->find('.');
    if (dot == std::string::npos) {
        return unexpected(Errc::Invalid, "HOSTNAME must be a full name, like mail.example.org");
    }
    // By default the domain is the host's parent: mail.example.org serves example.org.
    std::string domain_text = options.domain.empty() ? hostname->substr(dot + 1) : options.domain;
    auto domain = directory::normalize_domain(domain_text);
    HARBOR_TRY(domain);
    if (domain->find('.') == std::string::npos) {
        return unexpected(Errc::Invalid, "give the mail domain with --domain (" + *domain +
                                             " is a top-level domain)");
    }
    auto admin =
        directory::parse_address(options.admin.empty() ? "postmaster@" + *domain : options.admin);
    HARBOR_TRY(admin);
    if (admin->is_literal || admin->domain != *domain) {
        return unexpected(Errc::Invalid, "--admin must be an address in " + *domain);
    }
    if (!is_system_name(options.user) || !is_system_name(options.group)) {
        return unexpected(Errc::Invalid, "bad --user or --group name (letters, digits, _ . -)");
    }
    if (!is_unit_safe_path(options.binary)) {
        return unexpected(Errc::Invalid,
                          "--binary must be an absolute path of letters, digits "
                          "and / . _ + -");
    }
    std::error_code ec;
    const fs::path root = fs::canonical(options.root, ec);
    if (ec || !fs::is_directory(root)) {
        return unexpected(Errc::NotFound, "--root " + options.root + ": not a directory");
    }
    plan.settings = InstallSettings{*hostname, options.user, options.group, options.binary};
    plan.domain = *domain;
    plan.admin = admin->format();
    plan.at_system_root = root == fs::path("/");
    plan.config_dir = under(root, install_path::config_dir);
    plan.config_file = under(root, install_path::config_file);
    plan.tls_dir = under(root, install_path::tls_dir);
    plan.certificate = under(root, install_path::certificate);
    plan.key = under(root, install_path::key);
    plan.data_dir = under(root, install_path::data_dir);
    plan.unit_file = under(root, install_path::unit_file);
    return plan;
}

// An installation is there if any file quickstart writes exists, or the data directory holds
// anything (its store). Nothing is changed when one is found.
Result<void> check_not_installed(const Plan& plan)
{
    std::error_code ec;
    if (fs::exists(fs::symlink_status(plan.config_file, ec))) {
        return unexpected(Errc::Exists, plan.config_file.string() +
                                            " exists: Harbor is installed already, and "
                                            "quickstart never overwrites an installation");
    }
    for (const fs::path& file : {plan.unit_file, plan.certificate, plan.key}) {
        if (fs::exists(fs::symlink_status(file, ec))) {
            return unexpected(Errc::Exists, file.string() +
                                                " exists: quickstart never overwrites a file "
                                                "(move it away to install afresh)");
        }
    }
    const fs::file_status data = fs::symlink_status(plan.data_dir, ec);
    if (fs::exists(data) && (!fs::is_directory(data) || !fs::is_empty(plan.data_dir, ec) || ec)) {
        return unexpected(Errc::Exists, plan.data_dir.string() +
                                            " is not empty: it holds a store already, and "
                                            "quickstart never overwrites an installation");
    }
    return ok();
}

// What this run made, removed again in reverse order unless keep() is called, so a failed
// quickstart leaves the files as it found them (a system user it made stays).
class Undo {
public:
    Undo() = default;
    Undo(const Undo&) = delete;
    Undo& operator=(const Undo&) = delete;
    ~Undo()
    {
        for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
            std::error_code ec;
            if (!it->contents_only) {
                fs::remove_all(it->path, ec);
                continue;
            }
            for (const fs::directory_entry& entry : fs::directory_iterator(it->path, ec)) {
                fs::remove_all(entry.path(), ec);
            }
        }
    }
    void made(fs::path path) { made_.push_back({std::move(path), false}); }
    void filled(fs::path directory) { made_.push_back({std::move(directory), true}); }
    void keep() { made_.clear(); }

private:
    struct Made {
        fs::path path;
        bool contents_only;  // a directory that was there, empty, before
    };
    std::vector<Made> made_;
};

Result<void> set_mode(const fs::path& path, mode_t mode)
{
    if (::chmod(path.c_str(), mode) != 0) {
        return unexpected(Errc::Io, "chmod " + path.string() + ": " + std::strerror(errno));
    }
    return ok();
}

// Makes `dir` with `mode` and any missing parent with the system's 0755 (mkdir applies the
// umask, so the mode is set again). A `dir` that exists already is left as it is.
Result<void> make_directories(const fs::path& dir, mode_t mode, Undo& undo)
{
    fs::path partial;
    for (const fs::path& part : dir) {
        partial /= part;
        std::error_code ec;
        if (fs::exists(fs::symlink_status(partial, ec))) {
            continue;
        }
        if (::mkdir(partial.c_str(), 0700) != 0) {
            return unexpected(Errc::Io, "mkdir " + partial.string() + ": " + std::strerror(errno));
        }
        undo.made(partial);
        HARBOR_TRY(set_mode(partial, partial == dir ? mode : system_dir_mode));
    }
    return ok();
}

struct Provisioned {
    std::string password;
    std::string selector;
    std::string dns_records;  // as `harbor dns-records` prints them
};

// The domain, its first DKIM key (it signs at once) and the administrator, in a new store.
// RFC 5321 §4.5.1: the domain's postmaster reaches the administrator.
Result<Provisioned> provision_store(const Plan& plan)
{
    auto opened = open_directory(plan.data_dir);
    HARBOR_TRY(opened);
    directory::Directory& dir = *opened->directory;
    HARBOR_TRY(dir.add_domain(plan.domain));
    auto key = add_dkim_key(*opened->store, plan.domain, default_dkim_selector(std::time(nullptr)),
                            auth::dkim::KeyType::Rsa, DkimActivation::IfFirst);
    HARBOR_TRY(key);
    Provisioned out{random_token(admin_password_chars), key->record.selector, {}};
    HARBOR_TRY(dir.add_user(plan.admin, out.password, store::Role::Admin, "Administrator"));
    const std::string postmaster = "postmaster@" + plan.domain;
    if (plan.admin != postmaster) {
        HARBOR_TRY(dir.add_alias(postmaster, plan.admin));
    }
    std::ostringstream records;
    HARBOR_TRY(print_dns_records(*opened, plan.domain, plan.settings.hostname, RecordFormat::Zone,
                                 records));
    out.dns_records = records.str();
    return out;
}

// Writes the installation; the store is closed before its files change owner, so every file
// in the data directory is the service user's.
Result<Provisioned> install(const Plan& plan, const SystemAccount& account, Undo& undo)
{
    std::error_code ec;
    const bool data_dir_existed = fs::exists(plan.data_dir, ec);
    HARBOR_TRY(make_directories(plan.config_dir, private_dir_mode, undo));
    HARBOR_TRY(make_directories(plan.tls_dir, private_dir_mode, undo));
    HARBOR_TRY(make_directories(plan.data_dir, private_dir_mode, undo));
    if (data_dir_existed) {
        undo.filled(plan.data_dir);
        HARBOR_TRY(set_mode(plan.data_dir, private_dir_mode));
    }
    HARBOR_TRY(make_directories(plan.unit_file.parent_path(), system_dir_mode, undo));

    undo.made(plan.certificate);
    undo.made(plan.key);
    HARBOR_TRY(net::generate_self_signed(plan.settings.hostname, plan.certificate, plan.key));
    // The certificate is public, but nothing here is world-readable; the group reads both.
    HARBOR_TRY(set_mode(plan.certificate, 0640));
    HARBOR_TRY(set_mode(plan.key, account.ids ? 0640 : 0600));

    auto provisioned = provision_store(plan);
    HARBOR_TRY(provisioned);

    undo.made(plan.unit_file);
    HARBOR_TRY(write_file_atomically(plan.unit_file, format_systemd_unit(plan.settings), 0640));
    // harbor.toml last: a configuration on disk means everything it names is there.
    undo.made(plan.config_file);
    HARBOR_TRY(
        write_file_atomically(plan.config_file, format_quickstart_config(plan.settings), 0640));

    if (account.ids) {
        const SystemAccountIds ids = *account.ids;
        HARBOR_TRY(change_owner(plan.data_dir, ids.uid, ids.gid, Depth::Tree));
        for (const fs::path& path :
             {plan.config_dir, plan.tls_dir, plan.certificate, plan.key, plan.config_file}) {
            HARBOR_TRY(change_owner(path, std::nullopt, ids.gid));
        }
    }
    return provisioned;
}

void print_report(const Plan& plan, const SystemAccount& account, const Provisioned& done)
{
    const InstallSettings& settings = plan.settings;
    const std::pair<const fs::path&, std::string> written[] = {
        {plan.config_file, "configuration"},
        {plan.certificate, "self-signed certificate for " + settings.hostname},
        {plan.key, "its private key"},
        {plan.data_dir,
         "the store: " + plan.domain + ", DKIM selector " + done.selector + ", " + plan.admin},
        {plan.unit_file, "systemd unit"},
    };
    std::size_t width = 0;
    for (const auto& [path, what] : written) {
        width = std::max(width, path.string().size());
    }
    std::cout << "Harbor is installed for " << settings.hostname << " (mail domain " << plan.domain
              << ").\n\n";
    for (const auto& [path, what] : written) {
        std::cout << "  " << std::left << std::setw(static_cast<int>(width) + 2) << path.string()
                  << what << "\n";
    }
    for (const std::string& note : account.notes) {
        std::cout << "  note: " << note << "\n";
    }
    if (!account.ids) {
        std::cout << "  note: the files are owned by whoever ran quickstart; before starting, "
                     "on the server:\n        chown -R "
                  << settings.user << ":" << settings.group << " " << install_path::data_dir
                  << " && chgrp -R " << settings.group << " " << install_path::config_dir
                  << " && chmod 0640 " << install_path::key << "\n";
    }
    std::cout << "\nAdministrator: " << plan.admin << "\n"
              << "Password:      " << done.password << "\n"
              << "This password is shown only now and stored only as a hash. Change it with\n"
              << "  harbor user passwd " << plan.admin << " --password-file -\n\n"
              << "DNS records to publish for " << plan.domain << ":\n\n"
              << done.dns_records << "\n"
              << "Next steps:\n"
              << "  1. Publish the records above, and have the PTR of this server's addresses\n"
              << "     name " << settings.hostname << " (receivers check it).\n"
              << "  2. Replace the self-signed certificate with a real one (harbor.toml, [tls]).\n"
              << "  3. Start Harbor:  systemctl daemon-reload && systemctl enable --now harbor\n"
              << "  4. Check it:      harbor ports   (every listener should be listening)\n"
              << "                    journalctl -u harbor\n";
}

}  // namespace

void add_quickstart_command(CLI::App& app, Context& context)
{
    auto options = std::make_shared<QuickstartOptions>();
    auto* command = app.add_subcommand(
        "quickstart",
        "install Harbor on this server: configuration, certificate, store, admin "
        "account, systemd unit");
    command->add_option("HOSTNAME", options->hostname, "this server's public name (the MX)")
        ->required();
    command->add_option("--domain", options->domain,
                        "the mail domain (default: HOSTNAME without its first label)");
    command->add_option("--admin", options->admin,
                        "the administrator's address (default: postmaster@DOMAIN)");
    command->add_option("--root", options->root, "install under this directory instead of /")
        ->capture_default_str();
    command->add_option("--user", options->user, "the system user Harbor runs as")
        ->capture_default_str();
    command->add_option("--group", options->group, "the system group Harbor runs as")
        ->capture_default_str();
    command->add_option("--binary", options->binary, "where the harbor binary is installed")
        ->capture_default_str();
    command->callback([&context, options] {
        auto plan = make_plan(*options);
        if (!plan) {
            context.fail(plan.error());
            return;
        }
        if (auto free = check_not_installed(*plan); !free) {
            context.fail(free.error());
            return;
        }
        ::umask(027);
        // System accounts are made only on the machine itself, as root: useradd --root needs
        // a full system image under that root, which a staging directory is not.
        const bool root_user = ::geteuid() == 0;
        auto account = prepare_system_account(
            plan->settings.user, plan->settings.group, std::string(install_path::data_dir),
            plan->at_system_root && root_user ? AccountCreation::Allowed
                                              : AccountCreation::LookUpOnly);
        if (!account) {
            context.fail(account.error());
            return;
        }
        if (!root_user) {
            account->ids.reset();  // only root may give files away
        }
        Undo undo;
        auto done = install(*plan, *account, undo);
        if (!done) {
            context.fail(done.error());
            return;  // undo removes what was made
        }
        undo.keep();
        print_report(*plan, *account, *done);
    });
}

}  // namespace harbor::cli
