// Directory: recipient resolution. Order: account, sub-address base (RFC 5233), aliases,
// groups, catch-all; aliases and groups expand recursively.
// SECURITY: the address is untrusted; expansion is bounded by max_expansion_depth and
// max_expanded_addresses, and each address is expanded at most once (cycles end there).
#include <map>
#include <set>

#include "core/log.hpp"
#include "directory/directory.hpp"

namespace harbor::directory {
namespace {

// The state of one resolve_recipient() call.
class Expansion {
public:
    explicit Expansion(store::Store& store) : store_(store) {}

    Result<bool> is_local(const Address& address)
    {
        if (address.is_literal) {
            return false;
        }
        if (const auto known = local_domains_.find(address.domain); known != local_domains_.end()) {
            return known->second;
        }
        Result<store::Domain> domain = store_.find_domain(address.domain);
        if (!domain && domain.error().code != Errc::NotFound) {
            return unexpected(std::move(domain).error());
        }
        local_domains_[address.domain] = static_cast<bool>(domain);
        return static_cast<bool>(domain);
    }

    // Adds what `address` leads to; false if it leads nowhere (an unknown local address).
    Result<bool> expand(const Address& address, int depth)
    {
        if (depth > max_expansion_depth) {
            return unexpected(Errc::Limit, "aliases or groups nested deeper than " +
                                               std::to_string(max_expansion_depth));
        }
        if (++expanded_ > max_expanded_addresses) {
            return unexpected(Errc::Limit, "expansion reaches more than " +
                                               std::to_string(max_expanded_addresses) +
                                               " addresses");
        }
        Result<bool> local = is_local(address);
        if (!local) {
            return local;
        }
        if (!*local) {
            // External local parts may be case-sensitive (RFC 5321 §2.4): keep them exact.
            if (external_seen_.insert(address.format()).second) {
                resolution_.external.push_back(address.format());
            }
            return true;
        }
        // Each local address is expanded once: a second visit is either a duplicate (already
        // delivered) or a cycle (nothing new to find), and both end here.
        if (!local_seen_.insert(address.key()).second) {
            return true;
        }

        std::vector<Address> candidates{address};
        if (std::optional<SubAddress> split = split_subaddress(address.local_part)) {
            candidates.push_back(Address{split->base, address.domain, false});
        }
        for (const Address& candidate : candidates) {
            Result<store::Account> account =
                store_.find_account(candidate.local_part, candidate.domain);
            if (account) {
                add_account(std::move(*account));
                return true;
            }
            if (account.error().code != Errc::NotFound) {
                return unexpected(std::move(account).error());
            }
        }
        for (const Address& candidate : candidates) {
            Result<bool> found = expand_aliases(candidate.format(), depth);
            if (!found || *found) {
                return found;
            }
        }
        for (const Address& candidate : candidates) {
            Result<bool> found = expand_group(candidate.key(), depth);
            if (!found || *found) {
                return found;
            }
        }
        return expand_aliases("@" + address.domain, depth);  // the domain's catch-all
    }

    Resolution take() { return std::move(resolution_); }

private:
    void add_account(store::Account account)
    {
        if (account_ids_.insert(account.id.value).second) {
            resolution_.accounts.push_back(std::move(account));
        }
    }

    Result<bool> expand_targets(const std::vector<std::string>& targets, std::string_view from,
                                int depth)
    {
        for (const std::string& target : targets) {
            Result<Address> next = parse_address(target);
            if (!next) {
                log::warn("directory.resolve.bad_target",
                          {{"from", from}, {"target", target}, {"error", next.error().detail}});
                continue;
            }
            Result<bool> found = expand(*next, depth + 1);
            if (!found) {
                return found;
            }
            if (!*found) {
                log::warn("directory.resolve.dangling", {{"from", from}, {"target", target}});
            }
        }
        return true;
    }

    Result<bool> expand_aliases(const std::string& source, int depth)
    {
        Result<std::vector<store::Alias>> aliases = store_.find_aliases(source);
        if (!aliases) {
            if (aliases.error().code == Errc::NotFound) {
                return false;
            }
            return unexpected(std::move(aliases).error());
        }
        if (aliases->empty()) {
            return false;
        }
        std::vector<std::string> targets;
        for (store::Alias& alias : *aliases) {
            targets.push_back(std::move(alias.target));
        }
        return expand_targets(targets, source, depth);
    }

    Result<bool> expand_group(const std::string& key, int depth)
    {
        Result<store::Group> group = store_.find_group(key);
        if (!group) {
            if (group.error().code == Errc::NotFound) {
                return false;
            }
            return unexpected(std::move(group).error());
        }
        return expand_targets(group->members, key, depth);
    }

    store::Store& store_;
    Resolution resolution_;
    std::map<std::string, bool> local_domains_;
    std::set<std::string> local_seen_;
    std::set<std::string> external_seen_;
    std::set<std::int64_t> account_ids_;
    std::size_t expanded_ = 0;
};

}  // namespace

Result<Resolution> Directory::resolve_recipient(std::string_view address)
{
    Result<Address> parsed = parse_address(address);
    HARBOR_TRY(parsed);
    Expansion expansion(store_);
    Result<bool> local = expansion.is_local(*parsed);
    HARBOR_TRY(local);
    if (!*local) {
        return unexpected(Errc::NotFound, "not local: " + parsed->domain);
    }
    Result<bool> found = expansion.expand(*parsed, 0);
    HARBOR_TRY(found);
    Resolution resolution = expansion.take();
    if (!*found || (resolution.accounts.empty() && resolution.external.empty())) {
        return unexpected(Errc::NotFound, "no such recipient: " + parsed->format());
    }
    return resolution;
}

}  // namespace harbor::directory
