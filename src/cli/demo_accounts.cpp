#include "cli/demo_accounts.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

#include "auth/dkim/crypto.hpp"
#include "cli/context.hpp"
#include "cli/dkim_keys.hpp"
#include "core/ids.hpp"

namespace harbor::cli {
namespace {

constexpr std::size_t demo_password_chars = 20;
constexpr std::string_view demo_dkim_selector = "demo";

struct DemoUser {
    const char* local_part;
    const char* display_name;
    store::Role role;
    const char* role_text;
};

constexpr DemoUser demo_users[] = {
    {"admin", "Harbor Admin", store::Role::Admin, "admin"},
    {"alice", "Alice Demo", store::Role::User, "user"},
    {"bob", "Bob Demo", store::Role::User, "user"},
};

// Passwords from an earlier start's demo.json, by address; empty if there is none.
std::map<std::string, std::string> previous_passwords(const std::filesystem::path& data_dir)
{
    std::map<std::string, std::string> out;
    std::ifstream in(data_dir / "demo.json");
    if (!in) {
        return out;
    }
    auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object() || !json.contains("accounts") || !json["accounts"].is_array()) {
        return out;
    }
    for (const auto& account : json["accounts"]) {
        if (account.is_object() && account.value("address", "").size() > 0) {
            out[account.value("address", "")] = account.value("password", "");
        }
    }
    return out;
}

// The demo domain's active DKIM key, made on first start.
Result<server::DemoDkim> demo_dkim_key(store::Store& store, const std::string& domain)
{
    auto keys = store.list_dkim_keys(domain);
    HARBOR_TRY(keys);
    for (const store::DkimKeyRecord& key : *keys) {
        if (key.active) {
            auto txt = auth::dkim::key_record_from_private(key.private_pem);
            HARBOR_TRY(txt);
            return server::DemoDkim{key.selector, domain, std::move(*txt)};
        }
    }
    // No key signs yet, so the new one does at once.
    auto made = add_dkim_key(store, domain, std::string(demo_dkim_selector),
                             auth::dkim::KeyType::Rsa, DkimActivation::IfFirst);
    HARBOR_TRY(made);
    return server::DemoDkim{std::string(demo_dkim_selector), domain, std::move(made->txt)};
}

}  // namespace

Result<server::DemoInstallation> provision_demo_accounts(const std::filesystem::path& data_dir)
{
    auto opened = open_directory(data_dir);
    HARBOR_TRY(opened);
    directory::Directory& dir = *opened->directory;

    const std::string domain(server::demo_domain);
    auto local = dir.is_local_domain(domain);
    HARBOR_TRY(local);
    if (!*local) {
        HARBOR_TRY(dir.add_domain(domain));
    }

    auto previous = previous_passwords(data_dir);
    std::vector<server::DemoAccount> accounts;
    for (const DemoUser& user : demo_users) {
        std::string address = std::string(user.local_part) + "@" + domain;
        std::string password = previous.count(address) > 0 ? previous[address] : std::string{};
        auto existing = dir.find_user(address);
        if (!existing && existing.error().code != Errc::NotFound) {
            return unexpected(std::move(existing).error());
        }
        if (!existing) {
            password = random_token(demo_password_chars);
            HARBOR_TRY(dir.add_user(address, password, user.role, user.display_name));
        } else if (password.empty() || !dir.authenticate(address, password)) {
            password = random_token(demo_password_chars);
            HARBOR_TRY(dir.set_password(address, password));
        }
        accounts.push_back({address, password, user.role_text});
    }
    // RFC 5321 §4.5.1: every domain needs a postmaster; the demo's reaches its admin.
    const std::string postmaster = "postmaster@" + domain;
    auto resolved = dir.resolve_recipient(postmaster);
    if (!resolved && resolved.error().code == Errc::NotFound) {
        HARBOR_TRY(dir.add_alias(postmaster, "admin@" + domain));
    } else if (!resolved) {
        return unexpected(std::move(resolved).error());
    }
    auto dkim = demo_dkim_key(*opened->store, domain);
    HARBOR_TRY(dkim);
    return server::DemoInstallation{std::move(accounts), std::move(*dkim)};
}

}  // namespace harbor::cli
