// MULTIAPPEND in SQLite (RFC 3502 §6.3.11: "If the server fails to append any of the messages,
// then none of the messages are appended"). Large blobs are hashed and written to their files
// on a blob thread first, as SqliteStore::append_async (sqlite_mail.cpp) does for one message;
// then a single writer request inserts every blob (small ones inline under a serial name) and
// message row; the writer rolls its savepoint back at the first failure, so a
// message over quota, a missing mailbox or an exhausted UID range leaves nothing of the
// others. Being one request, the messages are also one commit, and no other write can take
// UIDs between them.
#include <memory>

#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store::sqlite {
namespace {

// One message of the call, carried from the caller to the blob thread to the writer.
struct PreparedMessage {
    AppendRequest request;  // its bytes view cleared: the caller's buffer may go at once
    std::shared_ptr<const std::string> bytes;
    std::string joined_flags;  // join_flags(request.flags), on the blob thread
    std::string sha256;        // a file blob's name; an inline one is named by the writer
};

// The blob thread's part for one message: what append_async does before it queues its write.
Result<void> prepare_message(PreparedMessage& message, BlobStore& blobs)
{
    Result<std::string> flags = join_flags(message.request.flags);
    HARBOR_TRY(flags);
    message.joined_flags = std::move(*flags);
    if (message.request.mailbox.empty()) {
        return unexpected(Errc::Invalid, "empty mailbox name");
    }
    Result<std::string> sha256 = write_file_blob(blobs, *message.bytes);
    HARBOR_TRY(sha256);
    message.sha256 = std::move(*sha256);
    return ok();
}

// The writer's part, inside the request's savepoint and the one append_all_async adds.
// insert_message() checks the quota against accounts.used_bytes, which the triggers raise with
// every row inserted here, so the later messages are measured against the running total.
Result<std::vector<MessageRecord>> insert_all(WriteContext& ctx, BlobStore& blobs,
                                              const std::vector<PreparedMessage>& messages)
{
    std::vector<MessageRecord> records;
    records.reserve(messages.size());
    for (const PreparedMessage& message : messages) {
        const AppendRequest& request = message.request;
        Result<std::string> blob =
            ensure_blob(ctx, blobs, message.sha256, message.bytes->size(), message.bytes.get());
        HARBOR_TRY(blob);
        const std::string& name = *blob;
        Result<MessageRecord> record = insert_message(
            ctx,
            NewMessage{request.account, request.mailbox, message.joined_flags, request.flags, name,
                       message.bytes->size(), request.internal_date, {}},
            request.if_missing);
        HARBOR_TRY(record);
        records.push_back(std::move(*record));
    }
    return records;
}

}  // namespace

void SqliteStore::append_all_async(std::vector<AppendRequest> requests,
                                   Done<std::vector<MessageRecord>> done)
{
    // Every request's bytes are a view into the caller's buffer: copy them before returning.
    auto messages = std::make_shared<std::vector<PreparedMessage>>();
    messages->reserve(requests.size());
    for (AppendRequest& request : requests) {
        PreparedMessage message;
        message.bytes = std::make_shared<const std::string>(request.bytes);
        request.bytes = {};
        message.request = std::move(request);
        messages->push_back(std::move(message));
    }
    // As in append_async: hashing and files of large blobs on a blob thread, never the caller's
    // (an io thread) nor the writer's; even a bad argument is reported from there, so `done`
    // never runs inside this call. A large blob written for a message before a later one
    // fails is an orphan file, which the next open sweeps (the same as a failed append_async).
    blob_pool_.post([this, messages, done = std::move(done)]() mutable {
        if (messages->empty()) {
            done(unexpected(Errc::Invalid, "no messages to append"));
            return;
        }
        for (PreparedMessage& message : *messages) {
            if (Result<void> prepared = prepare_message(message, blobs_); !prepared) {
                done(unexpected(std::move(prepared).error()));
                return;
            }
        }
        // The bytes stay with the request until it completes: small blobs are inserted by
        // ensure_blob(), large ones are there for the rare rewrite of a removed file.
        writer_->submit<std::vector<MessageRecord>>(
            [this, messages](WriteContext& ctx) -> Result<std::vector<MessageRecord>> {
                // A failure rolls back the request's own savepoint (write_batcher.hpp), every
                // message of the call with it, and reports no change.
                return insert_all(ctx, blobs_, *messages);
            },
            std::move(done));
    });
}

}  // namespace harbor::store::sqlite
