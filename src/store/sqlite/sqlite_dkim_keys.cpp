// DKIM signing keys of local domains (`harbor dkim`): read when a message is signed and by the
// CLI, written by the CLI. Adding an active key makes the domain's others inactive in the same
// transaction, so a domain never has two signing keys.
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {

Result<std::vector<DkimKeyRecord>> SqliteStore::list_dkim_keys(std::string_view domain)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> rows = (*db)->prepare(
        "SELECT domain, selector, algorithm, private_pem, created, active FROM dkim_keys "
        "WHERE ?1 = '' OR domain = ?1 ORDER BY domain, created, selector");
    HARBOR_TRY(rows);
    rows->bind(1, domain);
    std::vector<DkimKeyRecord> out;
    for (;;) {
        Result<bool> row = rows->step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        out.push_back(DkimKeyRecord{rows->column_text(0), rows->column_text(1),
                                    rows->column_text(2), rows->column_text(3),
                                    rows->column_int64(4), rows->column_int64(5) != 0});
    }
}

Result<void> SqliteStore::add_dkim_key(const DkimKeyRecord& key)
{
    if (key.domain.empty() || key.selector.empty() || key.private_pem.empty()) {
        return unexpected(Errc::Invalid, "a DKIM key needs a domain, a selector and a key");
    }
    return write<void>([key](WriteContext& ctx) -> Result<void> {
        Result<Statement> existing =
            ctx.db.prepare("SELECT 1 FROM dkim_keys WHERE domain = ?1 AND selector = ?2");
        HARBOR_TRY(existing);
        Result<bool> found = existing->bind(1, key.domain).bind(2, key.selector).step();
        HARBOR_TRY(found);
        if (*found) {
            return unexpected(Errc::Exists,
                              "DKIM selector " + key.selector + " exists for " + key.domain);
        }
        if (key.active) {
            Result<Statement> others =
                ctx.db.prepare("UPDATE dkim_keys SET active = 0 WHERE domain = ?1");
            HARBOR_TRY(others);
            HARBOR_TRY(others->bind(1, key.domain).run());
        }
        Result<Statement> insert = ctx.db.prepare(
            "INSERT INTO dkim_keys (domain, selector, algorithm, private_pem, created, active) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        HARBOR_TRY(insert);
        return insert->bind(1, key.domain)
            .bind(2, key.selector)
            .bind(3, key.algorithm)
            .bind(4, key.private_pem)
            .bind(5, key.created)
            .bind(6, static_cast<std::int64_t>(key.active ? 1 : 0))
            .run();
    });
}

Result<void> SqliteStore::remove_dkim_key(std::string_view domain, std::string_view selector)
{
    return write<void>([domain = std::string(domain),
                        selector = std::string(selector)](WriteContext& ctx) -> Result<void> {
        Result<Statement> remove =
            ctx.db.prepare("DELETE FROM dkim_keys WHERE domain = ?1 AND selector = ?2");
        HARBOR_TRY(remove);
        HARBOR_TRY(remove->bind(1, domain).bind(2, selector).run());
        if (ctx.db.changes() == 0) {
            return unexpected(Errc::NotFound, "no DKIM key " + selector + " for " + domain);
        }
        return ok();
    });
}

Result<void> SqliteStore::activate_dkim_key(std::string_view domain, std::string_view selector)
{
    return write<void>([domain = std::string(domain),
                        selector = std::string(selector)](WriteContext& ctx) -> Result<void> {
        Result<Statement> activate = ctx.db.prepare(
            "UPDATE dkim_keys SET active = (selector = ?2) WHERE domain = ?1 AND "
            "EXISTS (SELECT 1 FROM dkim_keys WHERE domain = ?1 AND selector = ?2)");
        HARBOR_TRY(activate);
        HARBOR_TRY(activate->bind(1, domain).bind(2, selector).run());
        if (ctx.db.changes() == 0) {
            return unexpected(Errc::NotFound, "no DKIM key " + selector + " for " + domain);
        }
        return ok();
    });
}

}  // namespace harbor::store::sqlite
