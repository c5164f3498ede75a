// Directory: aliases (including the "@domain" catch-all) and groups (distribution lists).
// Group addresses are stored in key() form (local part ASCII-folded) so that any backend,
// whatever its collation, finds them; members and alias targets keep their case.
// SECURITY: addresses are untrusted and parsed; group nesting is cycle-checked with a depth bound.
#include "directory/directory.hpp"

#include <set>
#include <utility>

#include "core/log.hpp"

namespace harbor::directory {
namespace {

struct AliasSource {
    std::string text;  // "local@domain" (format()) or "@domain"
    std::string domain;
    std::optional<Address> address;  // unset for a catch-all
};

Result<AliasSource> parse_alias_source(std::string_view text)
{
    if (!text.empty() && text.front() == '@') {
        Result<std::string> domain = normalize_domain(text.substr(1));
        HARBOR_TRY(domain);
        return AliasSource{"@" + *domain, *domain, std::nullopt};
    }
    Result<Address> address = parse_address(text);
    HARBOR_TRY(address);
    if (address->is_literal) {
        return unexpected(Errc::Invalid, "an address literal cannot be an alias source");
    }
    return AliasSource{address->format(), address->domain, *address};
}

// NotFound and an empty list both mean "no aliases" (backends may answer either way).
Result<std::vector<store::Alias>> aliases_or_empty(store::Store& store, std::string_view source)
{
    Result<std::vector<store::Alias>> aliases = store.find_aliases(source);
    if (!aliases && aliases.error().code == Errc::NotFound) {
        return std::vector<store::Alias>{};
    }
    return aliases;
}

}  // namespace

// --- aliases ---

Result<void> Directory::add_alias(std::string_view source, std::string_view target)
{
    Result<AliasSource> parsed_source = parse_alias_source(source);
    HARBOR_TRY(parsed_source);
    Result<bool> local = is_local_domain(parsed_source->domain);
    HARBOR_TRY(local);
    if (!*local) {
        return unexpected(Errc::NotFound, "not a local domain: " + parsed_source->domain);
    }
    Result<Address> parsed_target = parse_address(target);
    HARBOR_TRY(parsed_target);
    if (parsed_source->address) {
        if (parsed_source->address->key() == parsed_target->key()) {
            return unexpected(Errc::Invalid, "an alias cannot point to itself");
        }
        // An account or group at the source would always win, leaving the alias dead.
        Result<store::Account> account = find_account(*parsed_source->address);
        if (account) {
            return unexpected(Errc::Exists, "an account has the address " + parsed_source->text);
        }
        if (account.error().code != Errc::NotFound) {
            return unexpected(std::move(account).error());
        }
        Result<store::Group> group = store_.find_group(parsed_source->address->key());
        if (group) {
            return unexpected(Errc::Exists, "a group has the address " + parsed_source->text);
        }
        if (group.error().code != Errc::NotFound) {
            return unexpected(std::move(group).error());
        }
    }
    HARBOR_TRY(store_.create_alias(store::Alias{parsed_source->text, parsed_target->format()}));
    log::info("directory.alias.added",
              {{"source", parsed_source->text}, {"target", parsed_target->format()}});
    return ok();
}

Result<std::vector<store::Alias>> Directory::list_aliases(std::string_view domain)
{
    if (domain.empty()) {
        return store_.list_aliases("");  // every domain
    }
    Result<std::string> name = normalize_domain(domain);
    HARBOR_TRY(name);
    return store_.list_aliases(*name);
}

Result<void> Directory::remove_alias(std::string_view source, std::string_view target)
{
    Result<AliasSource> parsed_source = parse_alias_source(source);
    HARBOR_TRY(parsed_source);
    Result<Address> parsed_target = parse_address(target);
    HARBOR_TRY(parsed_target);
    // Remove the stored row itself, whatever case it was written in.
    Result<std::vector<store::Alias>> aliases = aliases_or_empty(store_, parsed_source->text);
    HARBOR_TRY(aliases);
    for (const store::Alias& alias : *aliases) {
        Result<Address> stored_target = parse_address(alias.target);
        if (stored_target && stored_target->key() == parsed_target->key()) {
            return store_.remove_alias(alias);
        }
    }
    return unexpected(Errc::NotFound,
                      "no alias " + parsed_source->text + " -> " + parsed_target->format());
}

// --- groups ---

Result<void> Directory::add_group(std::string_view address)
{
    Result<Address> parsed = parse_local_address(address);
    HARBOR_TRY(parsed);
    HARBOR_TRY(check_address_free(*parsed));
    HARBOR_TRY(store_.create_group(parsed->key()));
    log::info("directory.group.added", {{"group", parsed->key()}});
    return ok();
}

Result<void> Directory::remove_group(std::string_view address)
{
    Result<Address> parsed = parse_address(address);
    HARBOR_TRY(parsed);
    return store_.remove_group(parsed->key());
}

// True if `member` is group_key itself or a group from which group_key can be reached through
// group membership. Breadth of the search is bounded like a resolution.
Result<bool> Directory::would_create_cycle(const std::string& group_key, const Address& member)
{
    std::vector<std::pair<Address, int>> pending{{member, 0}};
    std::set<std::string> seen;
    while (!pending.empty()) {
        const auto [current, depth] = pending.back();
        pending.pop_back();
        if (current.key() == group_key) {
            return true;
        }
        if (!seen.insert(current.key()).second) {
            continue;
        }
        if (seen.size() > max_expanded_addresses) {
            return unexpected(Errc::Limit, "groups too large to check for cycles");
        }
        Result<store::Group> group = store_.find_group(current.key());
        if (!group) {
            if (group.error().code == Errc::NotFound) {
                continue;
            }
            return unexpected(std::move(group).error());
        }
        if (depth >= max_expansion_depth) {
            // Deeper nesting could not be resolved anyway; refuse it as a cycle would be.
            return unexpected(Errc::Limit,
                              "groups nested deeper than " + std::to_string(max_expansion_depth));
        }
        for (const std::string& text : group->members) {
            if (Result<Address> next = parse_address(text); next) {
                pending.emplace_back(std::move(*next), depth + 1);
            }
        }
    }
    return false;
}

Result<void> Directory::add_member(std::string_view group, std::string_view member)
{
    Result<Address> parsed_group = parse_address(group);
    HARBOR_TRY(parsed_group);
    Result<Address> parsed_member = parse_address(member);
    HARBOR_TRY(parsed_member);
    const std::string group_key = parsed_group->key();
    Result<store::Group> existing = store_.find_group(group_key);
    HARBOR_TRY(existing);
    Result<bool> cycle = would_create_cycle(group_key, *parsed_member);
    HARBOR_TRY(cycle);
    if (*cycle) {
        return unexpected(Errc::Invalid, "would create a cycle: " + parsed_member->format() +
                                             " already contains " + group_key);
    }
    for (const std::string& text : existing->members) {
        Result<Address> present = parse_address(text);
        if (present && present->key() == parsed_member->key()) {
            return unexpected(Errc::Exists, parsed_member->format() + " is already a member");
        }
    }
    return store_.add_group_member(group_key, parsed_member->format());
}

Result<void> Directory::remove_member(std::string_view group, std::string_view member)
{
    Result<Address> parsed_group = parse_address(group);
    HARBOR_TRY(parsed_group);
    Result<Address> parsed_member = parse_address(member);
    HARBOR_TRY(parsed_member);
    Result<store::Group> existing = store_.find_group(parsed_group->key());
    HARBOR_TRY(existing);
    // Remove the stored string itself, whatever case it was written in.
    for (const std::string& text : existing->members) {
        Result<Address> present = parse_address(text);
        if (present && present->key() == parsed_member->key()) {
            return store_.remove_group_member(existing->address, text);
        }
    }
    return unexpected(Errc::NotFound,
                      parsed_member->format() + " is not a member of " + existing->address);
}

Result<std::vector<store::Group>> Directory::list_groups(std::string_view domain)
{
    if (domain.empty()) {
        return store_.list_groups("");  // every domain
    }
    Result<std::string> name = normalize_domain(domain);
    HARBOR_TRY(name);
    return store_.list_groups(*name);
}

}  // namespace harbor::directory
