// MTA-STS policies as the queue runner fetched them (RFC 8461 §5.1): read whole when the runner
// starts, written when it fetches a new one. Expired policies are dropped as new ones come.
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {

Result<std::vector<StsPolicyRecord>> SqliteStore::list_sts_policies(std::int64_t now)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> rows = (*db)->prepare(
        "SELECT domain, policy_id, policy, fetched, expires FROM mta_sts_policies "
        "WHERE expires > ?1 ORDER BY domain");
    HARBOR_TRY(rows);
    rows->bind(1, now);
    std::vector<StsPolicyRecord> out;
    for (;;) {
        Result<bool> row = rows->step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        out.push_back(StsPolicyRecord{rows->column_text(0), rows->column_text(1),
                                      rows->column_text(2), rows->column_int64(3),
                                      rows->column_int64(4)});
    }
}

Result<void> SqliteStore::put_sts_policy(const StsPolicyRecord& record)
{
    if (record.domain.empty() || record.id.empty()) {
        return unexpected(Errc::Invalid, "an MTA-STS policy needs a domain and an id");
    }
    return write<void>([record](WriteContext& ctx) -> Result<void> {
        Result<Statement> expired =
            ctx.db.prepare("DELETE FROM mta_sts_policies WHERE expires <= ?1");
        HARBOR_TRY(expired);
        HARBOR_TRY(expired->bind(1, record.fetched).run());
        Result<Statement> upsert = ctx.db.prepare(
            "INSERT INTO mta_sts_policies (domain, policy_id, policy, fetched, expires) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (domain) DO UPDATE SET "
            "policy_id = ?2, policy = ?3, fetched = ?4, expires = ?5");
        HARBOR_TRY(upsert);
        return upsert->bind(1, record.domain)
            .bind(2, record.id)
            .bind(3, record.policy)
            .bind(4, record.fetched)
            .bind(5, record.expires)
            .run();
    });
}

}  // namespace harbor::store::sqlite
