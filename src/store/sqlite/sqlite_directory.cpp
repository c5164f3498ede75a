// Directory data in SQLite: domains, accounts, aliases, groups and their members.
// Writes run on the writer thread (group commit); reads on a pooled reader connection.
// Unknown domains in list_*() give an empty list; names arrive normalised by the directory.
#include <limits>

#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

// The account row with its domain name; one literal so each query is one cached statement.
#define HARBOR_ACCOUNT_SELECT                                                                 \
    "SELECT a.id, a.domain_id, a.local_part, d.name, a.display_name, a.password_hash, "       \
    "a.scram_sha256, a.role, a.right_imap, a.right_pop3, a.right_submission, a.quota_bytes, " \
    "a.disabled FROM accounts a JOIN domains d ON d.id = a.domain_id "

Account account_from_row(const Statement& row)
{
    Account account;
    account.id = AccountId{row.column_int64(0)};
    account.domain = DomainId{row.column_int64(1)};
    account.local_part = row.column_text(2);
    account.address = account.local_part + "@" + row.column_text(3);
    account.display_name = row.column_text(4);
    account.credentials.password_hash = row.column_text(5);
    account.credentials.scram_sha256 = row.column_text(6);
    account.role = static_cast<Role>(row.column_int64(7));
    account.rights.imap = row.column_int64(8) != 0;
    account.rights.pop3 = row.column_int64(9) != 0;
    account.rights.submission = row.column_int64(10) != 0;
    account.quota_bytes = static_cast<std::uint64_t>(row.column_int64(11));
    account.disabled = row.column_int64(12) != 0;
    return account;
}

Result<Account> load_account(Connection& db, AccountId id)
{
    Result<Statement> stmt = db.prepare(HARBOR_ACCOUNT_SELECT "WHERE a.id = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, id.value).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no account " + std::to_string(id.value));
    }
    return account_from_row(*stmt);
}

// The domain part of "local@domain" or "@domain"; Invalid when there is none.
Result<std::string_view> domain_of(std::string_view address)
{
    auto at = address.rfind('@');
    if (at == std::string_view::npos || at + 1 == address.size()) {
        return unexpected(Errc::Invalid, "not an address: " + std::string(address));
    }
    return address.substr(at + 1);
}

Result<DomainId> domain_id(Connection& db, std::string_view name)
{
    Result<Statement> stmt = db.prepare("SELECT id FROM domains WHERE name = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, name).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no domain " + std::string(name));
    }
    return DomainId{stmt->column_int64(0)};
}

// Runs a write that must touch a row; NotFound when it matched none.
Result<void> change_one(Connection& db, Statement& stmt, std::string what)
{
    HARBOR_TRY(stmt.run());
    if (db.changes() == 0) {
        return unexpected(Errc::NotFound, std::move(what));
    }
    return ok();
}

template <typename T, typename RowFn>
Result<std::vector<T>> collect(Statement& stmt, RowFn from_row)
{
    std::vector<T> out;
    for (;;) {
        Result<bool> row = stmt.step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        out.push_back(from_row(stmt));
    }
}

Domain domain_from_row(const Statement& row)
{
    return Domain{DomainId{row.column_int64(0)}, row.column_text(1)};
}

// Rows of (address, member-or-NULL) ordered by address become groups.
Result<std::vector<Group>> collect_groups(Statement& stmt)
{
    std::vector<Group> out;
    for (;;) {
        Result<bool> row = stmt.step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        std::string address = stmt.column_text(0);
        if (out.empty() || out.back().address != address) {
            out.push_back(Group{std::move(address), {}});
        }
        if (!stmt.column_is_null(1)) {
            out.back().members.push_back(stmt.column_text(1));
        }
    }
}

}  // namespace

Result<Domain> SqliteStore::create_domain(std::string_view name)
{
    if (name.empty()) {
        return unexpected(Errc::Invalid, "empty domain name");
    }
    return write<Domain>([name = std::string(name)](WriteContext& ctx) -> Result<Domain> {
        Result<Statement> stmt = ctx.db.prepare("INSERT INTO domains (name) VALUES (?)");
        HARBOR_TRY(stmt);
        HARBOR_TRY(stmt->bind(1, name).run());
        return Domain{DomainId{ctx.db.last_insert_rowid()}, name};
    });
}

Result<std::vector<Domain>> SqliteStore::list_domains()
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare("SELECT id, name FROM domains ORDER BY name");
    HARBOR_TRY(stmt);
    return collect<Domain>(*stmt, domain_from_row);
}

Result<Domain> SqliteStore::find_domain(std::string_view name)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<DomainId> id = domain_id(**db, name);
    HARBOR_TRY(id);
    return Domain{*id, std::string(name)};
}

Result<void> SqliteStore::remove_domain(std::string_view name)
{
    return write<void>([name = std::string(name)](WriteContext& ctx) -> Result<void> {
        Result<DomainId> id = domain_id(ctx.db, name);
        HARBOR_TRY(id);
        Result<Statement> users = ctx.db.prepare(
            "SELECT EXISTS (SELECT 1 FROM accounts WHERE domain_id = ?1) "
            "OR EXISTS (SELECT 1 FROM aliases WHERE domain_id = ?1) "
            "OR EXISTS (SELECT 1 FROM \"groups\" WHERE domain_id = ?1)");
        HARBOR_TRY(users);
        Result<bool> row = users->bind(1, id->value).step();
        HARBOR_TRY(row);
        if (*row && users->column_int64(0) != 0) {
            return unexpected(Errc::Exists,
                              "domain " + name + " still has accounts, aliases or groups");
        }
        // Its DKIM keys go with it: nothing may be signed for a domain that is not ours.
        Result<Statement> keys = ctx.db.prepare("DELETE FROM dkim_keys WHERE domain = ?");
        HARBOR_TRY(keys);
        HARBOR_TRY(keys->bind(1, name).run());
        Result<Statement> del = ctx.db.prepare("DELETE FROM domains WHERE id = ?");
        HARBOR_TRY(del);
        return change_one(ctx.db, del->bind(1, id->value), "no domain " + name);
    });
}

Result<Account> SqliteStore::create_account(const Account& account)
{
    if (account.local_part.empty()) {
        return unexpected(Errc::Invalid, "empty local part");
    }
    if (account.quota_bytes >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return unexpected(Errc::Invalid, "quota too large");
    }
    return write<Account>([account](WriteContext& ctx) -> Result<Account> {
        Result<Statement> domain = ctx.db.prepare("SELECT 1 FROM domains WHERE id = ?");
        HARBOR_TRY(domain);
        Result<bool> found = domain->bind(1, account.domain.value).step();
        HARBOR_TRY(found);
        if (!*found) {
            return unexpected(Errc::NotFound,
                              "no domain id " + std::to_string(account.domain.value));
        }
        Result<Statement> stmt = ctx.db.prepare(
            "INSERT INTO accounts (domain_id, local_part, display_name, password_hash, "
            "scram_sha256, role, right_imap, right_pop3, right_submission, quota_bytes, disabled) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        HARBOR_TRY(stmt);
        stmt->bind(1, account.domain.value)
            .bind(2, account.local_part)
            .bind(3, account.display_name)
            .bind(4, account.credentials.password_hash)
            .bind(5, account.credentials.scram_sha256)
            .bind(6, static_cast<std::int64_t>(account.role))
            .bind(7, std::int64_t{account.rights.imap})
            .bind(8, std::int64_t{account.rights.pop3})
            .bind(9, std::int64_t{account.rights.submission})
            .bind(10, static_cast<std::int64_t>(account.quota_bytes))
            .bind(11, std::int64_t{account.disabled});
        HARBOR_TRY(stmt->run());
        const AccountId id{ctx.db.last_insert_rowid()};
        // In the same request: an account is never seen without its INBOX (RFC 6154 §1).
        HARBOR_TRY(create_default_mailboxes(ctx.db, id));
        return load_account(ctx.db, id);
    });
}

Result<Account> SqliteStore::find_account(std::string_view local_part, std::string_view domain)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare(HARBOR_ACCOUNT_SELECT
                                            "WHERE d.name = ? AND a.local_part = ? COLLATE NOCASE");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, domain).bind(2, local_part).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound,
                          "no account " + std::string(local_part) + "@" + std::string(domain));
    }
    return account_from_row(*stmt);
}

Result<std::vector<Account>> SqliteStore::list_accounts(std::string_view domain)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare(
        HARBOR_ACCOUNT_SELECT "WHERE ?1 = '' OR d.name = ?1 ORDER BY d.name, a.local_part");
    HARBOR_TRY(stmt);
    stmt->bind(1, domain);
    return collect<Account>(*stmt, account_from_row);
}

Result<Account> SqliteStore::update_account(AccountId id, const AccountChanges& changes)
{
    if (changes.quota_bytes &&
        *changes.quota_bytes >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return unexpected(Errc::Invalid, "quota too large");
    }
    return write<Account>([id, changes](WriteContext& ctx) -> Result<Account> {
        // NULL keeps a column: each optional change binds its value or NULL.
        Result<Statement> stmt = ctx.db.prepare(
            "UPDATE accounts SET display_name = coalesce(?2, display_name), "
            "password_hash = coalesce(?3, password_hash), scram_sha256 = coalesce(?4, "
            "scram_sha256), "
            "role = coalesce(?5, role), right_imap = coalesce(?6, right_imap), "
            "right_pop3 = coalesce(?7, right_pop3), "
            "right_submission = coalesce(?8, right_submission), "
            "quota_bytes = coalesce(?9, quota_bytes), disabled = coalesce(?10, disabled) "
            "WHERE id = ?1");
        HARBOR_TRY(stmt);
        stmt->bind(1, id.value);
        if (changes.display_name) {
            stmt->bind(2, *changes.display_name);
        }
        if (changes.credentials) {
            stmt->bind(3, changes.credentials->password_hash)
                .bind(4, changes.credentials->scram_sha256);
        }
        if (changes.role) {
            stmt->bind(5, static_cast<std::int64_t>(*changes.role));
        }
        if (changes.rights) {
            stmt->bind(6, std::int64_t{changes.rights->imap})
                .bind(7, std::int64_t{changes.rights->pop3})
                .bind(8, std::int64_t{changes.rights->submission});
        }
        if (changes.quota_bytes) {
            stmt->bind(9, static_cast<std::int64_t>(*changes.quota_bytes));
        }
        if (changes.disabled) {
            stmt->bind(10, std::int64_t{*changes.disabled});
        }
        HARBOR_TRY(change_one(ctx.db, *stmt, "no account " + std::to_string(id.value)));
        return load_account(ctx.db, id);
    });
}

Result<void> SqliteStore::remove_account(AccountId id)
{
    return write<void>([id](WriteContext& ctx) -> Result<void> {
        // Each mailbox is reported deleted, as delete_mailbox does: sessions, the indexer and
        // what they keep in memory learn of it from the change listener.
        Result<Statement> boxes = ctx.db.prepare("SELECT id FROM mailboxes WHERE account_id = ?");
        HARBOR_TRY(boxes);
        boxes->bind(1, id.value);
        for (;;) {
            Result<bool> row = boxes->step();
            HARBOR_TRY(row);
            if (!*row) {
                break;
            }
            ctx.changes.push_back(MailboxChange{id, MailboxId{boxes->column_int64(0)}, 0});
        }
        // Mailboxes and messages go by cascade; the release trigger drops each blob reference.
        Result<Statement> stmt = ctx.db.prepare("DELETE FROM accounts WHERE id = ?");
        HARBOR_TRY(stmt);
        HARBOR_TRY(
            change_one(ctx.db, stmt->bind(1, id.value), "no account " + std::to_string(id.value)));
        return collect_released_blobs(ctx);
    });
}

Result<void> SqliteStore::create_alias(const Alias& alias)
{
    Result<std::string_view> domain = domain_of(alias.source);
    HARBOR_TRY(domain);
    if (alias.target.empty()) {
        return unexpected(Errc::Invalid, "empty alias target");
    }
    return write<void>([alias, domain = std::string(*domain)](WriteContext& ctx) -> Result<void> {
        Result<DomainId> id = domain_id(ctx.db, domain);
        HARBOR_TRY(id);
        Result<Statement> stmt =
            ctx.db.prepare("INSERT INTO aliases (domain_id, source, target) VALUES (?, ?, ?)");
        HARBOR_TRY(stmt);
        return stmt->bind(1, id->value).bind(2, alias.source).bind(3, alias.target).run();
    });
}

Result<std::vector<Alias>> SqliteStore::find_aliases(std::string_view source)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt =
        (*db)->prepare("SELECT source, target FROM aliases WHERE source = ? ORDER BY target");
    HARBOR_TRY(stmt);
    stmt->bind(1, source);
    return collect<Alias>(*stmt, [](const Statement& row) {
        return Alias{row.column_text(0), row.column_text(1)};
    });
}

Result<std::vector<Alias>> SqliteStore::list_aliases(std::string_view domain)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare(
        "SELECT a.source, a.target FROM aliases a JOIN domains d ON d.id = a.domain_id "
        "WHERE ?1 = '' OR d.name = ?1 ORDER BY a.source, a.target");
    HARBOR_TRY(stmt);
    stmt->bind(1, domain);
    return collect<Alias>(*stmt, [](const Statement& row) {
        return Alias{row.column_text(0), row.column_text(1)};
    });
}

Result<void> SqliteStore::remove_alias(const Alias& alias)
{
    return write<void>([alias](WriteContext& ctx) -> Result<void> {
        Result<Statement> stmt =
            ctx.db.prepare("DELETE FROM aliases WHERE source = ? AND target = ?");
        HARBOR_TRY(stmt);
        return change_one(ctx.db, stmt->bind(1, alias.source).bind(2, alias.target),
                          "no alias " + alias.source + " -> " + alias.target);
    });
}

Result<void> SqliteStore::create_group(std::string_view address)
{
    Result<std::string_view> domain = domain_of(address);
    HARBOR_TRY(domain);
    return write<void>([address = std::string(address),
                        domain = std::string(*domain)](WriteContext& ctx) -> Result<void> {
        Result<DomainId> id = domain_id(ctx.db, domain);
        HARBOR_TRY(id);
        Result<Statement> stmt =
            ctx.db.prepare("INSERT INTO \"groups\" (domain_id, address) VALUES (?, ?)");
        HARBOR_TRY(stmt);
        return stmt->bind(1, id->value).bind(2, address).run();
    });
}

Result<Group> SqliteStore::find_group(std::string_view address)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare(
        "SELECT g.address, m.member FROM \"groups\" g "
        "LEFT JOIN group_members m ON m.group_id = g.id WHERE g.address = ? ORDER BY m.member");
    HARBOR_TRY(stmt);
    stmt->bind(1, address);
    Result<std::vector<Group>> groups = collect_groups(*stmt);
    HARBOR_TRY(groups);
    if (groups->empty()) {
        return unexpected(Errc::NotFound, "no group " + std::string(address));
    }
    return std::move(groups->front());
}

Result<std::vector<Group>> SqliteStore::list_groups(std::string_view domain)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare(
        "SELECT g.address, m.member FROM \"groups\" g JOIN domains d ON d.id = g.domain_id "
        "LEFT JOIN group_members m ON m.group_id = g.id "
        "WHERE ?1 = '' OR d.name = ?1 ORDER BY g.address, m.member");
    HARBOR_TRY(stmt);
    stmt->bind(1, domain);
    return collect_groups(*stmt);
}

Result<void> SqliteStore::remove_group(std::string_view address)
{
    return write<void>([address = std::string(address)](WriteContext& ctx) -> Result<void> {
        Result<Statement> stmt = ctx.db.prepare("DELETE FROM \"groups\" WHERE address = ?");
        HARBOR_TRY(stmt);
        return change_one(ctx.db, stmt->bind(1, address), "no group " + address);
    });
}

Result<void> SqliteStore::add_group_member(std::string_view group, std::string_view member)
{
    if (member.empty()) {
        return unexpected(Errc::Invalid, "empty group member");
    }
    return write<void>([group = std::string(group),
                        member = std::string(member)](WriteContext& ctx) -> Result<void> {
        Result<Statement> stmt = ctx.db.prepare(
            "INSERT INTO group_members (group_id, member) "
            "SELECT id, ?2 FROM \"groups\" WHERE address = ?1");
        HARBOR_TRY(stmt);
        // No row inserted without a constraint error: the group itself is missing.
        return change_one(ctx.db, stmt->bind(1, group).bind(2, member), "no group " + group);
    });
}

Result<void> SqliteStore::remove_group_member(std::string_view group, std::string_view member)
{
    return write<void>([group = std::string(group),
                        member = std::string(member)](WriteContext& ctx) -> Result<void> {
        Result<Statement> stmt = ctx.db.prepare(
            "DELETE FROM group_members WHERE member = ?2 AND group_id = "
            "(SELECT id FROM \"groups\" WHERE address = ?1)");
        HARBOR_TRY(stmt);
        return change_one(ctx.db, stmt->bind(1, group).bind(2, member),
                          "no member " + member + " in group " + group);
    });
}

#undef HARBOR_ACCOUNT_SELECT

}  // namespace harbor::store::sqlite
