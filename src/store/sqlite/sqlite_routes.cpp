// Routes: where the queue sends a domain's mail instead of its MX (`harbor route`). A small
// table read whole by the queue runner on each look at the queue, so changes take effect
// without a restart.
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {

Result<std::vector<Route>> SqliteStore::list_routes()
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> rows = (*db)->prepare(
        "SELECT domain, host, port, tls, auth_user, auth_password FROM routes ORDER BY domain");
    HARBOR_TRY(rows);
    std::vector<Route> out;
    for (;;) {
        Result<bool> row = rows->step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        Route route;
        route.domain = rows->column_text(0);
        route.host = rows->column_text(1);
        route.port = static_cast<std::uint16_t>(rows->column_int64(2));
        const std::int64_t tls = rows->column_int64(3);
        route.tls = tls == 2   ? RouteTls::Verify
                    : tls == 1 ? RouteTls::Required
                               : RouteTls::Opportunistic;
        route.auth_user = rows->column_text(4);
        route.auth_password = rows->column_text(5);
        out.push_back(std::move(route));
    }
}

Result<void> SqliteStore::put_route(const Route& route)
{
    if (route.domain.empty() || route.host.empty() || route.port == 0) {
        return unexpected(Errc::Invalid, "a route needs a domain, a host and a port");
    }
    return write<void>([route](WriteContext& ctx) -> Result<void> {
        Result<Statement> upsert = ctx.db.prepare(
            "INSERT INTO routes (domain, host, port, tls, auth_user, auth_password) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (domain) DO UPDATE SET "
            "host = ?2, port = ?3, tls = ?4, auth_user = ?5, auth_password = ?6");
        HARBOR_TRY(upsert);
        return upsert->bind(1, route.domain)
            .bind(2, route.host)
            .bind(3, static_cast<std::int64_t>(route.port))
            .bind(4, static_cast<std::int64_t>(route.tls))
            .bind(5, route.auth_user)
            .bind(6, route.auth_password)
            .run();
    });
}

Result<void> SqliteStore::remove_route(std::string_view domain)
{
    return write<void>([domain = std::string(domain)](WriteContext& ctx) -> Result<void> {
        Result<Statement> del = ctx.db.prepare("DELETE FROM routes WHERE domain = ?1");
        HARBOR_TRY(del);
        HARBOR_TRY(del->bind(1, domain).run());
        if (ctx.db.changes() == 0) {
            return unexpected(Errc::NotFound, "no route for " + domain);
        }
        return ok();
    });
}

}  // namespace harbor::store::sqlite
