// The outbound queue's reads and writes: entries as the CLI and the queue runner see them, an
// attempt's outcome recorded in the same commit as the notices it causes (a crash between the
// two would lose a bounce or send it twice), and the administrator's hold, release, retry and
// delete. An entry goes, with its reference to the blob, once no recipient is pending.
#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

constexpr std::string_view entry_columns =
    "SELECT q.id, q.blob, b.size, q.envelope_from, q.params, q.created, q.next_attempt, "
    "q.attempts, q.held, q.delay_warned, q.retry_requested, q.prefix "
    "FROM queue q JOIN blobs b ON b.sha256 = q.blob ";
// Built once: the statement cache knows a statement by the address of its text.
const std::string all_entries_sql = std::string(entry_columns) + "ORDER BY q.id";
const std::string due_entries_sql = std::string(entry_columns) +
                                    "WHERE q.held = 0 AND q.next_attempt <= ? "
                                    "ORDER BY q.next_attempt, q.id LIMIT ?";
const std::string one_entry_sql = std::string(entry_columns) + "WHERE q.id = ?";

// Entries selected with entry_columns, each with every recipient, in one snapshot.
Result<std::vector<QueuedMessage>> read_entries(Connection& db, Statement& entries)
{
    std::vector<QueuedMessage> out;
    for (;;) {
        Result<bool> row = entries.step();
        HARBOR_TRY(row);
        if (!*row) {
            break;
        }
        QueuedMessage message;
        message.id = entries.column_int64(0);
        message.blob = BlobId{entries.column_text(1)};
        message.size = static_cast<std::uint64_t>(entries.column_int64(2));
        message.envelope_from = entries.column_text(3);
        message.params = entries.column_text(4);
        message.created = entries.column_int64(5);
        message.next_attempt = entries.column_int64(6);
        message.attempts = static_cast<std::uint32_t>(entries.column_int64(7));
        message.held = entries.column_int64(8) != 0;
        message.delay_warned = entries.column_int64(9) != 0;
        message.retry_requested = entries.column_int64(10) != 0;
        message.prefix = entries.column_blob(11);
        message.size += message.prefix.size();
        out.push_back(std::move(message));
    }
    Result<Statement> recipients = db.prepare(
        "SELECT address, params, state, last_reply, remote FROM queue_recipients "
        "WHERE queue_id = ? ORDER BY position");
    HARBOR_TRY(recipients);
    for (QueuedMessage& message : out) {
        recipients->reset().bind(1, message.id);
        for (;;) {
            Result<bool> row = recipients->step();
            HARBOR_TRY(row);
            if (!*row) {
                break;
            }
            QueuedRecipient recipient;
            recipient.address = recipients->column_text(0);
            recipient.params = recipients->column_text(1);
            recipient.state = static_cast<RecipientState>(recipients->column_int64(2));
            recipient.last_reply = recipients->column_text(3);
            recipient.remote = recipients->column_text(4);
            message.recipients.push_back(std::move(recipient));
        }
    }
    return out;
}

// The notices' own checks, before the writer: each is a whole delivery of its own.
Result<std::vector<std::vector<std::string>>> check_notices(const QueueAttempt& attempt,
                                                            const BlobStore& blobs)
{
    std::vector<std::vector<std::string>> joined;
    for (const DeliverRequest& notice : attempt.notices) {
        if (notice.spooled || notice.bytes.size() > inline_blob_max) {
            return unexpected(Errc::Invalid, "a notice must be at most 64 KiB, in memory");
        }
        HARBOR_TRY(check_deliver_request(notice, blobs));
        std::vector<std::string>& flags = joined.emplace_back();
        for (const MailboxCopy& copy : notice.copies) {
            Result<std::string> joined_flags = join_flags(copy.flags);
            HARBOR_TRY(joined_flags);
            flags.push_back(std::move(*joined_flags));
        }
    }
    return joined;
}

// The number of recipients still pending in entry `id`; NotFound if there is no such entry.
Result<std::int64_t> pending_recipients(Connection& db, std::int64_t id)
{
    Result<Statement> entry = db.prepare(
        "SELECT count(r.queue_id) FROM queue q LEFT JOIN "
        "queue_recipients r ON r.queue_id = q.id AND r.state = 0 "
        "WHERE q.id = ? GROUP BY q.id");
    HARBOR_TRY(entry);
    Result<bool> row = entry->bind(1, id).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no queue entry " + std::to_string(id));
    }
    return entry->column_int64(0);
}

Result<void> delete_entry(WriteContext& ctx, std::int64_t id)
{
    Result<Statement> drop = ctx.db.prepare("DELETE FROM queue WHERE id = ?");
    HARBOR_TRY(drop);
    HARBOR_TRY(drop->bind(1, id).run());
    // The queue_release_blob trigger dropped the reference; the blob goes with its last one.
    return collect_released_blobs(ctx);
}

}  // namespace

Result<std::vector<QueuedMessage>> SqliteStore::list_queue()
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    Result<Statement> entries = (*db)->prepare(all_entries_sql.c_str());
    HARBOR_TRY(entries);
    return read_entries(**db, *entries);
}

Result<std::vector<QueuedMessage>> SqliteStore::due_queue_entries(std::int64_t now,
                                                                  std::size_t limit)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    Result<Statement> entries = (*db)->prepare(due_entries_sql.c_str());
    HARBOR_TRY(entries);
    entries->bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    return read_entries(**db, *entries);
}

Result<QueuedMessage> SqliteStore::find_queue_entry(std::int64_t id)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<ReadTransaction> snapshot = ReadTransaction::begin(**db);
    HARBOR_TRY(snapshot);
    Result<Statement> entries = (*db)->prepare(one_entry_sql.c_str());
    HARBOR_TRY(entries);
    entries->bind(1, id);
    Result<std::vector<QueuedMessage>> found = read_entries(**db, *entries);
    HARBOR_TRY(found);
    if (found->empty()) {
        return unexpected(Errc::NotFound, "no queue entry " + std::to_string(id));
    }
    return std::move(found->front());
}

Result<std::uint64_t> SqliteStore::count_queue()
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    Result<std::int64_t> entries = (*db)->query_int64("SELECT count(*) FROM queue");
    HARBOR_TRY(entries);
    return static_cast<std::uint64_t>(*entries);
}

void SqliteStore::record_queue_attempt_async(QueueAttempt attempt, Done<void> done)
{
    Result<std::vector<std::vector<std::string>>> joined = check_notices(attempt, blobs_);
    if (!joined) {
        done(unexpected(std::move(joined).error()));
        return;
    }
    // The notices' bytes are copied now: the caller's buffers may go before the writer runs.
    std::vector<std::string> bytes;
    for (DeliverRequest& notice : attempt.notices) {
        bytes.emplace_back(notice.bytes);
        notice.bytes = {};
    }
    writer_->submit<void>(
        [this, attempt = std::move(attempt), joined = std::move(*joined),
         bytes = std::move(bytes)](WriteContext& ctx) -> Result<void> {
            Result<std::int64_t> before = pending_recipients(ctx.db, attempt.id);
            HARBOR_TRY(before);
            Result<Statement> recipient = ctx.db.prepare(
                "UPDATE queue_recipients SET state = ?, last_reply = ?, remote = ? "
                "WHERE queue_id = ? AND position = ?");
            HARBOR_TRY(recipient);
            for (const QueueAttempt::Outcome& outcome : attempt.outcomes) {
                HARBOR_TRY(recipient->reset()
                               .bind(1, static_cast<std::int64_t>(outcome.state))
                               .bind(2, outcome.reply)
                               .bind(3, outcome.remote)
                               .bind(4, attempt.id)
                               .bind(5, static_cast<std::int64_t>(outcome.recipient))
                               .run());
                if (ctx.db.changes() != 1) {
                    return unexpected(Errc::Invalid, "queue entry " + std::to_string(attempt.id) +
                                                         " has no recipient " +
                                                         std::to_string(outcome.recipient));
                }
            }
            for (std::size_t i = 0; i < attempt.notices.size(); ++i) {
                HARBOR_TRY(write_delivery(ctx, blobs_, attempt.notices[i], joined[i], "",
                                          bytes[i].size(), &bytes[i]));
            }
            Result<std::int64_t> pending = pending_recipients(ctx.db, attempt.id);
            HARBOR_TRY(pending);
            if (*pending == 0) {
                return delete_entry(ctx, attempt.id);
            }
            Result<Statement> entry = ctx.db.prepare(
                "UPDATE queue SET attempts = attempts + ?, next_attempt = ?, "
                "delay_warned = delay_warned OR ?, retry_requested = 0 WHERE id = ?");
            HARBOR_TRY(entry);
            return entry->bind(1, static_cast<std::int64_t>(attempt.counts ? 1 : 0))
                .bind(2, attempt.next_attempt)
                .bind(3, static_cast<std::int64_t>(attempt.delay_warned))
                .bind(4, attempt.id)
                .run();
        },
        std::move(done));
}

void SqliteStore::change_queue_entry_async(std::int64_t id, QueueAction action, std::int64_t now,
                                           Done<void> done)
{
    writer_->submit<void>(
        [id, action, now](WriteContext& ctx) -> Result<void> {
            HARBOR_TRY(pending_recipients(ctx.db, id));  // NotFound
            if (action == QueueAction::Delete) {
                return delete_entry(ctx, id);
            }
            const char* sql = action == QueueAction::Hold      ? "UPDATE queue SET held = 1 "
                                                                 "WHERE id = ?1"
                              : action == QueueAction::Release ? "UPDATE queue SET held = 0 "
                                                                 "WHERE id = ?1"
                                                               : "UPDATE queue SET held = 0, "
                                                                 "next_attempt = ?2, "
                                                                 "retry_requested = 1 "
                                                                 "WHERE id = ?1";
            Result<Statement> update = ctx.db.prepare(sql);
            HARBOR_TRY(update);
            update->bind(1, id);
            if (action == QueueAction::RetryNow) {
                update->bind(2, now);
            }
            return update->run();
        },
        std::move(done));
}

}  // namespace harbor::store::sqlite
