// \Noselect names (RFC 9051 §6.3.5): "It is permitted to delete a name that has inferior
// hierarchical names and does not have the \Noselect attribute. In this case, all messages in
// that name are removed, and the name will acquire the \Noselect attribute." The name stays
// after its last inferior is gone, until it is deleted itself (the RFC's example). A name is
// either a mailbox row or a row here, never both.
// Names below "a" are those from "a/" up to (not including) "a0": '0' follows '/' in ASCII,
// and SQLite's BINARY collation compares UTF-8 bytes, so the range is exact and uses the
// primary key.
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {

Result<bool> is_noselect_name(Connection& db, AccountId account, std::string_view name)
{
    Result<Statement> stmt =
        db.prepare("SELECT 1 FROM noselect_names WHERE account_id = ? AND name = ?");
    HARBOR_TRY(stmt);
    return stmt->bind(1, account.value).bind(2, name).step();
}

Result<bool> has_inferior_names(Connection& db, AccountId account, std::string_view name)
{
    Result<Statement> stmt = db.prepare(
        "SELECT EXISTS (SELECT 1 FROM mailboxes WHERE account_id = ?1 "
        "AND name >= ?2 || '/' AND name < ?2 || '0') "
        "OR EXISTS (SELECT 1 FROM noselect_names WHERE account_id = ?1 "
        "AND name >= ?2 || '/' AND name < ?2 || '0')");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, account.value).bind(2, name).step();
    HARBOR_TRY(row);
    const bool below = *row && stmt->column_int64(0) != 0;
    stmt->reset();
    return below;
}

Result<void> keep_noselect_name(Connection& db, AccountId account, std::string_view name)
{
    Result<Statement> stmt =
        db.prepare("INSERT OR IGNORE INTO noselect_names (account_id, name) VALUES (?, ?)");
    HARBOR_TRY(stmt);
    return stmt->bind(1, account.value).bind(2, name).run();
}

Result<void> forget_noselect_name(Connection& db, AccountId account, std::string_view name)
{
    Result<Statement> stmt =
        db.prepare("DELETE FROM noselect_names WHERE account_id = ? AND name = ?");
    HARBOR_TRY(stmt);
    return stmt->bind(1, account.value).bind(2, name).run();
}

Result<void> move_noselect_names(Connection& db, AccountId account, std::string_view from,
                                 std::string_view to)
{
    // A moved name that is already a \Noselect name at its destination stays there once.
    Result<Statement> move = db.prepare(
        "UPDATE OR IGNORE noselect_names SET name = ?3 || substr(name, length(?2) + 1) "
        "WHERE account_id = ?1 AND name >= ?2 || '/' AND name < ?2 || '0'");
    HARBOR_TRY(move);
    HARBOR_TRY(move->bind(1, account.value).bind(2, from).bind(3, to).run());
    Result<Statement> left = db.prepare(
        "DELETE FROM noselect_names WHERE account_id = ?1 AND name >= ?2 || '/' "
        "AND name < ?2 || '0'");
    HARBOR_TRY(left);
    HARBOR_TRY(left->bind(1, account.value).bind(2, from).run());
    // A name the renamed mailboxes now hold is a mailbox, no longer \Noselect.
    Result<Statement> taken = db.prepare(
        "DELETE FROM noselect_names WHERE account_id = ?1 AND name IN "
        "(SELECT name FROM mailboxes WHERE account_id = ?1)");
    HARBOR_TRY(taken);
    return taken->bind(1, account.value).run();
}

Result<std::vector<std::string>> SqliteStore::list_noselect_names(AccountId account)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    return read_account_names(
        **db, "SELECT name FROM noselect_names WHERE account_id = ? ORDER BY name", account);
}

void SqliteStore::delete_noselect_name_async(AccountId account, std::string name, Done<void> done)
{
    writer_->submit<void>(
        [account, name = canonical_mailbox_name(name)](WriteContext& ctx) -> Result<void> {
            Result<bool> below = has_inferior_names(ctx.db, account, name);
            HARBOR_TRY(below);
            if (*below) {
                return unexpected(Errc::Permission, name + " has inferior hierarchical names");
            }
            Result<bool> known = is_noselect_name(ctx.db, account, name);
            HARBOR_TRY(known);
            if (!*known) {
                return unexpected(Errc::NotFound, "no name " + name);
            }
            return forget_noselect_name(ctx.db, account, name);
        },
        std::move(done));
}

}  // namespace harbor::store::sqlite
