// In-memory store::Store for the directory unit tests only (see memory_store_for_test.hpp).
// Matching follows the store.hpp contract: local parts and alias sources case-insensitively,
// domains exactly (they arrive as lower-case A-labels).
#include "directory/memory_store_for_test.hpp"

#include <algorithm>

namespace harbor::directory {
namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b)
{
    return lower(a) == lower(b);
}

std::string_view domain_of(std::string_view address)
{
    const std::size_t at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view{} : address.substr(at + 1);
}

Unexpected unsupported()
{
    return unexpected(Errc::Unsupported, "memory store: no mail");
}

}  // namespace

std::optional<Error> MemoryStoreForTest::injected(Op op) const
{
    if (const auto failure = failures_.find(op); failure != failures_.end()) {
        return Error{failure->second, "injected failure"};
    }
    return std::nullopt;
}

#define MEMORY_STORE_INJECT(op)                      \
    do {                                             \
        if (auto failure_ = injected(op)) {          \
            return unexpected(std::move(*failure_)); \
        }                                            \
    } while (false)

Result<store::Domain> MemoryStoreForTest::create_domain(std::string_view name)
{
    MEMORY_STORE_INJECT(Op::CreateDomain);
    if (find_domain(name)) {
        return unexpected(Errc::Exists, "domain exists");
    }
    domains_.push_back(store::Domain{store::DomainId{next_id_++}, std::string(name)});
    return domains_.back();
}

Result<std::vector<store::Domain>> MemoryStoreForTest::list_domains()
{
    MEMORY_STORE_INJECT(Op::ListDomains);
    return domains_;
}

Result<store::Domain> MemoryStoreForTest::find_domain(std::string_view name)
{
    MEMORY_STORE_INJECT(Op::FindDomain);
    for (const store::Domain& domain : domains_) {
        if (domain.name == name) {
            return domain;
        }
    }
    return unexpected(Errc::NotFound, "no such domain");
}

Result<void> MemoryStoreForTest::remove_domain(std::string_view name)
{
    MEMORY_STORE_INJECT(Op::RemoveDomain);
    const auto domain = std::find_if(domains_.begin(), domains_.end(),
                                     [&](const store::Domain& d) { return d.name == name; });
    if (domain == domains_.end()) {
        return unexpected(Errc::NotFound, "no such domain");
    }
    const bool in_use =
        std::any_of(accounts_.begin(), accounts_.end(),
                    [&](const store::Account& a) { return a.domain == domain->id; }) ||
        std::any_of(aliases_.begin(), aliases_.end(),
                    [&](const store::Alias& a) { return domain_of(a.source) == name; }) ||
        std::any_of(groups_.begin(), groups_.end(),
                    [&](const store::Group& g) { return domain_of(g.address) == name; });
    if (in_use) {
        return unexpected(Errc::Exists, "domain still has accounts, aliases or groups");
    }
    domains_.erase(domain);
    return ok();
}

Result<store::Account> MemoryStoreForTest::create_account(const store::Account& account)
{
    MEMORY_STORE_INJECT(Op::CreateAccount);
    const auto domain = std::find_if(domains_.begin(), domains_.end(), [&](const store::Domain& d) {
        return d.id == account.domain;
    });
    if (domain == domains_.end()) {
        return unexpected(Errc::NotFound, "no such domain");
    }
    for (const store::Account& existing : accounts_) {
        if (existing.domain == account.domain && iequals(existing.local_part, account.local_part)) {
            return unexpected(Errc::Exists, "account exists");
        }
    }
    store::Account created = account;
    created.id = store::AccountId{next_id_++};
    accounts_.push_back(created);
    return created;
}

Result<store::Account> MemoryStoreForTest::find_account(std::string_view local_part,
                                                        std::string_view domain)
{
    ++find_account_calls_;
    MEMORY_STORE_INJECT(Op::FindAccount);
    for (const store::Account& account : accounts_) {
        if (domain_of(account.address) == domain && iequals(account.local_part, local_part)) {
            return account;
        }
    }
    return unexpected(Errc::NotFound, "no such account");
}

Result<std::vector<store::Account>> MemoryStoreForTest::list_accounts(std::string_view domain)
{
    MEMORY_STORE_INJECT(Op::ListAccounts);
    std::vector<store::Account> out;
    for (const store::Account& account : accounts_) {
        if (domain.empty() || domain_of(account.address) == domain) {
            out.push_back(account);
        }
    }
    return out;
}

Result<store::Account> MemoryStoreForTest::update_account(store::AccountId id,
                                                          const store::AccountChanges& changes)
{
    MEMORY_STORE_INJECT(Op::UpdateAccount);
    for (store::Account& account : accounts_) {
        if (account.id != id) {
            continue;
        }
        if (changes.display_name) {
            account.display_name = *changes.display_name;
        }
        if (changes.credentials) {
            account.credentials = *changes.credentials;
        }
        if (changes.role) {
            account.role = *changes.role;
        }
        if (changes.rights) {
            account.rights = *changes.rights;
        }
        if (changes.quota_bytes) {
            account.quota_bytes = *changes.quota_bytes;
        }
        if (changes.disabled) {
            account.disabled = *changes.disabled;
        }
        return account;
    }
    return unexpected(Errc::NotFound, "no such account");
}

Result<void> MemoryStoreForTest::remove_account(store::AccountId id)
{
    MEMORY_STORE_INJECT(Op::RemoveAccount);
    const auto removed = std::remove_if(accounts_.begin(), accounts_.end(),
                                        [&](const store::Account& a) { return a.id == id; });
    if (removed == accounts_.end()) {
        return unexpected(Errc::NotFound, "no such account");
    }
    accounts_.erase(removed, accounts_.end());
    return ok();
}

Result<void> MemoryStoreForTest::create_alias(const store::Alias& alias)
{
    MEMORY_STORE_INJECT(Op::CreateAlias);
    for (const store::Alias& existing : aliases_) {
        if (iequals(existing.source, alias.source) && iequals(existing.target, alias.target)) {
            return unexpected(Errc::Exists, "alias exists");
        }
    }
    aliases_.push_back(alias);
    return ok();
}

Result<std::vector<store::Alias>> MemoryStoreForTest::find_aliases(std::string_view source)
{
    MEMORY_STORE_INJECT(Op::FindAliases);
    std::vector<store::Alias> out;
    for (const store::Alias& alias : aliases_) {
        if (iequals(alias.source, source)) {
            out.push_back(alias);
        }
    }
    return out;
}

Result<std::vector<store::Alias>> MemoryStoreForTest::list_aliases(std::string_view domain)
{
    MEMORY_STORE_INJECT(Op::ListAliases);
    std::vector<store::Alias> out;
    for (const store::Alias& alias : aliases_) {
        if (domain_of(alias.source) == domain) {
            out.push_back(alias);
        }
    }
    return out;
}

Result<void> MemoryStoreForTest::remove_alias(const store::Alias& alias)
{
    MEMORY_STORE_INJECT(Op::RemoveAlias);
    const auto removed = std::remove_if(aliases_.begin(), aliases_.end(), [&](const auto& a) {
        return iequals(a.source, alias.source) && iequals(a.target, alias.target);
    });
    if (removed == aliases_.end()) {
        return unexpected(Errc::NotFound, "no such alias");
    }
    aliases_.erase(removed, aliases_.end());
    return ok();
}

Result<void> MemoryStoreForTest::create_group(std::string_view address)
{
    MEMORY_STORE_INJECT(Op::CreateGroup);
    if (find_group(address)) {
        return unexpected(Errc::Exists, "group exists");
    }
    groups_.push_back(store::Group{std::string(address), {}});
    return ok();
}

Result<store::Group> MemoryStoreForTest::find_group(std::string_view address)
{
    MEMORY_STORE_INJECT(Op::FindGroup);
    for (const store::Group& group : groups_) {
        if (iequals(group.address, address)) {
            return group;
        }
    }
    return unexpected(Errc::NotFound, "no such group");
}

Result<std::vector<store::Group>> MemoryStoreForTest::list_groups(std::string_view domain)
{
    MEMORY_STORE_INJECT(Op::ListGroups);
    std::vector<store::Group> out;
    for (const store::Group& group : groups_) {
        if (domain_of(group.address) == domain) {
            out.push_back(group);
        }
    }
    return out;
}

Result<void> MemoryStoreForTest::remove_group(std::string_view address)
{
    MEMORY_STORE_INJECT(Op::RemoveGroup);
    const auto removed = std::remove_if(groups_.begin(), groups_.end(),
                                        [&](const auto& g) { return iequals(g.address, address); });
    if (removed == groups_.end()) {
        return unexpected(Errc::NotFound, "no such group");
    }
    groups_.erase(removed, groups_.end());
    return ok();
}

Result<void> MemoryStoreForTest::add_group_member(std::string_view group, std::string_view member)
{
    MEMORY_STORE_INJECT(Op::AddGroupMember);
    for (store::Group& existing : groups_) {
        if (!iequals(existing.address, group)) {
            continue;
        }
        for (const std::string& present : existing.members) {
            if (iequals(present, member)) {
                return unexpected(Errc::Exists, "already a member");
            }
        }
        existing.members.emplace_back(member);
        return ok();
    }
    return unexpected(Errc::NotFound, "no such group");
}

Result<void> MemoryStoreForTest::remove_group_member(std::string_view group,
                                                     std::string_view member)
{
    MEMORY_STORE_INJECT(Op::RemoveGroupMember);
    for (store::Group& existing : groups_) {
        if (!iequals(existing.address, group)) {
            continue;
        }
        const auto removed =
            std::remove(existing.members.begin(), existing.members.end(), std::string(member));
        if (removed == existing.members.end()) {
            return unexpected(Errc::NotFound, "not a member");
        }
        existing.members.erase(removed, existing.members.end());
        return ok();
    }
    return unexpected(Errc::NotFound, "no such group");
}

void MemoryStoreForTest::append_async(store::AppendRequest, store::Done<store::MessageRecord> done)
{
    done(unsupported());
}

void MemoryStoreForTest::deliver_async(store::DeliverRequest,
                                       store::Done<store::DeliverResult> done)
{
    done(unsupported());
}

Result<std::uint64_t> MemoryStoreForTest::used_bytes(store::AccountId)
{
    return unsupported();
}

Result<std::vector<store::QueuedMessage>> MemoryStoreForTest::list_queue()
{
    return unsupported();
}

Result<std::vector<store::Mailbox>> MemoryStoreForTest::list_mailboxes(store::AccountId)
{
    return unsupported();
}

Result<std::vector<store::MessageRecord>> MemoryStoreForTest::list_messages(store::MailboxId)
{
    return unsupported();
}

Result<void> MemoryStoreForTest::expunge(store::MailboxId, std::uint32_t)
{
    return unsupported();
}

Result<std::string> MemoryStoreForTest::read_blob(const store::BlobId&)
{
    return unsupported();
}

Result<std::uint64_t> MemoryStoreForTest::blob_refcount(const store::BlobId&)
{
    return unsupported();
}

#undef MEMORY_STORE_INJECT

}  // namespace harbor::directory
