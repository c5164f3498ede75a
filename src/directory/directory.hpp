// The directory: domains, accounts, aliases, groups, recipient resolution and authentication
// over a store::Store (DESIGN.md "Modules"). Addresses follow RFC 5321 §4.1.2 / RFC 6531 (see
// address.hpp); passwords are kept as argon2id (RFC 9106) and SCRAM-SHA-256 (RFC 5802) keys.
// SECURITY: every address argument is untrusted and parsed by parse_address(); authenticate()
// gives one answer for every failure and always runs argon2 (no account enumeration).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "directory/address.hpp"
#include "sasl/scram_sha256.hpp"
#include "sasl/verified_passwords.hpp"
#include "store/store.hpp"

namespace harbor::directory {

enum class Protocol { Imap, Pop3, Submission };

inline constexpr std::size_t min_password_chars = 8;  // NIST SP 800-63B §5.1.1.2
inline constexpr std::size_t max_display_name_bytes = 256;
inline constexpr int max_expansion_depth = 8;                // alias/group nesting
inline constexpr std::size_t max_expanded_addresses = 1000;  // addresses visited per resolution

// Fields of an account an administrator may change; unset fields stay as they are. The
// password has its own call (set_password) because it needs hashing and the policy check.
struct AccountUpdate {
    std::optional<std::string> display_name;
    std::optional<store::Role> role;
    std::optional<store::Rights> rights;
    std::optional<std::uint64_t> quota_bytes;
    std::optional<bool> disabled;
};

// Where mail for one recipient address goes.
struct Resolution {
    // Local accounts, each once, in the order found. Disabled accounts are included: disabling
    // stops logins, not delivery; the caller decides whether to refuse their mail.
    std::vector<store::Account> accounts;
    // Non-local addresses reached through aliases or groups, each once (format() form).
    std::vector<std::string> external;
};

// Every function returns its expected failures as a Result; none throws. Errors from the store
// other than NotFound (TempFail, Io, Internal) are passed on unchanged: a lookup that could not
// be made is never reported as "absent".
class Directory {
public:
    // `verified`: passwords argon2 accepted lately, shared by the sessions of every protocol;
    // null: every password check runs argon2.
    explicit Directory(store::Store& store,
                       std::shared_ptr<sasl::VerifiedPasswords> verified = nullptr);

    // Domains: names are IDNA-normalised (A-label, lower case). Invalid for a bad name, Exists
    // for a duplicate; remove_domain gives Exists while it still has accounts, aliases, groups.
    Result<store::Domain> add_domain(std::string_view name);
    Result<std::vector<store::Domain>> list_domains();
    Result<void> remove_domain(std::string_view name);
    Result<bool> is_local_domain(std::string_view name);

    // Accounts. add_user: Invalid (address, password policy, display name), NotFound (domain
    // not local), Exists (an account, alias or group has the address).
    Result<store::Account> add_user(std::string_view address, std::string_view password,
                                    store::Role role = store::Role::User,
                                    std::string_view display_name = {});
    Result<store::Account> find_user(std::string_view address);
    Result<void> set_password(std::string_view address, std::string_view password);
    Result<store::Account> update_user(std::string_view address, const AccountUpdate& changes);
    Result<void> remove_user(std::string_view address);
    Result<std::vector<store::Account>> list_users(std::string_view domain);

    // Aliases. source is "local@domain" or "@domain" (the domain's catch-all); its domain must be
    // local (NotFound). target is any valid address. Invalid for source == target.
    Result<void> add_alias(std::string_view source, std::string_view target);
    Result<std::vector<store::Alias>> list_aliases(std::string_view domain);
    Result<void> remove_alias(std::string_view source, std::string_view target);

    // Groups (distribution lists). Members may be groups; a member that would close a cycle is
    // refused with Invalid "would create a cycle".
    Result<void> add_group(std::string_view address);
    Result<void> remove_group(std::string_view address);
    Result<void> add_member(std::string_view group, std::string_view member);
    Result<void> remove_member(std::string_view group, std::string_view member);
    Result<std::vector<store::Group>> list_groups(std::string_view domain);

    // Expands a recipient: account (case-insensitive local part), then the sub-address base
    // (user+tag -> user), then aliases, then groups (both recursive, cycle-safe, at most
    // max_expansion_depth deep), then the domain's catch-all. Invalid for a bad address,
    // NotFound "not local: <domain>" for another domain, NotFound "no such recipient" when
    // nothing matches, Limit when the expansion is too deep or too wide, TempFail as the store.
    Result<Resolution> resolve_recipient(std::string_view address);

    // Permission "invalid credentials" for an unknown user, a wrong password or a disabled
    // account alike; argon2 runs in every case so the timing does not tell them apart. Only a
    // right password the VerifiedPasswords remember skips it.
    // TempFail if the store could not answer.
    Result<store::Account> authenticate(std::string_view address, std::string_view password);
    // The stored SCRAM-SHA-256 keys (RFC 5802 §3) of an enabled account, for a SCRAM exchange.
    // NotFound for an unknown or disabled account, or one without keys, so that the exchange
    // goes on with made-up keys and fails like a wrong password; TempFail as the store.
    Result<sasl::ScramCredentials> scram_credentials(std::string_view address);

private:
    Result<Address> parse_local_address(std::string_view text);
    Result<store::Account> find_account(const Address& address);
    Result<void> check_address_free(const Address& address);
    Result<store::Credentials> make_credentials(std::string_view password);
    Result<bool> would_create_cycle(const std::string& group_key, const Address& member);

    store::Store& store_;
    std::shared_ptr<sasl::VerifiedPasswords> verified_;
};

// Policy for new passwords: at least min_password_chars characters (code points), at most
// sasl::max_password_bytes, valid UTF-8 without control characters (SCRAM needs that), and
// not the address or its local part. Invalid with the reason.
Result<void> check_password_policy(std::string_view password, const Address& owner);

// Whether the account may use the protocol: not disabled and the right granted.
bool is_allowed(const store::Account& account, Protocol protocol);

}  // namespace harbor::directory
