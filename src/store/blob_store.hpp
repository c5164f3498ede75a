// Message bodies on the filesystem. Content-addressed ones, <root>/ab/cd/<sha256-hex>, are written
// through a temporary file, fsync, rename and a directory fsync, so a blob name that exists is
// complete and durable. Placed ones, <root>/p<13 hex>/<name>, are written where they stay while
// the message arrives (the SMTP spool) and made durable before their row commits. Reference
// counts live in the database; this class only moves bytes and is safe to use from several
// threads.
// SECURITY: a BlobId from outside is checked to be a blob name (hex digits of a fixed length)
// before it becomes a path, so it cannot name anything outside <root>.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/types.hpp"

namespace harbor::store {

// SHA-256 of the bytes as 64 lower-case hex digits (OpenSSL EVP).
Result<std::string> sha256_hex(std::string_view bytes);

// A blob has one of two kinds of name. A file blob is named by its SHA-256 (64 lower-case hex
// digits), which makes identical large bodies one file. A blob kept inline in the database
// (store/sqlite) since schema step 9 has a serial name, "s" and 16 lower-case hex digits,
// handed out in increasing order by the writer: every table and index keyed by blob name then
// grows at its right edge, where content hashes dirtied a random B-tree page per message.
// Serial names sort after every hash name ('s' > 'f'). Inline blobs stored before step 9 keep
// their hash names.
// A placed blob (schema step 18) is a file named "p" and 16 lower-case hex digits: a block
// reserved in the database each time the store opens, then a counter. Its file is created
// under that name before its bytes arrive, so taking it costs one fdatasync, where a hash name
// known only at the end costs a rename and two directory fsyncs (the fan-out directory's own
// creation included). Consecutive names share a directory, 4,096 to each.
bool is_file_blob_name(std::string_view name);
bool is_serial_blob_name(std::string_view name);
bool is_placed_blob_name(std::string_view name);
bool is_blob_name(std::string_view name);  // any kind
std::string serial_blob_name(std::uint64_t serial);

class BlobStore {
public:
    explicit BlobStore(std::filesystem::path root);

    Result<void> create_root();
    std::filesystem::path path_for(std::string_view sha256) const;

    // Makes the file durable under its name. If the file is already there it is kept and only
    // its directory entry is made durable.
    Result<void> write(std::string_view sha256, std::string_view bytes);
    Result<std::string> read(std::string_view sha256) const;

    // Placed names come from this block (reserved in the database at open), none before.
    void set_placed_block(std::uint32_t block);
    // Creates the next placed file (O_EXCL, mode 0640) in its directory, which exists durably.
    Result<PlacedFile> create_placed();
    // Makes a placed file, fully written and closed, durable with its directory entry: one
    // fdatasync of the file, and an fsync of its directory unless one begun after the file was
    // created has finished (threads taking files of one directory share those).
    Result<void> make_placed_durable(std::string_view name);

    bool exists(std::string_view sha256) const;
    // Deletes the file; true if it is gone (also when it was already absent). The caller decides
    // that no reference can appear meanwhile (the SQLite store holds its write lock).
    bool remove(std::string_view sha256);

    // Removes temporary files and every blob for which is_referenced() says no: the leftovers
    // of appends that never committed (crash between blob write and commit). Call only while
    // nothing else writes blobs (at open). Returns how many files went.
    Result<std::uint64_t> sweep(
        const std::function<Result<bool>(const std::string&)>& is_referenced);

private:
    // Makes <root>/ab and <root>/ab/cd exist durably, once per process: the 65,536 fan-out
    // directories are never removed, and two mkdir calls per blob were a twentieth of taking
    // a 100 KiB message.
    Result<void> ensure_fan_out(std::string_view sha256);

    std::filesystem::path root_;
    std::unique_ptr<std::atomic<bool>[]> fan_out_ready_;  // indexed by the first 4 hex digits

    // Placed names: a serial is handed out and its file created under create_mutex_, so every
    // serial up to next_placed_ - 1 names a file that exists. A directory fsync begun with that
    // bound covers them all (see make_placed_durable).
    std::mutex create_mutex_;
    std::uint64_t next_placed_ = 0;
    std::uint64_t placed_end_ = 0;  // the block's end: a new block needs a new open
    std::uint64_t placed_dir_ready_ = ~std::uint64_t{0};  // serial >> 12 of the last mkdir
    std::mutex dir_sync_mutex_;  // one directory fsync at a time; the others wait
    std::uint64_t synced_dir_ = ~std::uint64_t{0};  // the directory last fsynced ...
    std::uint64_t synced_through_ = 0;              // ... covering serials up to this one
};

}  // namespace harbor::store
