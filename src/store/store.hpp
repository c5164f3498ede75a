// The storage interface (DESIGN.md "Storage"). Protocol sessions and the directory see a Store,
// never a database handle; only store/sqlite/ (and later store/postgres/) know SQL.
//
// Contract:
// - Every mutating call returns only once its effect is on stable storage (the commit is the
//   durability point). Concurrent writers are batched by the backend into one transaction and
//   one fsync (group commit); each caller resumes when its batch is durable.
// - The *_async forms call `done` from the writer thread once durable; they never block the
//   caller and are what coroutine sessions use (see store/awaitable.hpp).
// - Reads never wait for the writer.
// - Lookups are tri-state: a value, Errc::NotFound, or another Error (TempFail, Io, Internal).
// - A failed write changes nothing (each request runs in its own savepoint within the batch).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace harbor::store {

template <typename T>
using Done = std::function<void(Result<T>)>;

struct AccountChanges {
    std::optional<std::string> display_name;
    std::optional<Credentials> credentials;
    std::optional<Role> role;
    std::optional<Rights> rights;
    std::optional<std::uint64_t> quota_bytes;
    std::optional<bool> disabled;
};

struct AppendRequest {
    AccountId account;
    std::string mailbox;             // created if missing
    std::string_view bytes;          // the raw message; stored as a blob (once per content)
    std::vector<std::string> flags;
    std::int64_t internal_date = 0;
};

// A message body the caller already wrote to a file of its own and hashed while writing (the
// SMTP spool: never the whole message in memory). The store fsyncs the file and moves it into
// its blob files, or reads it when it is small enough to live inline; either way the caller's
// file is gone once `done` reports success.
struct SpooledBlob {
    std::filesystem::path file;
    std::string sha256;  // lower-case hex of the file's bytes
    std::uint64_t size = 0;
};

// One copy of a delivered message in one mailbox.
struct MailboxCopy {
    AccountId account;
    std::string mailbox = "INBOX";  // created if missing
    std::string prefix;             // see MessageRecord::prefix
    std::vector<std::string> flags;
};

// The part of a delivery that leaves this server (relayed by the outbound queue).
struct OutboundCopy {
    std::string envelope_from;
    std::string params;
    std::vector<QueuedRecipient> recipients;  // at least one
};

// One received message for all its recipients: a single blob, every mailbox copy and the queue
// entry committed together, so one durable commit covers the whole message (the 250 after
// DATA, RFC 5321 §4.1.1.4, promises exactly that).
struct DeliverRequest {
    std::string_view bytes;             // the message, unless `spooled` is set
    std::optional<SpooledBlob> spooled;
    std::int64_t internal_date = 0;
    std::vector<MailboxCopy> copies;
    std::optional<OutboundCopy> outbound;
};

struct DeliverResult {
    BlobId blob;
    // One per requested copy, in order. A copy can fail alone (Quota, NotFound for an account
    // removed since RCPT) while the others commit; the caller decides what to tell the sender.
    std::vector<Result<MessageRecord>> copies;
    std::optional<std::int64_t> queue_id;
};

class Store {
public:
    virtual ~Store() = default;

    // Directory. Names are given already normalised by the directory (A-label, lower case).
    virtual Result<Domain> create_domain(std::string_view name) = 0;
    virtual Result<std::vector<Domain>> list_domains() = 0;
    virtual Result<Domain> find_domain(std::string_view name) = 0;
    // Fails with Errc::Exists while the domain still has accounts, aliases or groups.
    virtual Result<void> remove_domain(std::string_view name) = 0;

    virtual Result<Account> create_account(const Account& account) = 0;
    // Case-insensitive match on the local part; domain exact (already an A-label).
    virtual Result<Account> find_account(std::string_view local_part, std::string_view domain) = 0;
    virtual Result<std::vector<Account>> list_accounts(std::string_view domain) = 0;  // "" = all
    virtual Result<Account> update_account(AccountId id, const AccountChanges& changes) = 0;
    virtual Result<void> remove_account(AccountId id) = 0;

    virtual Result<void> create_alias(const Alias& alias) = 0;
    virtual Result<std::vector<Alias>> find_aliases(std::string_view source) = 0;  // case-insens.
    virtual Result<std::vector<Alias>> list_aliases(std::string_view domain) = 0;
    virtual Result<void> remove_alias(const Alias& alias) = 0;

    virtual Result<void> create_group(std::string_view address) = 0;
    virtual Result<Group> find_group(std::string_view address) = 0;
    virtual Result<std::vector<Group>> list_groups(std::string_view domain) = 0;
    virtual Result<void> remove_group(std::string_view address) = 0;
    virtual Result<void> add_group_member(std::string_view group, std::string_view member) = 0;
    virtual Result<void> remove_group_member(std::string_view group, std::string_view member) = 0;

    // Mail. Appending makes the blob durable no later than the metadata that refers to it (the
    // embedded store: a small blob in the same commit, a large one as a file fsynced before).
    // append_async copies request.bytes before it returns, so the caller's buffer may go at once;
    // hashing and any blob write run on the store's own threads, never the caller's, and `done`
    // runs on a store thread (the writer, or a blob thread for a failure before the batch),
    // never inside append_async itself. Errors: Invalid (empty mailbox name, a flag with white
    // space), NotFound (no such account), Quota, Limit (UIDs exhausted), Io/TempFail (storage).
    // The mailbox is created if missing; uid = uidnext; uidnext and highestmodseq go up by one.
    virtual void append_async(AppendRequest request, Done<MessageRecord> done) = 0;
    // Blocks the calling thread until durable; not for io threads (use store/awaitable.hpp).
    Result<MessageRecord> append(AppendRequest request);
    // Errors that fail the whole request: Invalid (nothing to deliver, a bad mailbox name or
    // flag, a spooled file that does not match its size), Io/TempFail, and any error of the
    // outbound copy. Like append_async, `done` runs on a store thread, never inside the call;
    // `bytes` is copied (or the spooled file taken) before it returns.
    virtual void deliver_async(DeliverRequest request, Done<DeliverResult> done) = 0;
    // Blocks the calling thread until durable; not for io threads.
    Result<DeliverResult> deliver(DeliverRequest request);
    // Bytes of all messages the account holds (what its quota_bytes limits).
    virtual Result<std::uint64_t> used_bytes(AccountId account) = 0;
    // The outbound queue, oldest first (the CLI, the tests; the queue runner comes in issue 7).
    virtual Result<std::vector<QueuedMessage>> list_queue() = 0;
    // A stored copy as the client sees it: its prefix, then the blob.
    Result<std::string> read_message(const MessageRecord& record);

    virtual Result<std::vector<Mailbox>> list_mailboxes(AccountId account) = 0;
    virtual Result<std::vector<MessageRecord>> list_messages(MailboxId mailbox) = 0;
    virtual Result<void> expunge(MailboxId mailbox, std::uint32_t uid) = 0;

    // Blobs: content-addressed, reference-counted, removed with the last reference.
    virtual Result<std::string> read_blob(const BlobId& blob) = 0;
    virtual Result<std::uint64_t> blob_refcount(const BlobId& blob) = 0;

    // Test and benchmark hook: how many fsync-backed commits the writer has done.
    virtual std::uint64_t commit_count_for_test() const = 0;
};

struct StoreOptions {
    std::filesystem::path data_dir;   // the database and blobs live under here
    std::string backend = "sqlite";
    // Threads that hash and fsync blobs for appends; concurrent fsyncs let the filesystem
    // merge its journal commits, so more than the core count pays off.
    unsigned blob_threads = 32;
};

// Opens (creating and migrating as needed) the store named by options.backend.
Result<std::unique_ptr<Store>> open_store(const StoreOptions& options);

}  // namespace harbor::store
