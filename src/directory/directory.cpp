// Directory: domains, accounts, password policy and authentication (see directory.hpp).
// Aliases and groups are in groups.cpp, recipient resolution in recipients.cpp.
// SECURITY: addresses and passwords are untrusted; authenticate() answers every failure alike
// and runs argon2 even for unknown users.
#include "directory/directory.hpp"

#include "core/log.hpp"
#include "sasl/password_hash.hpp"
#include "sasl/sasl_string.hpp"
#include "sasl/scram_sha256.hpp"

namespace harbor::directory {
namespace {

constexpr std::string_view auth_failure = "invalid credentials";

// A valid argon2id hash with the production parameters, of a password nobody knows, to verify
// against when the user does not exist, so that both paths cost one argon2 run. The salt is
// fixed because this hash never protects anything.
const std::string& dummy_password_hash()
{
    static const std::string hash = [] {
        Result<std::string> made =
            sasl::hash_password_with_salt("harbor: no such user", "harbor-dummy-slt");
        return made ? *made : std::string();
    }();
    return hash;
}

bool ascii_iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    return fold_local_part(a) == fold_local_part(b);
}

std::size_t count_code_points(std::string_view text)
{
    std::size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
            ++count;
        }
    }
    return count;
}

Result<void> check_display_name(std::string_view name)
{
    if (name.size() > max_display_name_bytes) {
        return unexpected(Errc::Invalid, "display name longer than " +
                                             std::to_string(max_display_name_bytes) + " bytes");
    }
    if (Result<void> checked = sasl::check_sasl_string(name); !checked) {
        return unexpected(Errc::Invalid, "display name: " + checked.error().detail);
    }
    return ok();
}

}  // namespace

Result<void> check_password_policy(std::string_view password, const Address& owner)
{
    if (password.empty()) {
        return unexpected(Errc::Invalid, "password is empty");
    }
    if (password.size() > sasl::max_password_bytes) {
        return unexpected(Errc::Invalid, "password longer than " +
                                             std::to_string(sasl::max_password_bytes) + " bytes");
    }
    if (Result<void> checked = sasl::check_sasl_string(password); !checked) {
        return unexpected(Errc::Invalid, "password: " + checked.error().detail);
    }
    if (count_code_points(password) < min_password_chars) {
        return unexpected(Errc::Invalid, "password shorter than " +
                                             std::to_string(min_password_chars) + " characters");
    }
    if (ascii_iequals(password, owner.local_part) || ascii_iequals(password, owner.format())) {
        return unexpected(Errc::Invalid, "password equals the address");
    }
    return ok();
}

bool is_allowed(const store::Account& account, Protocol protocol)
{
    if (account.disabled) {
        return false;
    }
    switch (protocol) {
        case Protocol::Imap:
            return account.rights.imap;
        case Protocol::Pop3:
            return account.rights.pop3;
        case Protocol::Submission:
            return account.rights.submission;
    }
    return false;
}

Directory::Directory(store::Store& store, std::shared_ptr<sasl::VerifiedPasswords> verified)
    : store_(store), verified_(std::move(verified))
{
}

// --- domains ---

Result<store::Domain> Directory::add_domain(std::string_view name)
{
    Result<std::string> domain = normalize_domain(name);
    HARBOR_TRY(domain);
    Result<store::Domain> created = store_.create_domain(*domain);
    if (!created && created.error().code == Errc::Exists) {
        // The store's detail names SQL; the caller wants to know which domain.
        return unexpected(Errc::Exists, "domain exists: " + *domain);
    }
    return created;
}

Result<std::vector<store::Domain>> Directory::list_domains()
{
    return store_.list_domains();
}

Result<void> Directory::remove_domain(std::string_view name)
{
    Result<std::string> domain = normalize_domain(name);
    HARBOR_TRY(domain);
    return store_.remove_domain(*domain);
}

Result<bool> Directory::is_local_domain(std::string_view name)
{
    Result<std::string> domain = normalize_domain(name);
    HARBOR_TRY(domain);
    Result<store::Domain> found = store_.find_domain(*domain);
    if (found) {
        return true;
    }
    if (found.error().code == Errc::NotFound) {
        return false;
    }
    return unexpected(std::move(found).error());
}

// --- accounts ---

// Parses an address that must be in one of our domains: Invalid, or NotFound for other domains.
Result<Address> Directory::parse_local_address(std::string_view text)
{
    Result<Address> address = parse_address(text);
    if (!address) {
        return address;
    }
    if (address->is_literal) {
        return unexpected(Errc::Invalid, "an address literal cannot be a local address");
    }
    Result<store::Domain> domain = store_.find_domain(address->domain);
    if (!domain) {
        if (domain.error().code == Errc::NotFound) {
            return unexpected(Errc::NotFound, "not a local domain: " + address->domain);
        }
        return unexpected(std::move(domain).error());
    }
    return address;
}

Result<store::Account> Directory::find_account(const Address& address)
{
    return store_.find_account(address.local_part, address.domain);
}

// Exists if an account, alias or group already answers to this address.
Result<void> Directory::check_address_free(const Address& address)
{
    Result<store::Account> account = find_account(address);
    if (account) {
        return unexpected(Errc::Exists, "an account has the address " + address.format());
    }
    if (account.error().code != Errc::NotFound) {
        return unexpected(std::move(account).error());
    }
    Result<std::vector<store::Alias>> aliases = store_.find_aliases(address.format());
    if (!aliases) {
        if (aliases.error().code != Errc::NotFound) {
            return unexpected(std::move(aliases).error());
        }
    } else if (!aliases->empty()) {
        return unexpected(Errc::Exists, "an alias has the address " + address.format());
    }
    Result<store::Group> group = store_.find_group(address.key());
    if (group) {
        return unexpected(Errc::Exists, "a group has the address " + address.format());
    }
    if (group.error().code != Errc::NotFound) {
        return unexpected(std::move(group).error());
    }
    return ok();
}

Result<store::Credentials> Directory::make_credentials(std::string_view password)
{
    Result<std::string> hash = sasl::hash_password(password);
    HARBOR_TRY(hash);
    Result<sasl::ScramCredentials> scram = sasl::make_scram_credentials(password);
    HARBOR_TRY(scram);
    return store::Credentials{std::move(*hash), sasl::format_scram_credentials(*scram)};
}

Result<store::Account> Directory::add_user(std::string_view address, std::string_view password,
                                           store::Role role, std::string_view display_name)
{
    Result<Address> parsed = parse_local_address(address);
    HARBOR_TRY(parsed);
    // user+tag always means "user, tagged" (RFC 5233 §1), so no account may contain the '+'.
    if (parsed->local_part.find(subaddress_separator) != std::string::npos) {
        return unexpected(Errc::Invalid, "'+' is the sub-address separator");
    }
    HARBOR_TRY(check_display_name(display_name));
    HARBOR_TRY(check_password_policy(password, *parsed));
    HARBOR_TRY(check_address_free(*parsed));
    Result<store::Domain> domain = store_.find_domain(parsed->domain);
    HARBOR_TRY(domain);
    Result<store::Credentials> credentials = make_credentials(password);
    HARBOR_TRY(credentials);
    store::Account account;
    account.domain = domain->id;
    account.local_part = parsed->local_part;
    account.address = parsed->format();
    account.display_name = std::string(display_name);
    account.credentials = std::move(*credentials);
    account.role = role;
    Result<store::Account> created = store_.create_account(account);
    if (created) {
        log::info("directory.user.added", {{"address", created->address}});
    }
    return created;
}

Result<store::Account> Directory::find_user(std::string_view address)
{
    Result<Address> parsed = parse_local_address(address);
    HARBOR_TRY(parsed);
    return find_account(*parsed);
}

Result<sasl::ScramCredentials> Directory::scram_credentials(std::string_view address)
{
    Result<store::Account> account = find_user(address);
    if (!account) {
        if (account.error().code == Errc::Invalid) {
            return unexpected(Errc::NotFound, "no such account");  // not an address of ours
        }
        return unexpected(std::move(account).error());
    }
    if (account->disabled || account->credentials.scram_sha256.empty()) {
        return unexpected(Errc::NotFound, "no such account");
    }
    return sasl::parse_scram_credentials(account->credentials.scram_sha256);
}

Result<void> Directory::set_password(std::string_view address, std::string_view password)
{
    Result<Address> parsed = parse_local_address(address);
    HARBOR_TRY(parsed);
    Result<store::Account> account = find_account(*parsed);
    HARBOR_TRY(account);
    HARBOR_TRY(check_password_policy(password, *parsed));
    Result<store::Credentials> credentials = make_credentials(password);
    HARBOR_TRY(credentials);
    store::AccountChanges changes;
    changes.credentials = std::move(*credentials);
    HARBOR_TRY(store_.update_account(account->id, changes));
    log::info("directory.user.password_changed", {{"address", account->address}});
    return ok();
}

Result<store::Account> Directory::update_user(std::string_view address,
                                              const AccountUpdate& changes)
{
    Result<store::Account> account = find_user(address);
    if (!account) {
        return account;
    }
    if (changes.display_name) {
        HARBOR_TRY(check_display_name(*changes.display_name));
    }
    store::AccountChanges store_changes;
    store_changes.display_name = changes.display_name;
    store_changes.role = changes.role;
    store_changes.rights = changes.rights;
    store_changes.quota_bytes = changes.quota_bytes;
    store_changes.disabled = changes.disabled;
    return store_.update_account(account->id, store_changes);
}

Result<void> Directory::remove_user(std::string_view address)
{
    Result<store::Account> account = find_user(address);
    HARBOR_TRY(account);
    HARBOR_TRY(store_.remove_account(account->id));
    log::info("directory.user.removed", {{"address", account->address}});
    return ok();
}

Result<std::vector<store::Account>> Directory::list_users(std::string_view domain)
{
    if (domain.empty()) {
        return store_.list_accounts("");  // every domain
    }
    Result<std::string> name = normalize_domain(domain);
    HARBOR_TRY(name);
    Result<store::Domain> found = store_.find_domain(*name);
    HARBOR_TRY(found);
    return store_.list_accounts(*name);
}

// --- authentication ---

Result<store::Account> Directory::authenticate(std::string_view address, std::string_view password)
{
    std::optional<store::Account> account;
    Result<Address> parsed = parse_address(address);
    if (parsed && !parsed->is_literal) {
        Result<store::Account> found = find_account(*parsed);
        if (found) {
            account = std::move(*found);
        } else if (found.error().code != Errc::NotFound) {
            // Could not look: say so, rather than "wrong password" (tri-state, STYLE.md §10.4).
            return unexpected(std::move(found).error());
        }
    }
    const std::string& phc = account ? account->credentials.password_hash : dummy_password_hash();
    const auto now = sasl::VerifiedPasswords::Clock::now();
    if (verified_ && account && !account->disabled &&
        verified_->recall(account->id.value, phc, password, now)) {
        return *account;
    }
    Result<bool> verified = sasl::verify_password(password, phc);
    if (!verified) {
        if (account) {
            log::error("directory.auth.bad_hash",
                       {{"address", account->address}, {"error", verified.error().detail}});
            return unexpected(Errc::Internal, "stored password hash is unreadable");
        }
        return unexpected(Errc::Permission, std::string(auth_failure));
    }
    if (!account || !*verified || account->disabled) {
        return unexpected(Errc::Permission, std::string(auth_failure));
    }
    if (verified_) {
        verified_->remember(account->id.value, phc, password, now);
    }
    return *account;
}

}  // namespace harbor::directory
