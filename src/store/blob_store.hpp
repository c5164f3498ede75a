// Content-addressed message bodies on the filesystem: <root>/ab/cd/<sha256-hex>, written through
// a temporary file, fsync, rename and a directory fsync, so a blob name that exists is complete
// and durable. Reference counts live in the database; this class only moves bytes and is safe
// to use from several threads (every operation is one path's system calls).
// SECURITY: a BlobId from outside is checked to be 64 lower-case hex digits before it becomes a
// path, so it cannot name anything outside <root>.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

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
bool is_file_blob_name(std::string_view name);
bool is_serial_blob_name(std::string_view name);
bool is_blob_name(std::string_view name);  // either kind
std::string serial_blob_name(std::uint64_t serial);

class BlobStore {
public:
    explicit BlobStore(std::filesystem::path root);

    Result<void> create_root();
    std::filesystem::path path_for(std::string_view sha256) const;

    // Makes the file durable under its name. If the file is already there it is kept and only
    // its directory entry is made durable.
    Result<void> write(std::string_view sha256, std::string_view bytes);
    // Makes `file` (the caller's, already holding exactly the blob's bytes) durable under the
    // blob's name: fsync, rename into place (a copy if it lives on another filesystem), fsync
    // the directory. When the blob exists already the file replaces it (same name, same
    // bytes). Either way `file` is gone on success.
    Result<void> adopt(std::string_view sha256, const std::filesystem::path& file);
    Result<std::string> read(std::string_view sha256) const;

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
};

}  // namespace harbor::store
