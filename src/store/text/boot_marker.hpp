// The text index is written without fsync (synchronous=OFF): it is derived data, and its
// writeback competed with the store's commit fsyncs (1.85 ms each instead of 0.96 ms with 20
// SMTP sessions). A process crash loses nothing then, since the kernel holds every write; only a
// crash of the machine can leave the file torn. So the index records, durably, the kernel boot
// it is open under, and a clean close marks it whole: an index found neither closed cleanly nor
// opened under the running boot is rebuilt.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/sqlite/statement.hpp"

namespace harbor::store::text {

// The running kernel's boot id (Linux: /proc/sys/kernel/random/boot_id), or "" where there is
// none; then an index is trusted only after a clean close.
std::string current_boot_id();

// Whether the index in `db` (with its meta table) can be trusted under `boot`.
Result<bool> survived_last_run(sqlite::Connection& db, std::string_view boot);

// Records durably that the index is open, under `boot`, then turns commit fsyncs off.
Result<void> mark_open(sqlite::Connection& db, std::string_view boot);

// Makes every write to `file` (the database and its log) durable, then records the clean close.
Result<void> mark_closed(sqlite::Connection& db, const std::filesystem::path& file);

}  // namespace harbor::store::text
