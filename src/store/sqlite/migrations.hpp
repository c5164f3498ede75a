// The SQLite schema as an ordered list of numbered migration steps. PRAGMA user_version holds
// the number of steps applied; opening a database applies the missing ones, each in its own
// transaction, so a crash mid-migration leaves the database at the previous version.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/result.hpp"
#include "store/sqlite/statement.hpp"

namespace harbor::store::sqlite {

struct Migration {
    int version;  // user_version after this step; steps are numbered 1, 2, 3, ...
    std::string_view name;
    std::string_view sql;
};

// All steps, in order. Never edit a released step: add a new one.
std::span<const Migration> migrations();
int latest_schema_version();

// Brings the database from its current user_version up to `target` (default: the latest).
// Errc::Unsupported when the database is newer than this code knows.
Result<void> apply_migrations(Connection& db, int target = -1);

}  // namespace harbor::store::sqlite
