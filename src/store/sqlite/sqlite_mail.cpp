// Mail in SQLite: append (a large blob's file first, then metadata, with a small blob's bytes,
// in the writer's batch), mailbox and message listing, blob reads.
// UIDs and MODSEQs follow RFC 9051 §2.3.1.1 (uid = uidnext, strictly ascending) and RFC 7162
// §3.1 (each change raises highestmodseq).
#include <algorithm>
#include <chrono>
#include <limits>
#include <unordered_map>

#include "core/ascii.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

}  // namespace

Result<std::string> join_flags(const std::vector<std::string>& flags)
{
    std::string out;
    for (const std::string& flag : flags) {
        // Flags are IMAP atoms (RFC 9051 §9 flag-keyword); a space would break the stored form.
        if (flag.empty() || flag.find_first_of(" \t\r\n") != std::string::npos) {
            return unexpected(Errc::Invalid, "bad flag: " + flag);
        }
        if (!out.empty()) {
            out.push_back(' ');
        }
        // One spelling per system flag: the counters' triggers match "\Seen" exactly.
        out += canonical_flag(flag);
    }
    return out;
}

std::string_view canonical_flag(std::string_view flag)
{
    // RFC 9051 §2.3.2: system flags, whose names are case-insensitive like all atoms.
    static constexpr std::string_view system_flags[] = {"\\Seen", "\\Answered", "\\Flagged",
                                                        "\\Deleted", "\\Draft"};
    for (std::string_view system : system_flags) {
        if (iequals(flag, system)) {
            return system;
        }
    }
    return flag;
}

std::vector<std::string> split_flags(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        if (end > start) {
            out.push_back(text.substr(start, end - start));
        }
        start = end + 1;
    }
    return out;
}

Result<void> check_quota(Connection& db, AccountId account, std::uint64_t size)
{
    Result<Statement> stmt =
        db.prepare("SELECT quota_bytes, used_bytes FROM accounts WHERE id = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, account.value).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no account " + std::to_string(account.value));
    }
    auto quota = static_cast<std::uint64_t>(stmt->column_int64(0));
    // The counter the step 6 triggers keep (RFC 9208 §5.1 STORAGE): no sum over messages.
    auto used = static_cast<std::uint64_t>(stmt->column_int64(1));
    if (quota != 0 && used + size > quota) {
        return unexpected(Errc::Quota, "account " + std::to_string(account.value) + " over quota");
    }
    return ok();
}

namespace {

// A file blob whose row this request just inserted. Its file was written on a blob thread, but
// the last reference may have gone since and the file been deleted (delete_released_blobs), by
// this process or another one. Deletion happens only under the write lock held here, so
// checking now is final; rewriting is rare (and impossible for a spooled blob, whose bytes are
// not in memory: that request fails with TempFail).
Result<void> check_new_blob_file(BlobStore& blobs, const std::string& sha256,
                                 const std::string* bytes)
{
    if (blobs.exists(sha256)) {
        return ok();
    }
    if (bytes == nullptr) {
        return unexpected(Errc::TempFail, "blob " + sha256 + " was removed meanwhile; retry");
    }
    return blobs.write(sha256, *bytes);
}

// A serial is the larger of the last one handed out plus one and the time in microseconds:
// the time keeps names increasing even if the database is restored from an older copy while
// the derived full-text index keeps summaries of later names. The write transaction this runs
// in excludes every other writer, thread or process, until its commit.
Result<std::string> next_serial_blob_name(Connection& db)
{
    Result<Statement> last = db.prepare("SELECT last FROM blob_serial WHERE id = 0");
    HARBOR_TRY(last);
    Result<bool> row = last->step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::Internal, "blob_serial has no row");
    }
    const auto previous = static_cast<std::uint64_t>(last->column_int64(0));
    const auto now = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
    const std::uint64_t serial = std::max(previous + 1, now);
    Result<Statement> keep = db.prepare("UPDATE blob_serial SET last = ? WHERE id = 0");
    HARBOR_TRY(keep);
    HARBOR_TRY(keep->bind(1, static_cast<std::int64_t>(serial)).run());
    return serial_blob_name(serial);
}

// Small bytes go into blob_data in the request's savepoint: the batch's commit makes them
// durable with the row.
Result<std::string> insert_inline_blob(WriteContext& ctx, std::string_view bytes)
{
    if (bytes.size() > inline_blob_max) {
        return unexpected(Errc::Internal, "an inline blob over inline_blob_max");
    }
    Result<std::string> name = next_serial_blob_name(ctx.db);
    HARBOR_TRY(name);
    Result<Statement> blob =
        ctx.db.prepare("INSERT INTO blobs (sha256, size, refcount) VALUES (?, ?, 0)");
    HARBOR_TRY(blob);
    HARBOR_TRY(blob->bind(1, *name).bind(2, static_cast<std::int64_t>(bytes.size())).run());
    Result<Statement> data = ctx.db.prepare("INSERT INTO blob_data (sha256, bytes) VALUES (?, ?)");
    HARBOR_TRY(data);
    HARBOR_TRY(data->bind(1, *name).bind_blob(2, bytes).run());
    return name;
}

}  // namespace

Result<std::string> write_file_blob(BlobStore& blobs, const std::string& bytes)
{
    if (bytes.size() <= inline_blob_max) {
        return std::string();
    }
    Result<std::string> sha256 = sha256_hex(bytes);
    HARBOR_TRY(sha256);
    HARBOR_TRY(blobs.write(*sha256, bytes));
    return sha256;
}

Result<std::string> ensure_blob(WriteContext& ctx, BlobStore& blobs, const std::string& file_name,
                                std::uint64_t size, const std::string* bytes)
{
    if (file_name.empty()) {
        if (bytes == nullptr) {
            return unexpected(Errc::Internal, "inline blob without its bytes");
        }
        return insert_inline_blob(ctx, *bytes);
    }
    Result<Statement> blob = ctx.db.prepare(
        "INSERT INTO blobs (sha256, size, refcount) VALUES (?, ?, 0) "
        "ON CONFLICT (sha256) DO NOTHING");
    HARBOR_TRY(blob);
    HARBOR_TRY(blob->bind(1, file_name).bind(2, static_cast<std::int64_t>(size)).run());
    // An existing row already has its file: single-instance storage of large bodies.
    if (ctx.db.changes() == 1) {
        HARBOR_TRY(check_new_blob_file(blobs, file_name, bytes));
    }
    return file_name;
}

// Runs on the writer thread, inside the request's savepoint, after ensure_blob().
Result<MessageRecord> insert_message(WriteContext& ctx, const NewMessage& message,
                                     MissingMailbox if_missing)
{
    const std::uint64_t size = message.prefix.size() + message.blob_size;
    HARBOR_TRY(check_quota(ctx.db, message.account, size));
    const std::string name = canonical_mailbox_name(message.mailbox);
    Result<Statement> box = ctx.db.prepare(
        "SELECT id, uidnext, highestmodseq, uidvalidity FROM mailboxes "
        "WHERE account_id = ? AND name = ?");
    HARBOR_TRY(box);
    Result<bool> row = box->bind(1, message.account.value).bind(2, name).step();
    HARBOR_TRY(row);
    MessageRecord record;
    std::int64_t uid = 1;
    if (*row) {
        record.mailbox = MailboxId{box->column_int64(0)};
        uid = box->column_int64(1);
        record.modseq = static_cast<std::uint64_t>(box->column_int64(2)) + 1;
        record.uidvalidity = static_cast<std::uint32_t>(box->column_int64(3));
    } else if (if_missing == MissingMailbox::Fail) {
        // RFC 9051 §6.3.12: the session answers NO [TRYCREATE].
        return unexpected(Errc::NotFound, "no mailbox " + name);
    } else {
        HARBOR_TRY(check_mailbox_name(name));
        Result<Mailbox> created = insert_mailbox(ctx.db, message.account, name, "");
        HARBOR_TRY(created);
        record.mailbox = created->id;
        uid = created->uidnext;
        record.modseq = created->highest_modseq + 1;
        record.uidvalidity = created->uidvalidity;
    }
    if (uid >= max_uid) {
        return unexpected(Errc::Limit, "mailbox " + name + " ran out of UIDs");
    }
    record.uid = static_cast<std::uint32_t>(uid);
    record.blob = BlobId{std::string(message.sha256)};
    record.size = size;
    record.internal_date = message.internal_date;
    record.flags = split_flags(std::string(message.joined_flags));
    record.prefix = std::string(message.prefix);

    // The messages_take_blob trigger raises the blob's refcount; the step 6 triggers the
    // mailbox's counters and the account's used_bytes.
    Result<Statement> insert = ctx.db.prepare(
        "INSERT INTO messages (mailbox_id, uid, modseq, blob, size, internal_date, flags, "
        "prefix) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    HARBOR_TRY(insert);
    HARBOR_TRY(insert->bind(1, record.mailbox.value)
                   .bind(2, uid)
                   .bind(3, static_cast<std::int64_t>(record.modseq))
                   .bind(4, message.sha256)
                   .bind(5, static_cast<std::int64_t>(size))
                   .bind(6, record.internal_date)
                   .bind(7, message.joined_flags)
                   .bind_blob(8, message.prefix)
                   .run());
    Result<Statement> bump =
        ctx.db.prepare("UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?");
    HARBOR_TRY(bump);
    HARBOR_TRY(bump->bind(1, uid + 1)
                   .bind(2, static_cast<std::int64_t>(record.modseq))
                   .bind(3, record.mailbox.value)
                   .run());
    ctx.changes.push_back(MailboxChange{message.account, record.mailbox, record.modseq});
    return record;
}

Result<void> collect_released_blobs(WriteContext& context)
{
    Result<Statement> stmt =
        context.db.prepare("DELETE FROM blobs WHERE refcount = 0 RETURNING sha256");
    HARBOR_TRY(stmt);
    for (;;) {
        Result<bool> row = stmt->step();
        HARBOR_TRY(row);
        if (!*row) {
            return ok();
        }
        context.released_blobs.push_back(stmt->column_text(0));
    }
}

void SqliteStore::append_async(AppendRequest request, Done<MessageRecord> done)
{
    // request.bytes is a view into the caller's buffer: copy it before returning.
    auto bytes = std::make_shared<const std::string>(request.bytes);
    request.bytes = {};
    // A large blob is hashed and written to its file on a blob thread before the request is
    // queued to the writer. Not the caller's thread: async callers are io threads, which must
    // not block on hashing or fsync. Not the writer: it would serialise that work behind every
    // batch, while blob threads fsync in parallel and the filesystem merges their journal
    // commits. A small blob is not hashed at all: its bytes ride in the write request, get a
    // serial name there and are committed with the message row (inline_blob_max). Even a bad
    // argument is reported from the blob thread, so `done` never runs inside append_async().
    blob_pool_.post([this, request = std::move(request), bytes, done = std::move(done)]() mutable {
        Result<std::string> flags = join_flags(request.flags);
        if (!flags) {
            done(unexpected(std::move(flags).error()));
            return;
        }
        if (request.mailbox.empty()) {
            done(unexpected(Errc::Invalid, "empty mailbox name"));
            return;
        }
        // A file blob's name; an inline one is named by the writer.
        Result<std::string> file_name = write_file_blob(blobs_, *bytes);
        if (!file_name) {
            done(unexpected(std::move(file_name).error()));
            return;
        }
        // The bytes stay with the request until it completes: a small blob's are inserted by
        // ensure_blob(), a large one's are there for the rare rewrite of its file.
        writer_->submit<MessageRecord>(
            [this, request = std::move(request), flags = std::move(*flags),
             sha256 = std::move(*file_name), bytes](WriteContext& ctx) -> Result<MessageRecord> {
                Result<std::string> name =
                    ensure_blob(ctx, blobs_, sha256, bytes->size(), bytes.get());
                HARBOR_TRY(name);
                return insert_message(ctx,
                                      NewMessage{request.account, request.mailbox, flags,
                                                 request.flags, *name, bytes->size(),
                                                 request.internal_date, {}},
                                      request.if_missing);
            },
            std::move(done));
    });
}

Result<std::vector<Mailbox>> SqliteStore::list_mailboxes(AccountId account)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare(
        "SELECT id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use "
        "FROM mailboxes WHERE account_id = ? ORDER BY name");
    HARBOR_TRY(stmt);
    stmt->bind(1, account.value);
    std::vector<Mailbox> out;
    for (;;) {
        Result<bool> row = stmt->step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        Mailbox box;
        box.id = MailboxId{stmt->column_int64(0)};
        box.account = AccountId{stmt->column_int64(1)};
        box.name = stmt->column_text(2);
        box.uidvalidity = static_cast<std::uint32_t>(stmt->column_int64(3));
        box.uidnext = static_cast<std::uint32_t>(stmt->column_int64(4));
        box.highest_modseq = static_cast<std::uint64_t>(stmt->column_int64(5));
        box.special_use = stmt->column_text(6);
        out.push_back(std::move(box));
    }
}

Result<std::vector<MessageRecord>> SqliteStore::list_messages(MailboxId mailbox)
{
    Result<Reader> db = reader(ReadSize::Bulk);
    HARBOR_TRY(db);
    // One snapshot for the existence check and the rows.
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    Result<std::uint32_t> uidvalidity = mailbox_uidvalidity(**db, mailbox);
    HARBOR_TRY(uidvalidity);
    Result<Statement> stmt = (*db)->prepare(
        "SELECT mailbox_id, uid, modseq, blob, size, internal_date, flags, prefix FROM messages "
        "WHERE mailbox_id = ? ORDER BY uid");
    HARBOR_TRY(stmt);
    stmt->bind(1, mailbox.value);
    return read_message_rows(*stmt, *uidvalidity);
}

Result<std::uint32_t> mailbox_uidvalidity(Connection& db, MailboxId mailbox)
{
    Result<Statement> stmt = db.prepare("SELECT uidvalidity FROM mailboxes WHERE id = ?");
    HARBOR_TRY(stmt);
    Result<bool> found = stmt->bind(1, mailbox.value).step();
    HARBOR_TRY(found);
    if (!*found) {
        return unexpected(Errc::NotFound, "no mailbox " + std::to_string(mailbox.value));
    }
    return static_cast<std::uint32_t>(stmt->column_int64(0));
}

Result<std::vector<MessageRecord>> read_message_rows(Statement& stmt, std::uint32_t uidvalidity)
{
    std::vector<MessageRecord> out;
    // Records with the same flags or prefix share one copy (types.hpp, Shared): a mailbox has
    // few distinct ones, and a view of a large mailbox is mostly these records.
    std::unordered_map<std::string, FlagList> flag_lists;
    std::unordered_map<std::string, SharedText> prefixes;
    for (;;) {
        Result<bool> row = stmt.step();
        HARBOR_TRY(row);
        if (!*row) {
            return out;
        }
        MessageRecord record;
        record.mailbox = MailboxId{stmt.column_int64(0)};
        record.uid = static_cast<std::uint32_t>(stmt.column_int64(1));
        record.modseq = static_cast<std::uint64_t>(stmt.column_int64(2));
        record.blob = BlobId{stmt.column_text(3)};
        record.size = static_cast<std::uint64_t>(stmt.column_int64(4));
        record.internal_date = stmt.column_int64(5);
        std::string flags = stmt.column_text(6);
        auto [flag_list, new_flags] = flag_lists.try_emplace(std::move(flags));
        if (new_flags) {
            flag_list->second = split_flags(flag_list->first);
        }
        record.flags = flag_list->second;
        auto [prefix, new_prefix] = prefixes.try_emplace(stmt.column_blob(7));
        if (new_prefix) {
            prefix->second = prefix->first;
        }
        record.prefix = prefix->second;
        record.uidvalidity = uidvalidity;
        out.push_back(std::move(record));
    }
}

Result<void> SqliteStore::expunge(MailboxId mailbox, std::uint32_t uid)
{
    Result<ExpungeResult> expunged =
        expunge(mailbox, UidSet{UidRange{uid, uid}}, ExpungeScope::Listed);
    HARBOR_TRY(expunged);
    if (expunged->uids.empty()) {
        return unexpected(Errc::NotFound, "no message " + std::to_string(uid) + " in mailbox " +
                                              std::to_string(mailbox.value));
    }
    return ok();
}

// Inline first: most blobs are small. A blob with no inline bytes is a file, whether large or
// stored before migration step 4; a serial name is never a file.
Result<std::string> SqliteStore::read_blob_from(Connection& db, const BlobId& blob)
{
    if (!is_blob_name(blob.sha256)) {
        return unexpected(Errc::Invalid, "bad blob name");
    }
    Result<Statement> stmt = db.prepare("SELECT bytes FROM blob_data WHERE sha256 = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, blob.sha256).step();
    HARBOR_TRY(row);
    if (*row) {
        return stmt->column_blob(0);
    }
    if (is_serial_blob_name(blob.sha256)) {
        return unexpected(Errc::NotFound, "no blob " + blob.sha256);
    }
    return blobs_.read(blob.sha256);
}

Result<std::string> SqliteStore::read_blob(const BlobId& blob)
{
    // One row: a memory map would be dropped and made again by every read transaction that
    // finds the database changed, which is every one while mail flows in.
    Result<Reader> db = reader(ReadSize::Small);
    HARBOR_TRY(db);
    return read_blob_from(**db, blob);
}

std::vector<Result<std::string>> SqliteStore::read_blobs(const std::vector<BlobId>& blobs)
{
    return read_blobs_through(ReadSize::Bulk, blobs);
}

std::vector<Result<std::string>> SqliteStore::read_blobs_in_background(
    const std::vector<BlobId>& blobs)
{
    return read_blobs_through(ReadSize::Small, blobs);
}

std::vector<Result<std::string>> SqliteStore::read_blobs_through(ReadSize size,
                                                                 const std::vector<BlobId>& blobs)
{
    std::vector<Result<std::string>> out;
    out.reserve(blobs.size());
    Result<Reader> db = reader(size);
    Result<ReadTransaction> snapshot =
        db ? ReadTransaction::begin(**db) : Result<ReadTransaction>(unexpected(db.error()));
    for (const BlobId& blob : blobs) {
        out.push_back(snapshot ? read_blob_from(**db, blob)
                               : Result<std::string>(unexpected(snapshot.error())));
    }
    return out;
}

std::vector<Result<std::string>> SqliteStore::read_blobs_kept(const std::vector<BlobId>& blobs)
{
    std::vector<Result<std::string>> out(blobs.size(), Result<std::string>(std::string()));
    std::vector<BlobId> unread;
    std::vector<std::size_t> unread_at;
    for (std::size_t i = 0; i < blobs.size(); ++i) {
        if (std::shared_ptr<const std::string> kept = blob_cache_.find(blobs[i].sha256)) {
            out[i] = *kept;
        } else {
            unread.push_back(blobs[i]);
            unread_at.push_back(i);
        }
    }
    if (unread.empty()) {
        return out;
    }
    std::vector<Result<std::string>> read = read_blobs(unread);
    for (std::size_t j = 0; j < read.size(); ++j) {
        if (read[j] && blob_cache_.would_keep(read[j]->size())) {
            blob_cache_.keep(unread[j].sha256, std::make_shared<const std::string>(*read[j]));
        }
        out[unread_at[j]] = std::move(read[j]);
    }
    return out;
}

std::shared_ptr<const std::string> SqliteStore::cached_blob(const BlobId& blob)
{
    return blob_cache_.find(blob.sha256);
}

Result<std::uint64_t> SqliteStore::blob_refcount(const BlobId& blob)
{
    if (!is_blob_name(blob.sha256)) {
        return unexpected(Errc::Invalid, "bad blob name");
    }
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<Statement> stmt = (*db)->prepare("SELECT refcount FROM blobs WHERE sha256 = ?");
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->bind(1, blob.sha256).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no blob " + blob.sha256);
    }
    return static_cast<std::uint64_t>(stmt->column_int64(0));
}

}  // namespace harbor::store::sqlite
