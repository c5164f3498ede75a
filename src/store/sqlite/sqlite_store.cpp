// Opening the embedded store: data directory, connection settings, migrations, the lock file and
// the orphan-blob sweep, the writer thread; plus the reader pool and the after-commit blob
// deletion.
#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/log.hpp"
#include "store/sqlite/migrations.hpp"

namespace harbor::store::sqlite {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_idle_readers = 8;

}  // namespace

Result<void> configure_connection(Connection& db)
{
    sqlite3_busy_timeout(db.handle(), busy_timeout_ms);
    // The file grows in steps of 8 MiB, not page by page as checkpoints append: readers map it
    // (reader()), and each read transaction that finds the file grown remaps it, an munmap and
    // mmap with a TLB shoot-down on every core, per RCPT lookup while mail flows in.
    int chunk = 8 << 20;
    if (sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_CHUNK_SIZE, &chunk) != SQLITE_OK) {
        log::debug("store.chunk_size_failed");
    }
    // WAL: readers keep reading while the writer commits. synchronous=FULL: COMMIT returns only
    // after the log is fsynced, which is the promise behind every acknowledged write.
    Result<Statement> mode = db.prepare("PRAGMA journal_mode = WAL");
    HARBOR_TRY(mode);
    Result<bool> row = mode->step();
    HARBOR_TRY(row);
    if (!*row || mode->column_text(0) != "wal") {
        return unexpected(Errc::Io, "cannot switch the database to WAL mode");
    }
    // temp_store=MEMORY: a batch's savepoints spill their statement journal past 64 KiB, and
    // Debian's SQLite then creates and deletes a temporary file per batch (a tenth of taking a
    // 1 KiB message). The journal only ever holds one batch's pages.
    return db.exec(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;");
}

namespace {

// Files written for appends that never committed (a crash in between) have no row: remove them.
// Unreferenced rows (a crash between commit and file deletion) go first, so their files are
// swept as well; their inline bytes go with them (the blob_data cascade). Inline bytes of an
// append that never committed were never anywhere but in its rolled-back transaction. Only
// while no other process has the store open (see open()).
Result<void> sweep_orphans(Connection& db, BlobStore& blobs)
{
    HARBOR_TRY(db.exec("DELETE FROM blobs WHERE refcount = 0"));
    Result<std::uint64_t> swept = blobs.sweep([&db](const std::string& sha256) {
        Result<Statement> stmt = db.prepare("SELECT 1 FROM blobs WHERE sha256 = ?");
        if (!stmt) {
            return Result<bool>(unexpected(std::move(stmt).error()));
        }
        return stmt->bind(1, sha256).step();
    });
    HARBOR_TRY(swept);
    if (*swept > 0) {
        log::info("store.blobs.swept", {{"files", *swept}});
    }
    return ok();
}

// This process's block of placed blob names (blob_store.hpp): after the sweep, which removes
// the files of earlier blocks that never got a row.
Result<void> reserve_placed_block(Connection& db, BlobStore& blobs)
{
    HARBOR_TRY(db.exec("BEGIN IMMEDIATE"));
    Result<void> taken = db.exec("UPDATE placed_blob_block SET last = last + 1 WHERE id = 0");
    Result<std::int64_t> block =
        taken ? db.query_int64("SELECT last FROM placed_blob_block WHERE id = 0")
              : Result<std::int64_t>(unexpected(std::move(taken).error()));
    if (!block || *block <= 0 || *block > 0xffffffff) {
        (void)db.exec("ROLLBACK");
        return block ? unexpected(Errc::Internal, "placed blob blocks used up")
                     : unexpected(std::move(block).error());
    }
    HARBOR_TRY(db.exec("COMMIT"));
    blobs.set_placed_block(static_cast<std::uint32_t>(*block));
    return ok();
}

}  // namespace

SqliteStore::SqliteStore(fs::path db_path, fs::path blob_root, unsigned blob_threads)
    : db_path_(std::move(db_path)),
      blobs_(std::move(blob_root)),
      blob_pool_(blob_threads == 0 ? 1 : blob_threads, "store-blob")
{
}

SqliteStore::~SqliteStore()
{
    // Order matters: blob tasks still queued submit to the writer, and the writer completes
    // every request it holds before its thread ends.
    blob_pool_.shutdown();
    writer_.reset();
    if (lock_fd_ >= 0) {
        ::close(lock_fd_);  // releases the shared lock
    }
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const StoreOptions& options)
{
    std::error_code ec;
    fs::create_directories(options.data_dir, ec);
    if (ec) {
        return unexpected(Errc::Io, "create " + options.data_dir.string() + ": " + ec.message());
    }
    fs::path db_path = options.data_dir / database_file_name;
    std::unique_ptr<SqliteStore> store(
        new SqliteStore(db_path, options.data_dir / blob_dir_name, options.blob_threads));
    HARBOR_TRY(store->blobs_.create_root());

    Result<std::unique_ptr<Connection>> db = Connection::open(db_path, OpenMode::ReadWrite);
    HARBOR_TRY(db);
    HARBOR_TRY(configure_connection(**db));
    HARBOR_TRY(apply_migrations(**db));

    // Every open store holds a shared lock on store.lock for its life. Sweeping needs it
    // exclusively: blob files of another process's appends in flight (the CLI next to a running
    // server) have no row yet either, and must not be swept.
    fs::path lock_path = options.data_dir / lock_file_name;
    store->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (store->lock_fd_ < 0) {
        return unexpected(Errc::Io, "open " + lock_path.string() + ": " + std::strerror(errno));
    }
    if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) == 0) {
        HARBOR_TRY(sweep_orphans(**db, store->blobs_));
    }
    HARBOR_TRY(reserve_placed_block(**db, store->blobs_));
    // Converting EX to SH is not atomic, but nothing of ours is in flight yet.
    if (::flock(store->lock_fd_, LOCK_SH) != 0) {
        return unexpected(Errc::Io, "flock " + lock_path.string() + ": " + std::strerror(errno));
    }

    SqliteStore* raw = store.get();

    store->writer_ = std::make_unique<WriteBatcher>(
        std::move(*db),
        [raw](Connection& writer_db, const std::vector<std::string>& released) {
            raw->delete_released_blobs(writer_db, released);
        },
        [raw](const std::vector<MailboxChange>& changes) { raw->notify_changes(changes); });
    store->writer_->start();
    return store;
}

SqliteStore::Reader::~Reader()
{
    if (db_ == nullptr) {
        return;
    }
    std::lock_guard lock(store_->readers_mutex_);
    auto& idle = store_->idle_readers_[static_cast<std::size_t>(size_)];
    if (idle.size() < max_idle_readers) {
        idle.push_back(std::move(db_));
    }
}

Result<SqliteStore::Reader> SqliteStore::reader(ReadSize size)
{
    {
        std::lock_guard lock(readers_mutex_);
        auto& idle = idle_readers_[static_cast<std::size_t>(size)];
        if (!idle.empty()) {
            std::unique_ptr<Connection> db = std::move(idle.back());
            idle.pop_back();
            return Reader(*this, std::move(db), size);
        }
    }
    Result<std::unique_ptr<Connection>> db = Connection::open(db_path_, OpenMode::ReadWrite);
    HARBOR_TRY(db);
    sqlite3_busy_timeout((*db)->handle(), busy_timeout_ms);
    // A reader never writes: query_only turns a stray write into an error, not a lock. Bulk
    // reads go through a memory map of the database file rather than a pread() per page
    // (ReadSize). Pages still in the WAL are read as before.
    HARBOR_TRY((*db)->exec("PRAGMA query_only = ON; PRAGMA foreign_keys = ON;"));
    if (size == ReadSize::Bulk) {
        HARBOR_TRY((*db)->exec("PRAGMA mmap_size = 1073741824;"));
    }
    return Reader(*this, std::move(*db), size);
}

void SqliteStore::delete_released_blobs(Connection& db, const std::vector<std::string>& released)
{
    // Under the write lock, a blob that has no row cannot gain one until the lock goes, and an
    // append that adds a row checks for the file under the same lock (append_metadata). That
    // holds across processes (the CLI and the server), which in-memory bookkeeping would not.
    for (const std::string& sha256 : released) {
        blob_cache_.forget(sha256);  // a read of it fails from now on, as without the cache
    }
    // A transaction that changes nothing commits without an fsync.
    if (Result<void> locked = db.exec("BEGIN IMMEDIATE"); !locked) {
        // The files stay; the sweep at the next exclusive open removes them.
        log::warn("store.blobs.delete_deferred", {{"error", locked.error().to_string()}});
        return;
    }
    for (const std::string& sha256 : released) {
        if (is_serial_blob_name(sha256)) {
            continue;  // inline only: its bytes went with its row
        }
        // A later request of the same batch may have stored the same bytes again.
        Result<Statement> stmt = db.prepare("SELECT 1 FROM blobs WHERE sha256 = ?");
        if (!stmt) {
            break;
        }
        Result<bool> present = stmt->bind(1, sha256).step();
        // Inline blobs with hash names have no file and the unlink finds none. It is still
        // tried rather than judged by size: a small blob stored before migration step 4 is a
        // file.
        if (present && !*present && !blobs_.remove(sha256)) {
            log::warn("store.blobs.delete_failed", {{"blob", sha256}});
        }
    }
    (void)db.exec("COMMIT");
}

void SqliteStore::set_change_listener(ChangeListener listener)
{
    std::shared_ptr<const ChangeListener> next;
    if (listener) {
        next = std::make_shared<const ChangeListener>(std::move(listener));
    }
    std::lock_guard lock(listener_mutex_);
    listener_ = std::move(next);
}

void SqliteStore::notify_changes(const std::vector<MailboxChange>& changes)
{
    std::shared_ptr<const ChangeListener> listener;
    {
        std::lock_guard lock(listener_mutex_);
        listener = listener_;
    }
    if (!listener) {
        return;
    }
    for (const MailboxChange& change : changes) {
        (*listener)(change.account, change.mailbox, change.highest_modseq);
    }
}

std::uint64_t SqliteStore::commit_count_for_test() const
{
    return writer_->commit_count();
}

}  // namespace harbor::store::sqlite
