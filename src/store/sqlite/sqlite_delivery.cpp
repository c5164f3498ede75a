// Delivery of one received message to all its recipients: one blob (from memory or adopted
// from the SMTP spool), a row per mailbox copy, the outbound queue entry and the DMARC result,
// in one request of the writer's batch, so a single durable commit covers the whole message.
// Each copy runs in a nested savepoint: one recipient over quota does not undo the others.
#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <iterator>

#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

// The bytes a small spooled blob needs for its inline row.
Result<std::string> read_small_file(const std::filesystem::path& file, std::uint64_t size)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return unexpected(Errc::Io, "open " + file.string());
    }
    std::string bytes(static_cast<std::size_t>(size), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uint64_t>(in.gcount()) != size || in.peek() != EOF) {
        return unexpected(Errc::Invalid, "spool file " + file.string() + " changed size");
    }
    return bytes;
}

Result<std::int64_t> insert_queue_entry(WriteContext& ctx, const OutboundCopy& outbound,
                                        const std::string& sha256)
{
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    Result<Statement> entry = ctx.db.prepare(
        "INSERT INTO queue (blob, envelope_from, params, created, next_attempt, prefix) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    HARBOR_TRY(entry);
    HARBOR_TRY(entry->bind(1, sha256)
                   .bind(2, outbound.envelope_from)
                   .bind(3, outbound.params)
                   .bind(4, now)
                   .bind(5, now)
                   .bind_blob(6, outbound.prefix)
                   .run());
    const std::int64_t id = ctx.db.last_insert_rowid();
    Result<Statement> recipient = ctx.db.prepare(
        "INSERT INTO queue_recipients (queue_id, position, address, params) VALUES (?, ?, ?, ?)");
    HARBOR_TRY(recipient);
    std::int64_t position = 0;
    for (const QueuedRecipient& r : outbound.recipients) {
        HARBOR_TRY(recipient->reset()
                       .bind(1, id)
                       .bind(2, position++)
                       .bind(3, r.address)
                       .bind(4, r.params)
                       .run());
    }
    return id;
}

}  // namespace

Result<void> check_deliver_request(const DeliverRequest& request, const BlobStore& blobs)
{
    if (request.copies.empty() && !request.outbound) {
        return unexpected(Errc::Invalid, "a delivery without copies or outbound recipients");
    }
    if (request.outbound && request.outbound->recipients.empty()) {
        return unexpected(Errc::Invalid, "an outbound copy without recipients");
    }
    for (const MailboxCopy& copy : request.copies) {
        if (copy.mailbox.empty()) {
            return unexpected(Errc::Invalid, "empty mailbox name");
        }
    }
    if (request.spooled) {
        // Only a file the store handed out, under its own name.
        if (!is_placed_blob_name(request.spooled->name) ||
            request.spooled->file != blobs.path_for(request.spooled->name)) {
            return unexpected(Errc::Invalid, "spool file " + request.spooled->file.string() +
                                                 " is not a placed blob file");
        }
        struct stat st {};
        if (::stat(request.spooled->file.c_str(), &st) != 0 ||
            static_cast<std::uint64_t>(st.st_size) != request.spooled->size) {
            return unexpected(Errc::Invalid, "spool file " + request.spooled->file.string() +
                                                 " missing or of another size");
        }
    }
    return ok();
}

Result<DeliverResult> write_delivery(WriteContext& ctx, BlobStore& blobs,
                                     const DeliverRequest& request,
                                     const std::vector<std::string>& joined_flags,
                                     const std::string& sha256, std::uint64_t size,
                                     const std::string* bytes)
{
    Result<std::string> blob = ensure_blob(ctx, blobs, sha256, size, bytes);
    HARBOR_TRY(blob);
    const std::string& name = *blob;
    DeliverResult result;
    result.blob = BlobId{name};
    for (std::size_t i = 0; i < request.copies.size(); ++i) {
        const MailboxCopy& copy = request.copies[i];
        HARBOR_TRY(ctx.db.run("SAVEPOINT copy"));
        Result<MessageRecord> record =
            insert_message(ctx, NewMessage{copy.account, copy.mailbox, joined_flags[i], copy.flags,
                                           name, size, request.internal_date, copy.prefix});
        if (!record) {
            HARBOR_TRY(ctx.db.run("ROLLBACK TO copy"));
        }
        HARBOR_TRY(ctx.db.run("RELEASE copy"));
        result.copies.push_back(std::move(record));
    }
    if (request.outbound) {
        Result<std::int64_t> id = insert_queue_entry(ctx, *request.outbound, name);
        HARBOR_TRY(id);
        result.queue_id = *id;
    }
    if (request.dmarc_result) {
        HARBOR_TRY(insert_dmarc_result(ctx, *request.dmarc_result));
    }
    // Every copy failed and nothing is queued: the new blob row goes again. Only
    // then: the sweep query was a tenth of a small message's delivery.
    bool referenced = result.queue_id.has_value();
    for (const Result<MessageRecord>& copy : result.copies) {
        referenced = referenced || copy.has_value();
    }
    if (!referenced) {
        HARBOR_TRY(collect_released_blobs(ctx));
    }
    return result;
}

void SqliteStore::deliver_async(DeliverRequest request, Done<DeliverResult> done)
{
    // The bytes are copied before returning; a spooled file is the caller's until adopted.
    std::shared_ptr<std::string> bytes;
    if (!request.spooled) {
        bytes = std::make_shared<std::string>(request.bytes);
    }
    request.bytes = {};
    auto prepare = [this, request = std::move(request), bytes, done = std::move(done)]() mutable {
        if (Result<void> checked = check_deliver_request(request, blobs_); !checked) {
            done(unexpected(std::move(checked).error()));
            return;
        }
        std::vector<std::string> joined;
        for (const MailboxCopy& copy : request.copies) {
            Result<std::string> flags = join_flags(copy.flags);
            if (!flags) {
                done(unexpected(std::move(flags).error()));
                return;
            }
            joined.push_back(std::move(*flags));
        }
        std::string sha256;  // a file blob's name; an inline blob is named by the writer
        std::uint64_t size = 0;
        std::optional<std::filesystem::path> spool_to_remove;  // a small one, after the commit
        if (request.spooled) {
            size = request.spooled->size;
            if (size <= inline_blob_max) {
                Result<std::string> small = read_small_file(request.spooled->file, size);
                if (!small) {
                    done(unexpected(std::move(small).error()));
                    return;
                }
                bytes = std::make_shared<std::string>(std::move(*small));
                spool_to_remove = request.spooled->file;
            } else {
                sha256 = request.spooled->name;
                if (Result<void> durable = blobs_.make_placed_durable(sha256); !durable) {
                    done(unexpected(std::move(durable).error()));
                    return;
                }
            }
        } else {
            size = bytes->size();
            Result<std::string> file_name = write_file_blob(blobs_, *bytes);
            if (!file_name) {
                done(unexpected(std::move(file_name).error()));
                return;
            }
            sha256 = std::move(*file_name);
        }
        auto finish = [done = std::move(done), spool_to_remove](Result<DeliverResult> result) {
            if (result && spool_to_remove) {
                std::error_code ignored;
                std::filesystem::remove(*spool_to_remove, ignored);
            }
            done(std::move(result));
        };
        writer_->submit<DeliverResult>(
            [this, request = std::move(request), joined = std::move(joined), sha256, size,
             bytes](WriteContext& ctx) -> Result<DeliverResult> {
                return write_delivery(ctx, blobs_, request, joined, sha256, size, bytes.get());
            },
            std::move(finish));
    };
    if (bytes && bytes->size() <= inline_blob_max) {
        // Nothing to block on: a small message is neither hashed nor written to a file here,
        // and a blob thread would only add a wake-up (a context switch per message).
        prepare();
    } else {
        blob_pool_.post(std::move(prepare));
    }
}

Result<std::uint64_t> SqliteStore::used_bytes(AccountId account)
{
    Result<Reader> db = reader();
    HARBOR_TRY(db);
    // Kept by the step 6 triggers: SMTP asks this for every RCPT to an account with a quota.
    Result<Statement> used = (*db)->prepare("SELECT used_bytes FROM accounts WHERE id = ?");
    HARBOR_TRY(used);
    Result<bool> row = used->bind(1, account.value).step();
    HARBOR_TRY(row);
    if (!*row) {
        return unexpected(Errc::NotFound, "no account " + std::to_string(account.value));
    }
    return static_cast<std::uint64_t>(used->column_int64(0));
}

}  // namespace harbor::store::sqlite
