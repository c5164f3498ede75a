// An in-memory store::Store for the directory unit tests ONLY: it exists so the directory can be
// tested before (and independently of) the SQLite backend, and so tests can make any lookup fail
// with TempFail (tri-state lookups, STYLE.md §10.4). It is never linked into harbor itself;
// directory methods are real, mail and blob methods answer Errc::Unsupported.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace harbor::directory {

class MemoryStoreForTest final : public store::Store {
public:
    enum class Op {
        CreateDomain,
        ListDomains,
        FindDomain,
        RemoveDomain,
        CreateAccount,
        FindAccount,
        ListAccounts,
        UpdateAccount,
        RemoveAccount,
        CreateAlias,
        FindAliases,
        ListAliases,
        RemoveAlias,
        CreateGroup,
        FindGroup,
        ListGroups,
        RemoveGroup,
        AddGroupMember,
        RemoveGroupMember,
    };

    // Every later call of `op` fails with `code` until clear_failures_for_test().
    void fail_for_test(Op op, Errc code) { failures_[op] = code; }
    void clear_failures_for_test() { failures_.clear(); }
    // How often find_account was called (to check that lookups are not skipped).
    int find_account_calls_for_test() const { return find_account_calls_; }

    Result<store::Domain> create_domain(std::string_view name) override;
    Result<std::vector<store::Domain>> list_domains() override;
    Result<store::Domain> find_domain(std::string_view name) override;
    Result<void> remove_domain(std::string_view name) override;

    Result<store::Account> create_account(const store::Account& account) override;
    Result<store::Account> find_account(std::string_view local_part,
                                        std::string_view domain) override;
    Result<std::vector<store::Account>> list_accounts(std::string_view domain) override;
    Result<store::Account> update_account(store::AccountId id,
                                          const store::AccountChanges& changes) override;
    Result<void> remove_account(store::AccountId id) override;

    Result<void> create_alias(const store::Alias& alias) override;
    Result<std::vector<store::Alias>> find_aliases(std::string_view source) override;
    Result<std::vector<store::Alias>> list_aliases(std::string_view domain) override;
    Result<void> remove_alias(const store::Alias& alias) override;

    Result<void> create_group(std::string_view address) override;
    Result<store::Group> find_group(std::string_view address) override;
    Result<std::vector<store::Group>> list_groups(std::string_view domain) override;
    Result<void> remove_group(std::string_view address) override;
    Result<void> add_group_member(std::string_view group, std::string_view member) override;
    Result<void> remove_group_member(std::string_view group, std::string_view member) override;

    void append_async(store::AppendRequest request,
                      store::Done<store::MessageRecord> done) override;
    void deliver_async(store::DeliverRequest request,
                       store::Done<store::DeliverResult> done) override;
    Result<std::vector<store::QueuedMessage>> list_queue() override;
    Result<std::uint64_t> used_bytes(store::AccountId account) override;
    Result<std::vector<store::Mailbox>> list_mailboxes(store::AccountId account) override;
    Result<std::vector<store::MessageRecord>> list_messages(store::MailboxId mailbox) override;
    Result<void> expunge(store::MailboxId mailbox, std::uint32_t uid) override;
    Result<std::string> read_blob(const store::BlobId& blob) override;
    Result<std::uint64_t> blob_refcount(const store::BlobId& blob) override;
    std::uint64_t commit_count_for_test() const override { return 0; }

private:
    std::optional<Error> injected(Op op) const;

    std::map<Op, Errc> failures_;
    std::vector<store::Domain> domains_;
    std::vector<store::Account> accounts_;
    std::vector<store::Alias> aliases_;
    std::vector<store::Group> groups_;
    std::int64_t next_id_ = 1;
    int find_account_calls_ = 0;
};

}  // namespace harbor::directory
