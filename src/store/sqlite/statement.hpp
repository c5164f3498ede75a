// Thin RAII wrappers over the SQLite C API: a Connection (with a cache of prepared statements)
// and a Statement cursor that resets itself. Every SQLite failure becomes an Error with an Errc
// (constraint -> Exists, busy/locked -> TempFail, I/O and full disk -> Io); nothing throws.
// SECURITY: all values reach SQL through bind(), never through string concatenation.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

namespace harbor::store::sqlite {

// Maps an SQLite result code (extended codes allowed) to Harbor's failure vocabulary.
Errc errc_for_sqlite(int code);
// Builds an Error from the connection's last message; `what` names the operation for the log.
Error sqlite_error(sqlite3* db, int code, std::string_view what);

// A prepared statement borrowed from a Connection's cache. Resets and clears its bindings
// when it goes out of scope, so the cached statement is ready for the next user.
class Statement {
public:
    explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_null(int index);

    // true: a row is available; false: done. Errors carry the mapped Errc.
    Result<bool> step();
    // Runs a statement that returns no rows (or ignores them).
    Result<void> run();
    // Makes the statement ready to bind and run again (sqlite3_bind_* refuses a statement
    // stepped since its last reset); the bindings are kept until rebound.
    Statement& reset();

    std::int64_t column_int64(int index) const;
    std::string column_text(int index) const;
    // The bytes of a BLOB column as they are (no text conversion); empty for NULL.
    std::string column_blob(int index) const;
    bool column_is_null(int index) const;

private:
    sqlite3_stmt* stmt_;
};

enum class OpenMode { ReadWrite, ReadOnly };

class Connection {
public:
    static Result<std::unique_ptr<Connection>> open(const std::filesystem::path& file,
                                                    OpenMode mode);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // Runs one or more statements without results (DDL, PRAGMA, BEGIN/COMMIT).
    Result<void> exec(std::string_view sql);
    // Prepared once per connection and reused (SQLITE_PREPARE_PERSISTENT), cached by the
    // address of `sql`: pass a literal, or a string that lives and keeps its text as long as
    // the connection (a string built per call would be compiled, and kept, every time).
    Result<Statement> prepare(const char* sql);
    // One statement without parameters or rows, through the statement cache: for the
    // transaction control the writer runs per request (SAVEPOINT, RELEASE, COMMIT), where
    // exec() would parse the SQL again every time.
    Result<void> run(const char* sql);
    // A single integer from a query such as "PRAGMA user_version".
    Result<std::int64_t> query_int64(const char* sql);

    sqlite3* handle() const { return db_; }
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }

private:
    explicit Connection(sqlite3* db) : db_(db) {}

    sqlite3* db_;
    std::unordered_map<const char*, sqlite3_stmt*> cache_;  // keyed by the literal's address
};

// A deferred read transaction: one consistent snapshot for a read of several statements.
// Rolls back on destruction (reads have nothing to commit).
class ReadTransaction {
public:
    static Result<ReadTransaction> begin(Connection& db);
    ReadTransaction(ReadTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;
    ReadTransaction& operator=(ReadTransaction&&) = delete;
    ~ReadTransaction();

private:
    explicit ReadTransaction(Connection* db) : db_(db) {}
    Connection* db_;
};

}  // namespace harbor::store::sqlite
