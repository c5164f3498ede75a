// The embedded Store: SQLite (WAL, synchronous=FULL) for metadata and small message bodies,
// content-addressed files for large ones. One writer thread commits batches (write_batcher.hpp);
// reads use a pool of their own connections and never wait for it. Directory methods live in
// sqlite_directory.cpp, mail and blob methods in sqlite_mail.cpp, delivery in
// sqlite_delivery.cpp, mailbox management (CREATE, DELETE, RENAME, STATUS, subscriptions) in
// sqlite_mailboxes.cpp, message changes (STORE, EXPUNGE, COPY, MOVE, CONDSTORE/QRESYNC reads)
// in sqlite_messages.cpp, opening and plumbing in sqlite_store.cpp. The full-text index is a
// database of its own (store/text/).
#pragma once

#include <cstddef>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "store/blob_cache.hpp"
#include "store/blob_store.hpp"
#include "store/sqlite/statement.hpp"
#include "store/sqlite/write_batcher.hpp"
#include "store/store.hpp"
#include "store/task_pool.hpp"

namespace harbor::store::sqlite {

constexpr const char* database_file_name = "harbor.db";
constexpr const char* blob_dir_name = "blobs";
constexpr const char* lock_file_name = "store.lock";
constexpr int busy_timeout_ms = 5000;

// Blobs up to this size live in the database (table blob_data, migration step 4), inserted by
// the same request as their message row, so the batch's one WAL commit makes them durable. A
// blob file costs its own fsync, a directory fsync after the rename and one per new fan-out
// directory, which made a lone writer's append three to five times the price of a commit.
// Larger blobs stay files because inline bytes all pass through the one writer thread, twice
// (WAL, then checkpoint), while files are written by many blob threads in parallel. With 16 and
// 256 concurrent writers (bench_group_commit) inline bodies kept pace with files up to 64 KiB
// and fell to about half the throughput at 128 KiB and less at 200 KiB; a lone writer gained
// 3-5x at every size. 64 KiB holds most mail (text, HTML, small attachments) while large
// attachments, the bulk of stored bytes, stay out of the WAL, the database and its backups.
// The size of a content decides its place, so new copies of one blob id go the same way; small
// blobs filed by older versions stay files and are read from there.
constexpr std::size_t inline_blob_max = 64 * 1024;

// Applies the per-connection settings the store relies on (WAL, synchronous=FULL, foreign keys,
// busy timeout). Exposed for tests that build databases by hand.
Result<void> configure_connection(Connection& db);

// Deletes blob rows whose last reference went in this request, with their inline bytes (the
// blob_data cascade), and queues their files for deletion after the commit
// (WriteContext::released_blobs). Defined in sqlite_mail.cpp.
Result<void> collect_released_blobs(WriteContext& context);

// Shared by the write paths of sqlite_mail.cpp and sqlite_delivery.cpp (writer thread, inside
// a request's savepoint).
// Flags as stored: space-separated IMAP atoms; Invalid for an empty flag or one with space.
Result<std::string> join_flags(const std::vector<std::string>& flags);
// The blob row for a new message's bytes (refcount 0 until a row refers to it), and the
// blob's name. `file_name` empty: `bytes`, at most inline_blob_max, go inline under a fresh
// serial name (blob_store.hpp). Otherwise a file blob's name (its hash, or a placed name),
// whose file was made durable before; its row is inserted if new.
Result<std::string> ensure_blob(WriteContext& ctx, BlobStore& blobs, const std::string& file_name,
                                std::uint64_t size, const std::string* bytes);
// Delivery (sqlite_delivery.cpp), shared with the queue's notices (sqlite_queue.cpp).
// Invalid for nothing to deliver, an outbound copy without recipients, an empty mailbox name,
// a spooled file that is not a placed blob file of `blobs`, is missing or of another size.
Result<void> check_deliver_request(const DeliverRequest& request, const BlobStore& blobs);
// The writer's part of a delivery: the blob row (ensure_blob's arguments), a row per copy
// (each in its own savepoint: one over quota fails alone), the queue entry.
Result<DeliverResult> write_delivery(WriteContext& ctx, BlobStore& blobs,
                                     const DeliverRequest& request,
                                     const std::vector<std::string>& joined_flags,
                                     const std::string& sha256, std::uint64_t size,
                                     const std::string* bytes);
// A DMARC result's rows (sqlite_dmarc_results.cpp), inside the caller's write request.
Result<void> insert_dmarc_result(WriteContext& ctx, const DmarcResultRecord& record);
// The part before the writer, on a blob thread: bytes over inline_blob_max are hashed and
// written to their file, and the hash is the `file_name` for ensure_blob(); smaller ones give
// "" (they go inline).
Result<std::string> write_file_blob(BlobStore& blobs, const std::string& bytes);
struct NewMessage {
    AccountId account;
    std::string_view mailbox;
    std::string_view joined_flags;  // join_flags(flags)
    const std::vector<std::string>& flags;
    std::string_view sha256;
    std::uint64_t blob_size = 0;
    std::int64_t internal_date = 0;
    std::string_view prefix;
};
// A message row in its mailbox (created if missing, unless `if_missing` says Fail): quota, next
// UID, modseq; records the change for the listener.
Result<MessageRecord> insert_message(WriteContext& ctx, const NewMessage& message,
                                     MissingMailbox if_missing = MissingMailbox::Create);
// Flags as a list: the stored form split on spaces.
std::vector<std::string> split_flags(const std::string& text);
// A system flag in its one stored spelling ("\seen" -> "\Seen"); keywords as they are.
std::string_view canonical_flag(std::string_view flag);
// The mailbox's UIDVALIDITY; NotFound for no such mailbox.
Result<std::uint32_t> mailbox_uidvalidity(Connection& db, MailboxId mailbox);
// Message rows selected as (mailbox_id, uid, modseq, blob, size, internal_date, flags, prefix).
Result<std::vector<MessageRecord>> read_message_rows(Statement& stmt, std::uint32_t uidvalidity);
// Errc::Quota unless `size` more bytes fit the account's quota (accounts.used_bytes);
// NotFound for no such account.
Result<void> check_quota(Connection& db, AccountId account, std::uint64_t size);

// Mailbox names (sqlite_mailboxes.cpp). Any case of "INBOX" is INBOX (RFC 9051 §5.1).
std::string canonical_mailbox_name(std::string_view name);
// Invalid for a name the store does not hold: empty, too long, a control character, a
// leading, trailing or doubled '/'.
Result<void> check_mailbox_name(std::string_view name);
constexpr std::size_t max_mailbox_name = 1000;  // bytes of UTF-8
// A new mailbox row (no parents), with a UIDVALIDITY above every earlier one of the account.
Result<Mailbox> insert_mailbox(Connection& db, AccountId account, std::string_view name,
                               std::string_view special_use);
// \Noselect names left by DELETE (sqlite_noselect_names.cpp, RFC 9051 §6.3.5).
// Whether `name` is one.
Result<bool> is_noselect_name(Connection& db, AccountId account, std::string_view name);
// Whether any mailbox or \Noselect name lies below `name` ("a/b" below "a").
Result<bool> has_inferior_names(Connection& db, AccountId account, std::string_view name);
// Keeps `name` as a \Noselect name (no error if it already is one).
Result<void> keep_noselect_name(Connection& db, AccountId account, std::string_view name);
// `name` is a mailbox again (CREATE): it is no longer a \Noselect name.
Result<void> forget_noselect_name(Connection& db, AccountId account, std::string_view name);
// RENAME: the \Noselect names below `from` move below `to` ("from/x" becomes "to/x").
Result<void> move_noselect_names(Connection& db, AccountId account, std::string_view from,
                                 std::string_view to);
// The first column of `sql` (one parameter: the account id), row by row: names of one account.
Result<std::vector<std::string>> read_account_names(Connection& db, const char* sql,
                                                    AccountId account);
// INBOX and the RFC 6154 special-use mailboxes every new account starts with, subscribed.
Result<void> create_default_mailboxes(Connection& db, AccountId account);

class SqliteStore final : public Store {
public:
    static Result<std::unique_ptr<SqliteStore>> open(const StoreOptions& options);
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;
    // Completes every queued write (durably) before returning.
    ~SqliteStore() override;

    Result<Domain> create_domain(std::string_view name) override;
    Result<std::vector<Domain>> list_domains() override;
    Result<Domain> find_domain(std::string_view name) override;
    Result<void> remove_domain(std::string_view name) override;

    Result<Account> create_account(const Account& account) override;
    Result<Account> find_account(std::string_view local_part, std::string_view domain) override;
    Result<std::vector<Account>> list_accounts(std::string_view domain) override;
    Result<Account> update_account(AccountId id, const AccountChanges& changes) override;
    Result<void> remove_account(AccountId id) override;

    Result<void> create_alias(const Alias& alias) override;
    Result<std::vector<Alias>> find_aliases(std::string_view source) override;
    Result<std::vector<Alias>> list_aliases(std::string_view domain) override;
    Result<void> remove_alias(const Alias& alias) override;

    Result<void> create_group(std::string_view address) override;
    Result<Group> find_group(std::string_view address) override;
    Result<std::vector<Group>> list_groups(std::string_view domain) override;
    Result<void> remove_group(std::string_view address) override;
    Result<void> add_group_member(std::string_view group, std::string_view member) override;
    Result<void> remove_group_member(std::string_view group, std::string_view member) override;

    void append_async(AppendRequest request, Done<MessageRecord> done) override;
    // MULTIAPPEND, in sqlite_append_all.cpp.
    void append_all_async(std::vector<AppendRequest> requests,
                          Done<std::vector<MessageRecord>> done) override;
    void deliver_async(DeliverRequest request, Done<DeliverResult> done) override;
    // The queue (sqlite_queue.cpp).
    Result<std::vector<QueuedMessage>> list_queue() override;
    Result<std::vector<QueuedMessage>> due_queue_entries(std::int64_t now,
                                                         std::size_t limit) override;
    Result<QueuedMessage> find_queue_entry(std::int64_t id) override;
    Result<std::uint64_t> count_queue() override;
    void record_queue_attempt_async(QueueAttempt attempt, Done<void> done) override;
    void change_queue_entry_async(std::int64_t id, QueueAction action, std::int64_t now,
                                  Done<void> done) override;
    // Routes (sqlite_routes.cpp).
    Result<std::vector<Route>> list_routes() override;
    Result<void> put_route(const Route& route) override;
    Result<void> remove_route(std::string_view domain) override;
    // MTA-STS policies (sqlite_sts_policies.cpp).
    Result<std::vector<StsPolicyRecord>> list_sts_policies(std::int64_t now) override;
    Result<void> put_sts_policy(const StsPolicyRecord& record) override;
    // DKIM signing keys (sqlite_dkim_keys.cpp).
    Result<std::vector<DkimKeyRecord>> list_dkim_keys(std::string_view domain) override;
    Result<void> add_dkim_key(const DkimKeyRecord& key) override;
    Result<void> remove_dkim_key(std::string_view domain, std::string_view selector) override;
    Result<void> activate_dkim_key(std::string_view domain, std::string_view selector) override;
    // DMARC results for aggregate reports (sqlite_dmarc_results.cpp).
    void record_dmarc_result_async(DmarcResultRecord record, Done<void> done) override;
    Result<std::vector<DmarcResultRecord>> list_dmarc_results(
        const DmarcResultFilter& filter) override;
    Result<std::uint64_t> delete_dmarc_results_before(std::int64_t time) override;
    Result<std::uint64_t> used_bytes(AccountId account) override;
    Result<std::vector<Mailbox>> list_mailboxes(AccountId account) override;
    Result<std::vector<MessageRecord>> list_messages(MailboxId mailbox) override;
    using Store::expunge;  // the blocking form of expunge_async beside the override below
    Result<void> expunge(MailboxId mailbox, std::uint32_t uid) override;

    Result<Mailbox> find_mailbox(AccountId account, std::string_view name) override;
    Result<MailboxStatus> mailbox_status(MailboxId mailbox) override;
    Result<std::vector<MessageRecord>> list_changed_since(MailboxId mailbox,
                                                          std::uint64_t modseq) override;
    Result<std::vector<std::uint32_t>> list_expunged_since(MailboxId mailbox,
                                                           std::uint64_t modseq) override;
    Result<std::vector<std::string>> list_subscriptions(AccountId account) override;
    void create_mailbox_async(AccountId account, std::string name, std::string special_use,
                              Done<Mailbox> done) override;
    void delete_mailbox_async(MailboxId mailbox, Done<void> done) override;
    Result<std::vector<std::string>> list_noselect_names(AccountId account) override;
    void delete_noselect_name_async(AccountId account, std::string name, Done<void> done) override;
    void rename_mailbox_async(AccountId account, std::string from, std::string to,
                              Done<Mailbox> done) override;
    void subscribe_async(AccountId account, std::string name, Done<void> done) override;
    void unsubscribe_async(AccountId account, std::string name, Done<void> done) override;
    void store_flags_async(StoreFlagsRequest request, Done<StoreFlagsResult> done) override;
    void expunge_async(MailboxId mailbox, UidSet uids, ExpungeScope scope,
                       Done<ExpungeResult> done) override;
    void copy_async(MailboxId source, UidSet uids, MailboxId destination,
                    Done<CopyResult> done) override;
    void move_async(MailboxId source, UidSet uids, MailboxId destination,
                    Done<CopyResult> done) override;
    void set_change_listener(ChangeListener listener) override;

    Result<std::string> read_blob(const BlobId& blob) override;
    Result<PlacedFile> create_blob_file() override { return blobs_.create_placed(); }
    std::vector<Result<std::string>> read_blobs(const std::vector<BlobId>& blobs) override;
    std::vector<Result<std::string>> read_blobs_kept(const std::vector<BlobId>& blobs) override;
    std::vector<Result<std::string>> read_blobs_in_background(
        const std::vector<BlobId>& blobs) override;
    std::shared_ptr<const std::string> cached_blob(const BlobId& blob) override;
    Result<std::uint64_t> blob_refcount(const BlobId& blob) override;

    std::uint64_t commit_count_for_test() const override;

private:
    // What a read transaction does, which decides the connection it gets. Bulk readers map the
    // database file: reading thousands of rows or message bodies from the map beats copying
    // each page into the connection's cache. Small ones do not: SQLite drops the map at the
    // start of every read transaction that finds the database changed (pager.c,
    // pagerBeginReadTransaction), so while mail flows in each mapped lookup paid an munmap and
    // an mmap of the whole file, with a TLB shoot-down on every core (a fifth of an RCPT).
    enum class ReadSize { Small, Bulk };

    // A reader connection borrowed from the pool; goes back on destruction.
    class Reader {
    public:
        Reader(SqliteStore& store, std::unique_ptr<Connection> db, ReadSize size)
            : store_(&store), db_(std::move(db)), size_(size)
        {
        }
        Reader(Reader&& other) noexcept = default;
        Reader(const Reader&) = delete;
        Reader& operator=(const Reader&) = delete;
        Reader& operator=(Reader&&) = delete;
        ~Reader();
        Connection& operator*() { return *db_; }
        Connection* operator->() { return db_.get(); }

    private:
        SqliteStore* store_;
        std::unique_ptr<Connection> db_;
        ReadSize size_;
    };

    SqliteStore(std::filesystem::path db_path, std::filesystem::path blob_root,
                unsigned blob_threads);
    Result<Reader> reader(ReadSize size = ReadSize::Small);
    std::vector<Result<std::string>> read_blobs_through(ReadSize size,
                                                        const std::vector<BlobId>& blobs);
    // read_blob on a reader the caller holds (inside its snapshot).
    Result<std::string> read_blob_from(Connection& db, const BlobId& blob);

    // Queues work on the writer and blocks until its batch is durable.
    template <typename T>
    Result<T> write(std::function<Result<T>(WriteContext&)> work)
    {
        auto promise = std::make_shared<std::promise<Result<T>>>();
        std::future<Result<T>> future = promise->get_future();
        writer_->submit<T>(std::move(work),
                           [promise](Result<T> result) { promise->set_value(std::move(result)); });
        return future.get();
    }

    // The writer's after-commit step: delete files of blobs whose last reference went, under
    // the database write lock. Inline blobs are already gone with the commit.
    void delete_released_blobs(Connection& db, const std::vector<std::string>& released);
    // The writer's after-commit step for mailboxes that changed: the change listener.
    void notify_changes(const std::vector<MailboxChange>& changes);

    std::filesystem::path db_path_;
    BlobStore blobs_;
    // 64 MiB of messages up to 256 KiB each: some thousands of the messages last fetched.
    BlobCache blob_cache_{64 << 20, 256 << 10};
    int lock_fd_ = -1;  // shared flock on store.lock while open
    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<Connection>> idle_readers_[2];  // by ReadSize
    std::mutex listener_mutex_;
    std::shared_ptr<const ChangeListener> listener_;  // copied out under the mutex per call
    std::unique_ptr<WriteBatcher> writer_;
    TaskPool blob_pool_;  // declared last: destroyed first, it feeds writer_
};

}  // namespace harbor::store::sqlite
