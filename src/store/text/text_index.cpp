// The full-text index database: opening (and rebuilding), entries, watermarks, search. See
// text_index.hpp.
#include "store/text/text_index.hpp"

#include <algorithm>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "core/log.hpp"
#include "store/blob_store.hpp"
#include "store/text/boot_marker.hpp"
#include "store/text/summary_cache.hpp"
#include "store/text/text_index_reader.hpp"

namespace harbor::store::text {
namespace fs = std::filesystem;
using sqlite::Connection;
using sqlite::OpenMode;
using sqlite::ReadTransaction;
using sqlite::Statement;

namespace {

// PRAGMA user_version of the schema below; any other version is rebuilt, never migrated (the
// index is derived data).
constexpr std::int64_t schema_version = 3;
constexpr int busy_timeout_ms = 5000;
// Blob names per summaries() query: far below SQLite's default bound on parameters (32766).
constexpr std::size_t summary_query_blobs = 500;
constexpr std::size_t summary_cache_bytes = 64 << 20;

// blobs maps a blob to the integer key FTS5 rows need, and says whether its text is in fts
// (not when longer than max_indexed_text); summaries holds the BlobSummary of a blob under the
// same key (no row when it has none); mailboxes holds the watermarks; meta the extraction the
// text and summaries were made by.
constexpr std::string_view schema = R"sql(
CREATE TABLE blobs (
    id      INTEGER PRIMARY KEY,
    sha256  TEXT NOT NULL UNIQUE,
    in_fts  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX blobs_not_in_fts ON blobs (sha256) WHERE in_fts = 0;
CREATE VIRTUAL TABLE fts USING fts5(header, body, tokenize = 'trigram case_sensitive 1');
CREATE TABLE summaries (
    id              INTEGER PRIMARY KEY,
    header          BLOB,
    envelope        TEXT,
    body            TEXT,
    body_structure  TEXT,
    header_fields   INTEGER NOT NULL
);
CREATE TABLE mailboxes (
    id               INTEGER PRIMARY KEY,
    uidvalidity      INTEGER NOT NULL,
    indexed_through  INTEGER NOT NULL,
    listed_modseq    INTEGER NOT NULL
);
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// WAL: searches read while the indexer writes. synchronous=NORMAL until the index is opened
// for writing, when mark_open (boot_marker.hpp) turns fsyncs off altogether.
Result<void> configure(Connection& db)
{
    sqlite3_busy_timeout(db.handle(), busy_timeout_ms);
    Result<Statement> mode = db.prepare("PRAGMA journal_mode = WAL");
    HARBOR_TRY(mode);
    Result<bool> row = mode->step();
    HARBOR_TRY(row);
    if (!*row || mode->column_text(0) != "wal") {
        return unexpected(Errc::Io, "cannot switch the text index to WAL mode");
    }
    return db.exec("PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;");
}

Result<std::string> stored_extraction(Connection& db)
{
    Result<Statement> stmt = db.prepare("SELECT value FROM meta WHERE key = 'extraction'");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->step();
    HARBOR_TRY(row);
    return *row ? stmt->column_text(0) : std::string();
}

// The database at `file` if it is an index of this schema made by `extraction`; otherwise
// why not (a reason for the log), or Errc::NotFound for a file that is new and empty.
Result<std::unique_ptr<Connection>> open_existing(const fs::path& file, std::string_view extraction,
                                                  std::string_view boot)
{
    Result<std::unique_ptr<Connection>> db = Connection::open(file, OpenMode::ReadWrite);
    HARBOR_TRY(db);
    HARBOR_TRY(configure(**db));
    Result<std::int64_t> version = (*db)->query_int64("PRAGMA user_version");
    HARBOR_TRY(version);
    if (*version == 0) {
        Result<std::int64_t> objects = (*db)->query_int64("SELECT count(*) FROM sqlite_master");
        HARBOR_TRY(objects);
        if (*objects == 0) {
            HARBOR_TRY((*db)->exec(std::string("BEGIN IMMEDIATE;") + std::string(schema) +
                                   "PRAGMA user_version = " + std::to_string(schema_version) +
                                   ";COMMIT;"));
            Result<Statement> meta =
                (*db)->prepare("INSERT INTO meta (key, value) VALUES ('extraction', ?)");
            HARBOR_TRY(meta);
            HARBOR_TRY(meta->bind(1, extraction).run());
            return db;
        }
    }
    if (*version != schema_version) {
        return unexpected(Errc::Unsupported, "schema version " + std::to_string(*version));
    }
    Result<std::string> made_by = stored_extraction(**db);
    HARBOR_TRY(made_by);
    if (*made_by != extraction) {
        return unexpected(Errc::Unsupported, "made by extraction \"" + *made_by + "\"");
    }
    Result<bool> whole = survived_last_run(**db, boot);
    HARBOR_TRY(whole);
    if (!*whole) {
        return unexpected(Errc::Unsupported, "not closed before the machine restarted");
    }
    return db;
}

void remove_database_files(const fs::path& file)
{
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        fs::remove(fs::path(file.string() + suffix), ec);
    }
}

Statement& bind_optional(Statement& stmt, int index, const std::optional<std::string>& value)
{
    return value ? stmt.bind_blob(index, *value) : stmt.bind_null(index);
}

std::optional<std::string> optional_column(const Statement& stmt, int index)
{
    return stmt.column_is_null(index) ? std::nullopt
                                      : std::optional<std::string>(stmt.column_blob(index));
}

Result<void> insert_summary(Connection& db, std::int64_t id, const BlobSummary& summary)
{
    Result<Statement> stmt = db.prepare(
        "INSERT INTO summaries (id, header, envelope, body, body_structure, header_fields) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    HARBOR_TRY(stmt);
    stmt->bind(1, id);
    bind_optional(*stmt, 2, summary.header);
    bind_optional(*stmt, 3, summary.envelope);
    bind_optional(*stmt, 4, summary.body);
    bind_optional(*stmt, 5, summary.body_structure);
    stmt->bind(6, static_cast<std::int64_t>(
                      std::min<std::uint64_t>(summary.header_fields, INT64_MAX)));
    return stmt->run();
}

}  // namespace

TextIndex::TextIndex(fs::path file, std::string extraction, std::unique_ptr<Connection> writer)
    : file_(std::move(file)),
      extraction_(std::move(extraction)),
      writer_(std::move(writer)),
      summary_cache_(std::make_unique<SummaryCache>(summary_cache_bytes))
{
}

TextIndex::~TextIndex()
{
    std::lock_guard lock(writer_mutex_);
    if (Result<void> closed = mark_closed(*writer_, file_); !closed) {
        log::warn("text_index.close_failed", {{"error", closed.error().to_string()}});
    }
}

Result<std::unique_ptr<TextIndex>> TextIndex::open(const fs::path& file,
                                                   std::string_view extraction)
{
    return open(file, extraction, current_boot_id());
}

Result<std::unique_ptr<TextIndex>> TextIndex::open(const fs::path& file,
                                                   std::string_view extraction,
                                                   std::string_view boot)
{
    const bool existed = fs::exists(file);
    Result<std::unique_ptr<Connection>> db = open_existing(file, extraction, boot);
    if (!db) {
        log::warn("text_index.rebuild",
                  {{"file", file.string()}, {"reason", db.error().to_string()}});
        remove_database_files(file);
        db = open_existing(file, extraction, boot);
        HARBOR_TRY(db);
    } else if (!existed) {
        log::info("text_index.created", {{"file", file.string()}});
    }
    // FTS5 merges segments once `automerge` of them share a level (default 4). At 8 the
    // indexer spent 26% less CPU a message on 120,000 messages (bench_text_search), the file
    // kept its size and queries took within a few milliseconds of before.
    HARBOR_TRY((*db)->exec("INSERT INTO fts (fts, rank) VALUES ('automerge', 8)"));
    HARBOR_TRY(mark_open(**db, boot));
    return std::unique_ptr<TextIndex>(new TextIndex(file, std::string(extraction), std::move(*db)));
}

Result<TextIndex::Reader> TextIndex::reader()
{
    {
        std::lock_guard lock(readers_mutex_);
        if (!idle_readers_.empty()) {
            std::unique_ptr<Connection> db = std::move(idle_readers_.back());
            idle_readers_.pop_back();
            return Reader(*this, std::move(db));
        }
    }
    Result<std::unique_ptr<Connection>> db = Connection::open(file_, OpenMode::ReadWrite);
    HARBOR_TRY(db);
    sqlite3_busy_timeout((*db)->handle(), busy_timeout_ms);
    HARBOR_TRY((*db)->exec("PRAGMA query_only = ON;"));
    return Reader(*this, std::move(*db));
}

Result<void> TextIndex::add(std::span<const NewEntry> entries)
{
    for (const NewEntry& entry : entries) {
        if (!is_blob_name(entry.blob.sha256)) {
            return unexpected(Errc::Invalid, "bad blob name");
        }
        if (entry.text.header.find('\0') != std::string::npos ||
            entry.text.body.find('\0') != std::string::npos) {
            // The tokenizer would stop there: text after it would silently go unsearched.
            return unexpected(Errc::Invalid, "text with a NUL character");
        }
    }
    std::lock_guard lock(writer_mutex_);
    Connection& db = *writer_;
    HARBOR_TRY(db.exec("BEGIN IMMEDIATE"));
    auto insert_all = [&]() -> Result<void> {
        for (const NewEntry& entry : entries) {
            const bool in_fts = !is_too_long_to_index(entry.text);
            Result<Statement> blob = db.prepare(
                "INSERT INTO blobs (sha256, in_fts) VALUES (?, ?) ON CONFLICT DO NOTHING");
            HARBOR_TRY(blob);
            HARBOR_TRY(blob->bind(1, entry.blob.sha256).bind(2, in_fts ? 1 : 0).run());
            if (db.changes() == 0) {
                continue;  // indexed before: the text of one blob never changes
            }
            const std::int64_t id = db.last_insert_rowid();
            if (in_fts) {
                Result<Statement> text =
                    db.prepare("INSERT INTO fts (rowid, header, body) VALUES (?, ?, ?)");
                HARBOR_TRY(text);
                HARBOR_TRY(
                    text->bind(1, id).bind(2, entry.text.header).bind(3, entry.text.body).run());
            }
            if (!entry.text.summary.empty()) {
                HARBOR_TRY(insert_summary(db, id, entry.text.summary));
            }
        }
        return ok();
    };
    if (Result<void> inserted = insert_all(); !inserted) {
        (void)db.exec("ROLLBACK");
        return inserted;
    }
    return db.run("COMMIT");
}

Result<void> TextIndex::set_progress(MailboxId mailbox, const MailboxProgress& progress)
{
    std::lock_guard lock(writer_mutex_);
    Result<Statement> stmt = writer_->prepare(
        "INSERT OR REPLACE INTO mailboxes (id, uidvalidity, indexed_through, listed_modseq) "
        "VALUES (?, ?, ?, ?)");
    HARBOR_TRY(stmt);
    return stmt->bind(1, mailbox.value)
        .bind(2, static_cast<std::int64_t>(progress.uidvalidity))
        .bind(3, static_cast<std::int64_t>(progress.indexed_through))
        .bind(4, static_cast<std::int64_t>(progress.listed_modseq))
        .run();
}

Result<void> TextIndex::forget_mailbox(MailboxId mailbox)
{
    std::lock_guard lock(writer_mutex_);
    Result<Statement> stmt = writer_->prepare("DELETE FROM mailboxes WHERE id = ?");
    HARBOR_TRY(stmt);
    return stmt->bind(1, mailbox.value).run();
}

Result<void> TextIndex::remove(std::span<const std::int64_t> ids)
{
    std::lock_guard lock(writer_mutex_);
    Connection& db = *writer_;
    HARBOR_TRY(db.exec("BEGIN IMMEDIATE"));
    auto remove_all = [&]() -> Result<void> {
        for (const std::int64_t id : ids) {
            Result<Statement> text = db.prepare("DELETE FROM fts WHERE rowid = ?");
            HARBOR_TRY(text);
            HARBOR_TRY(text->bind(1, id).run());
            Result<Statement> summary = db.prepare("DELETE FROM summaries WHERE id = ?");
            HARBOR_TRY(summary);
            HARBOR_TRY(summary->bind(1, id).run());
            Result<Statement> blob = db.prepare("DELETE FROM blobs WHERE id = ?");
            HARBOR_TRY(blob);
            HARBOR_TRY(blob->bind(1, id).run());
        }
        return ok();
    };
    if (Result<void> removed = remove_all(); !removed) {
        (void)db.exec("ROLLBACK");
        return removed;
    }
    HARBOR_TRY(db.run("COMMIT"));
    summary_cache_->clear();  // pruning is rare; the ids name no blob to forget one by one
    return ok();
}

Result<std::vector<bool>> TextIndex::contains(std::span<const BlobId> blobs)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    std::vector<bool> found;
    found.reserve(blobs.size());
    for (const BlobId& blob : blobs) {
        Result<Statement> stmt = (*db)->prepare("SELECT 1 FROM blobs WHERE sha256 = ?");
        HARBOR_TRY(stmt);
        Result<bool> row = stmt->bind(1, blob.sha256).step();
        HARBOR_TRY(row);
        found.push_back(*row);
    }
    return found;
}

Result<std::vector<std::optional<BlobSummary>>> TextIndex::summaries(std::span<const BlobId> blobs,
                                                                    SummaryParts parts)
{
    std::vector<std::optional<BlobSummary>> out(blobs.size());
    const bool complete = parts == SummaryParts::All;
    const std::vector<std::size_t> missing = summary_cache_->fill(blobs, complete, out);
    if (missing.empty()) {
        return out;
    }
    // Copies in one batch often share a blob: each name is asked for once.
    std::unordered_map<std::string_view, std::vector<std::size_t>> positions;
    std::vector<std::string_view> names;
    for (const std::size_t i : missing) {
        auto [slot, inserted] = positions.try_emplace(blobs[i].sha256);
        if (inserted) {
            names.push_back(blobs[i].sha256);
        }
        slot->second.push_back(i);
    }
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    // One text for every query, built once: the connection caches statements by the address
    // of their text, so a string built per call was compiled anew each time (and its statement
    // kept). Places past the names in hand are bound to NULL, which IN never matches.
    const auto query_text = [](const char* columns) {
        std::string text = std::string("SELECT b.sha256, ") + columns +
                           " FROM blobs b CROSS JOIN summaries s ON s.id = b.id "
                           "WHERE b.sha256 IN (";
        for (std::size_t i = 0; i < summary_query_blobs; ++i) {
            text += i == 0 ? "?" : ",?";
        }
        return text + ")";
    };
    static const std::string all_sql =
        query_text("s.header, s.envelope, s.body, s.body_structure, s.header_fields");
    static const std::string header_sql = query_text("s.header, NULL, NULL, NULL, s.header_fields");
    const std::string& sql = parts == SummaryParts::All ? all_sql : header_sql;
    for (std::size_t start = 0; start < names.size(); start += summary_query_blobs) {
        const std::size_t end = std::min(names.size(), start + summary_query_blobs);
        Result<Statement> stmt = (*db)->prepare(sql.c_str());
        HARBOR_TRY(stmt);
        for (std::size_t i = 0; i < summary_query_blobs; ++i) {
            if (start + i < end) {
                stmt->bind(static_cast<int>(i + 1), names[start + i]);
            } else {
                stmt->bind_null(static_cast<int>(i + 1));
            }
        }
        for (;;) {
            Result<bool> row = stmt->step();
            HARBOR_TRY(row);
            if (!*row) {
                break;
            }
            const auto found = positions.find(stmt->column_text(0));
            if (found == positions.end()) {
                continue;
            }
            BlobSummary summary;
            summary.header = optional_column(*stmt, 1);
            summary.envelope = optional_column(*stmt, 2);
            summary.body = optional_column(*stmt, 3);
            summary.body_structure = optional_column(*stmt, 4);
            summary.header_fields = static_cast<std::uint64_t>(stmt->column_int64(5));
            const std::vector<std::size_t>& places = found->second;
            for (std::size_t k = 0; k + 1 < places.size(); ++k) {
                out[places[k]] = summary;
            }
            out[places.back()] = std::move(summary);  // most blobs are asked for once
        }
    }
    summary_cache_->remember(blobs, missing, out, complete);
    return out;
}

Result<std::optional<MailboxProgress>> TextIndex::progress(MailboxId mailbox)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare(
        "SELECT uidvalidity, indexed_through, listed_modseq FROM mailboxes WHERE id = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, mailbox.value).step();
    HARBOR_TRY(row);
    if (!*row) {
        return std::optional<MailboxProgress>();
    }
    return std::optional<MailboxProgress>(
        MailboxProgress{static_cast<std::uint32_t>(stmt->column_int64(0)),
                        static_cast<std::uint32_t>(stmt->column_int64(1)),
                        static_cast<std::uint64_t>(stmt->column_int64(2))});
}

Result<std::vector<MailboxId>> TextIndex::list_mailboxes()
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare("SELECT id FROM mailboxes ORDER BY id");
    HARBOR_TRY(stmt);
    std::vector<MailboxId> out;
    for (;;) {
        Result<bool> row = stmt->step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        out.push_back(MailboxId{stmt->column_int64(0)});
    }
}

Result<std::vector<IndexedBlob>> TextIndex::list_blobs(std::int64_t after_id, std::size_t limit)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt =
        (*db)->prepare("SELECT id, sha256 FROM blobs WHERE id > ? ORDER BY id LIMIT ?");
    HARBOR_TRY(stmt);
    stmt->bind(1, after_id).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(
                                        limit, static_cast<std::size_t>(INT64_MAX))));
    std::vector<IndexedBlob> out;
    for (;;) {
        Result<bool> row = stmt->step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        out.push_back(IndexedBlob{stmt->column_int64(0), BlobId{stmt->column_text(1)}});
    }
}

}  // namespace harbor::store::text
