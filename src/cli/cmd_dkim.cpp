// `harbor dkim keygen|list|activate|remove`: the DKIM signing keys of local domains (RFC 6376
// §3.6). A key is made here, kept in the store, and its public half printed as the TXT record
// to publish at <selector>._domainkey.<domain>. A domain's first key signs at once. Rotation: a
// second `keygen` makes a key that does not sign yet; publish its record, `activate` it once DNS
// has it, and `remove` the old key when mail signed with it can no longer be in transit.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <iostream>
#include <memory>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/signature.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/dkim_keys.hpp"
#include "cli/format.hpp"
#include "core/ascii.hpp"
#include "directory/address.hpp"

namespace harbor::cli {
namespace {

// A selector is one or more DNS labels (RFC 6376 §3.1), kept in lower case.
Result<std::string> check_selector(std::string_view selector)
{
    if (!auth::dkim::is_dns_name(selector, 1)) {
        return unexpected(Errc::Invalid, "bad selector: " + std::string(selector));
    }
    return ascii_lowercase(selector);
}

std::string record_name(const store::DkimKeyRecord& record)
{
    return record.selector + "._domainkey." + record.domain;
}

Result<std::string> local_domain(OpenDirectory& opened, std::string_view text)
{
    Result<std::string> domain = directory::normalize_domain(text);
    HARBOR_TRY(domain);
    Result<store::Domain> found = opened.store->find_domain(*domain);
    if (!found && found.error().code == Errc::NotFound) {
        return unexpected(Errc::NotFound, "not a local domain: " + *domain);
    }
    HARBOR_TRY(found);
    return domain;
}

}  // namespace

std::string default_dkim_selector(std::time_t now)
{
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "harbor-%Y%m%d", &utc);
    return text;
}

Result<NewDkimKey> add_dkim_key(store::Store& store, const std::string& domain,
                                const std::string& selector, auth::dkim::KeyType type,
                                DkimActivation activation)
{
    auto generated = auth::dkim::generate_key(type);
    HARBOR_TRY(generated);
    auto existing = store.list_dkim_keys(domain);
    HARBOR_TRY(existing);
    const bool has_active =
        std::any_of(existing->begin(), existing->end(), [](const auto& key) { return key.active; });
    const bool ed25519 = type == auth::dkim::KeyType::Ed25519;
    store::DkimKeyRecord record{domain,
                                selector,
                                ed25519 ? "ed25519-sha256" : "rsa-sha256",
                                generated->private_key_pem,
                                static_cast<std::int64_t>(std::time(nullptr)),
                                activation == DkimActivation::Now || !has_active};
    HARBOR_TRY(store.add_dkim_key(record));
    return NewDkimKey{std::move(record), std::move(generated->key_record)};
}

void add_dkim_commands(CLI::App& app, Context& context)
{
    auto* dkim = app.add_subcommand("dkim", "DKIM signing keys of local domains");
    dkim->require_subcommand(1);

    struct KeygenOptions {
        std::string domain;
        std::string selector;
        std::string algorithm = "rsa";
        bool activate = false;
    };
    auto keygen_options = std::make_shared<KeygenOptions>();
    auto* keygen = dkim->add_subcommand(
        "keygen", "make a signing key for a local domain and print the DNS record to publish");
    keygen->add_option("DOMAIN", keygen_options->domain, "a local domain")->required();
    keygen->add_option("--selector", keygen_options->selector,
                       "the selector (default harbor-YYYYMMDD)");
    keygen
        ->add_option("--algorithm", keygen_options->algorithm,
                     "rsa (2048 bits, RFC 8301) or ed25519 (RFC 8463)")
        ->check(CLI::IsMember({"rsa", "ed25519"}))
        ->capture_default_str();
    keygen->add_flag("--activate", keygen_options->activate,
                     "sign with the new key at once, even if the domain has one (its record must "
                     "be published already)");
    keygen->callback([&context, keygen_options] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            auto domain = local_domain(opened, keygen_options->domain);
            HARBOR_TRY(domain);
            auto selector = check_selector(keygen_options->selector.empty()
                                               ? default_dkim_selector(std::time(nullptr))
                                               : keygen_options->selector);
            HARBOR_TRY(selector);
            auto made = add_dkim_key(
                *opened.store, *domain, *selector,
                keygen_options->algorithm == "ed25519" ? auth::dkim::KeyType::Ed25519
                                                       : auth::dkim::KeyType::Rsa,
                keygen_options->activate ? DkimActivation::Now : DkimActivation::IfFirst);
            HARBOR_TRY(made);
            const store::DkimKeyRecord& record = made->record;
            std::cout << format_zone_txt(record_name(record), made->txt) << "\n";
            if (!record.active) {
                std::cout << "; not signing yet: publish the record above, then\n; harbor dkim "
                             "activate "
                          << record.domain << " " << record.selector << "\n";
            }
            return ok();
        });
    });

    struct ListOptions {
        std::string domain;
        bool json = false;
    };
    auto list_options = std::make_shared<ListOptions>();
    auto* list = dkim->add_subcommand("list", "list the keys and their DNS records");
    list->add_option("DOMAIN", list_options->domain, "only this domain");
    list->add_flag("--json", list_options->json, "print JSON instead of text");
    list->callback([&context, list_options] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            std::string domain;
            if (!list_options->domain.empty()) {
                auto normalized = directory::normalize_domain(list_options->domain);
                HARBOR_TRY(normalized);
                domain = *normalized;
            }
            auto keys = opened.store->list_dkim_keys(domain);
            HARBOR_TRY(keys);
            nlohmann::json listing = nlohmann::json::array();
            for (const store::DkimKeyRecord& key : *keys) {
                auto record = auth::dkim::key_record_from_private(key.private_pem);
                HARBOR_TRY(record);
                if (list_options->json) {
                    listing.push_back({{"domain", key.domain},
                                       {"selector", key.selector},
                                       {"algorithm", key.algorithm},
                                       {"active", key.active},
                                       {"created", format_utc(key.created)},
                                       {"name", record_name(key)},
                                       {"txt", *record}});
                    continue;
                }
                std::cout << key.domain << " " << key.selector << " " << key.algorithm
                          << (key.active ? " active" : " inactive") << " created "
                          << format_utc(key.created) << "\n  "
                          << format_zone_txt(record_name(key), *record) << "\n";
            }
            if (list_options->json) {
                std::cout << format_json(listing) << "\n";
            }
            return ok();
        });
    });

    struct KeyName {
        std::string domain;
        std::string selector;
    };
    auto activated = std::make_shared<KeyName>();
    auto* activate = dkim->add_subcommand("activate", "sign with this key from now on");
    activate->add_option("DOMAIN", activated->domain, "a local domain")->required();
    activate->add_option("SELECTOR", activated->selector, "the key's selector")->required();
    activate->callback([&context, activated] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            auto domain = directory::normalize_domain(activated->domain);
            HARBOR_TRY(domain);
            return opened.store->activate_dkim_key(*domain, ascii_lowercase(activated->selector));
        });
    });

    auto removed = std::make_shared<KeyName>();
    auto* remove = dkim->add_subcommand("remove", "forget a key (unpublish its record first)");
    remove->add_option("DOMAIN", removed->domain, "a local domain")->required();
    remove->add_option("SELECTOR", removed->selector, "the key's selector")->required();
    remove->callback([&context, removed] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            auto domain = directory::normalize_domain(removed->domain);
            HARBOR_TRY(domain);
            return opened.store->remove_dkim_key(*domain, ascii_lowercase(removed->selector));
        });
    });
}

}  // namespace harbor::cli
