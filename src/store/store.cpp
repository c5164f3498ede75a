// open_store() picks the backend named in StoreOptions; Store::append(), Store::deliver() and the
// other blocking forms wait for the async calls, for callers that own their thread (CLI, tests,
// benchmarks). The IMAP calls' defaults answer Errc::Unsupported for a Store without mail.
#include "store/store.hpp"

#include <future>
#include <memory>

#include <openssl/crypto.h>

#include "store/sqlite/sqlite_store.hpp"

namespace harbor::store {

void forget_credentials(Credentials& credentials)
{
    for (std::string* secret : {&credentials.password_hash, &credentials.scram_sha256}) {
        OPENSSL_cleanse(secret->data(), secret->size());
        std::string().swap(*secret);
    }
}

namespace {

// Runs `start(done)` and blocks until the store completes it. Shared: the writer may still be
// inside set_value() when this thread wakes up.
template <typename T, typename Start>
Result<T> wait_for(Start start)
{
    auto promise = std::make_shared<std::promise<Result<T>>>();
    std::future<Result<T>> future = promise->get_future();
    start([promise](Result<T> result) { promise->set_value(std::move(result)); });
    return future.get();
}

Unexpected unsupported(std::string_view what)
{
    return unexpected(Errc::Unsupported, std::string(what) + " is not supported by this store");
}

}  // namespace

Result<PlacedFile> Store::create_blob_file()
{
    return unsupported("create_blob_file");
}

Result<MessageRecord> Store::append(AppendRequest request)
{
    return wait_for<MessageRecord>([this, &request](Done<MessageRecord> done) {
        append_async(std::move(request), std::move(done));
    });
}

Result<std::vector<MessageRecord>> Store::append_all(std::vector<AppendRequest> requests)
{
    return wait_for<std::vector<MessageRecord>>(
        [this, &requests](Done<std::vector<MessageRecord>> done) {
            append_all_async(std::move(requests), std::move(done));
        });
}

Result<DeliverResult> Store::deliver(DeliverRequest request)
{
    return wait_for<DeliverResult>([this, &request](Done<DeliverResult> done) {
        deliver_async(std::move(request), std::move(done));
    });
}

Result<std::vector<QueuedMessage>> Store::due_queue_entries(std::int64_t, std::size_t)
{
    return unsupported("due_queue_entries");
}

Result<QueuedMessage> Store::find_queue_entry(std::int64_t)
{
    return unsupported("find_queue_entry");
}

Result<std::uint64_t> Store::count_queue()
{
    return unsupported("count_queue");
}

void Store::record_queue_attempt_async(QueueAttempt, Done<void> done)
{
    done(unsupported("record_queue_attempt"));
}

Result<void> Store::record_queue_attempt(QueueAttempt attempt)
{
    return wait_for<void>([this, &attempt](Done<void> done) {
        record_queue_attempt_async(std::move(attempt), std::move(done));
    });
}

void Store::change_queue_entry_async(std::int64_t, QueueAction, std::int64_t, Done<void> done)
{
    done(unsupported("change_queue_entry"));
}

Result<void> Store::change_queue_entry(std::int64_t id, QueueAction action, std::int64_t now)
{
    return wait_for<void>([this, id, action, now](Done<void> done) {
        change_queue_entry_async(id, action, now, std::move(done));
    });
}

Result<std::vector<Route>> Store::list_routes()
{
    return unsupported("list_routes");
}

Result<void> Store::put_route(const Route&)
{
    return unsupported("put_route");
}

Result<void> Store::remove_route(std::string_view)
{
    return unsupported("remove_route");
}

Result<std::vector<DkimKeyRecord>> Store::list_dkim_keys(std::string_view)
{
    return unsupported("list_dkim_keys");
}

Result<void> Store::add_dkim_key(const DkimKeyRecord&)
{
    return unsupported("add_dkim_key");
}

Result<void> Store::remove_dkim_key(std::string_view, std::string_view)
{
    return unsupported("remove_dkim_key");
}

Result<void> Store::activate_dkim_key(std::string_view, std::string_view)
{
    return unsupported("activate_dkim_key");
}

void Store::record_dmarc_result_async(DmarcResultRecord, Done<void> done)
{
    done(unsupported("record_dmarc_result"));
}

Result<void> Store::record_dmarc_result(DmarcResultRecord record)
{
    return wait_for<void>([this, &record](Done<void> done) {
        record_dmarc_result_async(std::move(record), std::move(done));
    });
}

Result<std::vector<DmarcResultRecord>> Store::list_dmarc_results(const DmarcResultFilter&)
{
    return unsupported("list_dmarc_results");
}

Result<std::uint64_t> Store::delete_dmarc_results_before(std::int64_t)
{
    return unsupported("delete_dmarc_results_before");
}

Result<std::vector<StsPolicyRecord>> Store::list_sts_policies(std::int64_t)
{
    return unsupported("list_sts_policies");
}

Result<void> Store::put_sts_policy(const StsPolicyRecord&)
{
    return unsupported("put_sts_policy");
}

Result<Mailbox> Store::find_mailbox(AccountId, std::string_view)
{
    return unsupported("find_mailbox");
}

Result<MailboxStatus> Store::mailbox_status(MailboxId)
{
    return unsupported("mailbox_status");
}

Result<std::vector<MessageRecord>> Store::list_changed_since(MailboxId, std::uint64_t)
{
    return unsupported("list_changed_since");
}

Result<std::vector<std::uint32_t>> Store::list_expunged_since(MailboxId, std::uint64_t)
{
    return unsupported("list_expunged_since");
}

Result<std::vector<std::string>> Store::list_subscriptions(AccountId)
{
    return unsupported("list_subscriptions");
}

void Store::create_mailbox_async(AccountId, std::string, std::string, Done<Mailbox> done)
{
    done(unsupported("create_mailbox"));
}

void Store::delete_mailbox_async(MailboxId, Done<void> done)
{
    done(unsupported("delete_mailbox"));
}

Result<std::vector<std::string>> Store::list_noselect_names(AccountId)
{
    return unsupported("list_noselect_names");
}

void Store::delete_noselect_name_async(AccountId, std::string, Done<void> done)
{
    done(unsupported("delete_noselect_name"));
}

void Store::rename_mailbox_async(AccountId, std::string, std::string, Done<Mailbox> done)
{
    done(unsupported("rename_mailbox"));
}

void Store::subscribe_async(AccountId, std::string, Done<void> done)
{
    done(unsupported("subscribe"));
}

void Store::unsubscribe_async(AccountId, std::string, Done<void> done)
{
    done(unsupported("unsubscribe"));
}

void Store::store_flags_async(StoreFlagsRequest, Done<StoreFlagsResult> done)
{
    done(unsupported("store_flags"));
}

void Store::expunge_async(MailboxId, UidSet, ExpungeScope, Done<ExpungeResult> done)
{
    done(unsupported("expunge_async"));
}

void Store::copy_async(MailboxId, UidSet, MailboxId, Done<CopyResult> done)
{
    done(unsupported("copy"));
}

void Store::move_async(MailboxId, UidSet, MailboxId, Done<CopyResult> done)
{
    done(unsupported("move"));
}

void Store::append_all_async(std::vector<AppendRequest>, Done<std::vector<MessageRecord>> done)
{
    done(unsupported("append_all"));
}

void Store::set_change_listener(ChangeListener) {}

Result<Mailbox> Store::create_mailbox(AccountId account, std::string name,
                                      std::string special_use)
{
    return wait_for<Mailbox>([&](Done<Mailbox> done) {
        create_mailbox_async(account, std::move(name), std::move(special_use), std::move(done));
    });
}

Result<void> Store::delete_mailbox(MailboxId mailbox)
{
    return wait_for<void>([&](Done<void> done) { delete_mailbox_async(mailbox, std::move(done)); });
}

Result<void> Store::delete_noselect_name(AccountId account, std::string name)
{
    return wait_for<void>([&](Done<void> done) {
        delete_noselect_name_async(account, std::move(name), std::move(done));
    });
}

Result<Mailbox> Store::rename_mailbox(AccountId account, std::string from, std::string to)
{
    return wait_for<Mailbox>([&](Done<Mailbox> done) {
        rename_mailbox_async(account, std::move(from), std::move(to), std::move(done));
    });
}

Result<void> Store::subscribe(AccountId account, std::string name)
{
    return wait_for<void>(
        [&](Done<void> done) { subscribe_async(account, std::move(name), std::move(done)); });
}

Result<void> Store::unsubscribe(AccountId account, std::string name)
{
    return wait_for<void>(
        [&](Done<void> done) { unsubscribe_async(account, std::move(name), std::move(done)); });
}

Result<StoreFlagsResult> Store::store_flags(StoreFlagsRequest request)
{
    return wait_for<StoreFlagsResult>([&](Done<StoreFlagsResult> done) {
        store_flags_async(std::move(request), std::move(done));
    });
}

Result<ExpungeResult> Store::expunge(MailboxId mailbox, UidSet uids, ExpungeScope scope)
{
    return wait_for<ExpungeResult>([&](Done<ExpungeResult> done) {
        expunge_async(mailbox, std::move(uids), scope, std::move(done));
    });
}

Result<CopyResult> Store::copy(MailboxId source, UidSet uids, MailboxId destination)
{
    return wait_for<CopyResult>([&](Done<CopyResult> done) {
        copy_async(source, std::move(uids), destination, std::move(done));
    });
}

Result<CopyResult> Store::move(MailboxId source, UidSet uids, MailboxId destination)
{
    return wait_for<CopyResult>([&](Done<CopyResult> done) {
        move_async(source, std::move(uids), destination, std::move(done));
    });
}

Result<std::string> Store::read_message(const MessageRecord& record)
{
    Result<std::string> blob = read_blob(record.blob);
    HARBOR_TRY(blob);
    if (record.prefix.empty()) {
        return blob;
    }
    return record.prefix.get() + *blob;
}

Result<std::string> Store::read_queued_message(const QueuedMessage& entry)
{
    Result<std::string> blob = read_blob(entry.blob);
    HARBOR_TRY(blob);
    if (entry.prefix.empty()) {
        return blob;
    }
    return entry.prefix + *blob;
}

std::vector<Result<std::string>> Store::read_messages(
    const std::vector<const MessageRecord*>& records, BlobUse use)
{
    std::vector<BlobId> blobs;
    blobs.reserve(records.size());
    for (const MessageRecord* record : records) {
        blobs.push_back(record->blob);
    }
    std::vector<Result<std::string>> out =
        use == BlobUse::Again ? read_blobs_kept(blobs) : read_blobs(blobs);
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] && !records[i]->prefix.empty()) {
            out[i]->insert(0, records[i]->prefix);
        }
    }
    return out;
}

std::vector<Result<std::string>> Store::read_blobs_kept(const std::vector<BlobId>& blobs)
{
    return read_blobs(blobs);
}

std::vector<Result<std::string>> Store::read_blobs_in_background(const std::vector<BlobId>& blobs)
{
    return read_blobs(blobs);
}

std::shared_ptr<const std::string> Store::cached_blob(const BlobId&)
{
    return nullptr;
}

std::vector<Result<std::string>> Store::read_blobs(const std::vector<BlobId>& blobs)
{
    std::vector<Result<std::string>> out;
    out.reserve(blobs.size());
    for (const BlobId& blob : blobs) {
        out.push_back(read_blob(blob));
    }
    return out;
}

Result<std::unique_ptr<Store>> open_store(const StoreOptions& options)
{
    if (options.backend != "sqlite") {
        return unexpected(Errc::Unsupported, "store backend " + options.backend);
    }
    // Library exceptions (std::filesystem, allocation) stop here (STYLE.md §10.4).
    try {
        Result<std::unique_ptr<sqlite::SqliteStore>> store = sqlite::SqliteStore::open(options);
        HARBOR_TRY(store);
        return std::unique_ptr<Store>(std::move(*store));
    } catch (const std::exception& e) {
        return unexpected(Errc::Internal, std::string("opening the store: ") + e.what());
    }
}

}  // namespace harbor::store
