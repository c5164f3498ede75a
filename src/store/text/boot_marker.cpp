#include "store/text/boot_marker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

namespace harbor::store::text {

using sqlite::Connection;
using sqlite::Statement;

namespace {

Result<std::string> meta_value(Connection& db, std::string_view key)
{
    Result<Statement> stmt = db.prepare("SELECT value FROM meta WHERE key = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, key).step();
    HARBOR_TRY(row);
    return *row ? stmt->column_text(0) : std::string();
}

Result<void> set_meta(Connection& db, std::string_view key, std::string_view value)
{
    Result<Statement> stmt = db.prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    HARBOR_TRY(stmt);
    return stmt->bind(1, key).bind(2, value).run();
}

// fsync acts on the file, not the descriptor: this reaches pages SQLite wrote through its own.
bool sync_file(const std::filesystem::path& file)
{
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT;  // no log: nothing to sync
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

}  // namespace

std::string current_boot_id()
{
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

Result<bool> survived_last_run(Connection& db, std::string_view boot)
{
    Result<std::string> clean = meta_value(db, "clean");
    HARBOR_TRY(clean);
    if (*clean == "1") {
        return true;
    }
    Result<std::string> opened_under = meta_value(db, "boot");
    HARBOR_TRY(opened_under);
    return !boot.empty() && *opened_under == boot;
}

Result<void> mark_open(Connection& db, std::string_view boot)
{
    // FULL for this one commit: the mark must be on disk before any unsynced write follows.
    HARBOR_TRY(db.exec("PRAGMA synchronous = FULL; BEGIN IMMEDIATE"));
    Result<void> marked = set_meta(db, "boot", boot);
    if (marked) {
        marked = set_meta(db, "clean", "0");
    }
    if (!marked) {
        (void)db.exec("ROLLBACK");
        return marked;
    }
    HARBOR_TRY(db.exec("COMMIT"));
    return db.exec("PRAGMA synchronous = OFF");
}

Result<void> mark_closed(Connection& db, const std::filesystem::path& file)
{
    HARBOR_TRY(db.exec("PRAGMA synchronous = FULL"));
    // Best effort: a reader in a transaction keeps part of the log; the syncs below cover it.
    (void)db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!sync_file(file) || !sync_file(file.string() + "-wal")) {
        return unexpected(Errc::Io, "cannot sync " + file.string());
    }
    return set_meta(db, "clean", "1");  // a commit of its own, fsynced (FULL)
}

}  // namespace harbor::store::text
