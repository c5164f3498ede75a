// SQLite connection and statement wrappers, and the one place SQLite result codes become Errc.
#include "store/sqlite/statement.hpp"

#include <string>

namespace harbor::store::sqlite {

Errc errc_for_sqlite(int code)
{
    switch (code & 0xff) {  // the primary code is the low byte of an extended code
        case SQLITE_CONSTRAINT:
            switch (code) {
                case SQLITE_CONSTRAINT_CHECK:
                case SQLITE_CONSTRAINT_NOTNULL:
                case SQLITE_CONSTRAINT_DATATYPE:
                    return Errc::Invalid;
                default:
                    return Errc::Exists;  // UNIQUE, PRIMARY KEY, and FOREIGN KEY (still referenced)
            }
        case SQLITE_NOTFOUND:
            return Errc::NotFound;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_PROTOCOL:
            return Errc::TempFail;
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return Errc::Io;
        case SQLITE_TOOBIG:
            return Errc::Limit;
        case SQLITE_PERM:
        case SQLITE_AUTH:
            return Errc::Permission;
        default:
            return Errc::Internal;
    }
}

Error sqlite_error(sqlite3* db, int code, std::string_view what)
{
    std::string detail(what);
    detail += ": ";
    detail += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    return Error{errc_for_sqlite(code), std::move(detail)};
}

Statement::~Statement()
{
    if (stmt_ != nullptr) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

// Binding errors (index out of range, out of memory) resurface from step(), which reports
// sqlite3_errmsg; so bind() can stay chainable.
Statement& Statement::bind(int index, std::int64_t value)
{
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text)
{
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes)
{
    if (bytes.data() == nullptr) {
        // A null pointer would bind SQL NULL; an empty view is a zero-length blob.
        sqlite3_bind_zeroblob(stmt_, index, 0);
        return *this;
    }
    sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_null(int index)
{
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::step()
{
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    // sqlite3_step's return is already the extended code (sqlite3_prepare_v3 statements).
    return unexpected(sqlite_error(sqlite3_db_handle(stmt_), rc, sqlite3_sql(stmt_)));
}

Statement& Statement::reset()
{
    sqlite3_reset(stmt_);
    return *this;
}

Result<void> Statement::run()
{
    for (;;) {
        Result<bool> row = step();
        HARBOR_TRY(row);
        if (!*row) {
            return ok();
        }
    }
}

std::int64_t Statement::column_int64(int index) const
{
    return sqlite3_column_int64(stmt_, index);
}

std::string Statement::column_text(int index) const
{
    const auto* text = sqlite3_column_text(stmt_, index);
    int size = sqlite3_column_bytes(stmt_, index);
    if (text == nullptr) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::string Statement::column_blob(int index) const
{
    const void* bytes = sqlite3_column_blob(stmt_, index);
    int size = sqlite3_column_bytes(stmt_, index);
    if (bytes == nullptr) {
        return {};  // NULL, or a zero-length blob
    }
    return std::string(static_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

bool Statement::column_is_null(int index) const
{
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

namespace {

// Process-wide settings, before SQLite initializes itself. MEMSTATUS off: with it on, every
// allocation in every connection takes one global mutex, which the store's writer, its readers
// and the text indexer (SCHED_IDLE, so it may hold the mutex a long time while preempted) share.
void configure_library()
{
    static const bool configured = [] {
        return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
    }();
    (void)configured;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& file,
                                                     OpenMode mode)
{
    configure_library();
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    flags |= mode == OpenMode::ReadOnly ? SQLITE_OPEN_READONLY
                                        : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    // The handle is owned even when open fails (it carries the message), so wrap it first.
    std::unique_ptr<Connection> db(new Connection(raw));
    if (rc != SQLITE_OK) {
        return unexpected(sqlite_error(raw, rc, "open " + file.string()));
    }
    sqlite3_extended_result_codes(raw, 1);
    return db;
}

Connection::~Connection()
{
    for (auto& [sql, stmt] : cache_) {
        sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db_);
}

Result<void> Connection::exec(std::string_view sql)
{
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return unexpected(errc_for_sqlite(rc), std::move(detail));
    }
    return ok();
}

Result<Statement> Connection::prepare(const char* sql)
{
    if (auto it = cache_.find(sql); it != cache_.end()) {
        return Statement(it->second);
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        return unexpected(sqlite_error(db_, rc, sql));
    }
    cache_.emplace(sql, stmt);
    return Statement(stmt);
}

Result<void> Connection::run(const char* sql)
{
    Result<Statement> stmt = prepare(sql);
    HARBOR_TRY(stmt);
    return stmt->run();
}

Result<std::int64_t> Connection::query_int64(const char* sql)
{
    Result<Statement> stmt = prepare(sql);
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, sql);
    }
    return stmt->column_int64(0);
}

Result<ReadTransaction> ReadTransaction::begin(Connection& db)
{
    HARBOR_TRY(db.exec("BEGIN"));
    return ReadTransaction(&db);
}

ReadTransaction::~ReadTransaction()
{
    if (db_ != nullptr) {
        (void)db_->exec("ROLLBACK");
    }
}

}  // namespace harbor::store::sqlite
