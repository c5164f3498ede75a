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
#include <limits>
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

// What append does when the named mailbox does not exist.
enum class MissingMailbox {
    Create,  // SMTP delivery, the CLI: the mailbox is made
    Fail,    // IMAP APPEND: Errc::NotFound, which the session answers with [TRYCREATE]
             // (RFC 9051 §6.3.12)
};

struct AppendRequest {
    AccountId account;
    std::string mailbox;             // see if_missing; any case of "INBOX" is INBOX
    std::string_view bytes;          // the raw message; stored as a blob (once per content)
    std::vector<std::string> flags;
    std::int64_t internal_date = 0;
    MissingMailbox if_missing = MissingMailbox::Create;
};

// A message body the caller wrote into a file the store gave it (Store::create_blob_file; the
// SMTP spool: never the whole message in memory). The store makes the file durable where it is,
// or reads it when it is small enough to live inline (the file then goes once `done` reports
// success). Until then the file is the caller's to remove if the message is not delivered.
struct SpooledBlob {
    std::filesystem::path file;
    std::string name;  // the PlacedFile's name
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
    // Header lines only the relayed copy has, sent before the shared blob: the
    // Authentication-Results field a gateway hands to the server behind it (RFC 8601 §5).
    // See QueuedMessage::prefix.
    std::string prefix{};
};

// One DKIM signature's result in an aggregate report row (RFC 7489 Appendix C,
// DKIMAuthResultType).
struct DmarcDkimResult {
    std::string domain;    // d=; empty when the signature did not parse
    std::string selector;  // s=
    std::string result;    // "none", "pass", "fail", "policy", "neutral", "temperror", "permerror"
    friend bool operator==(const DmarcDkimResult&, const DmarcDkimResult&) = default;
};

// What DMARC found for one received message, kept for the aggregate report to the policy
// domain (RFC 7489 §7.2; the fields are those of Appendix C's policy_published and record).
// Plain text in the report's own spelling, so that the store knows nothing of auth/.
struct DmarcResultRecord {
    std::int64_t received = 0;  // Unix seconds
    // policy_published: the record as found at _dmarc.<policy_domain> (RFC 7489 §6.6.3).
    std::string policy_domain;
    std::vector<std::string> rua;  // rua= URIs as published ("mailto:a@b.example!10m")
    std::string policy;            // p=: "none", "quarantine", "reject"
    std::string subdomain_policy;  // sp= as published; empty when the record has none
    std::string adkim = "r";       // "r" or "s"
    std::string aspf = "r";        // "r" or "s"
    std::uint32_t pct = 100;       // 0-100
    std::string fo = "0";          // fo= as published
    // row, identifiers and auth_results.
    std::string source_ip;            // the SMTP client's address
    std::string header_from;          // the RFC5322.From domain
    std::string envelope_from;        // the SPF-checked domain: MAIL FROM, or HELO for <>
    std::string spf_scope = "mfrom";  // "mfrom" or "helo" (RFC 7208 §2.4)
    // "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"
    std::string spf_result;
    std::vector<DmarcDkimResult> dkim;  // one per signature, top down
    // policy_evaluated.
    bool spf_aligned = false;   // SPF passed for an aligned domain (RFC 7489 §3.1.2)
    bool dkim_aligned = false;  // a signature passed for an aligned d= (RFC 7489 §3.1.1)
    // The DMARC result: "none", "pass", "fail", "temperror", "permerror".
    std::string result;
    std::string requested;     // the policy for the From domain: p=, or sp= for a subdomain
    std::string disposition;   // what was done: "none", "quarantine", "reject"
    bool sampled_out = false;  // pct= kept `requested` from applying (reason "sampled_out")
    friend bool operator==(const DmarcResultRecord&, const DmarcResultRecord&) = default;
};

// Which recorded DMARC results list_dmarc_results returns.
struct DmarcResultFilter {
    std::string policy_domain;  // "" for every domain
    std::int64_t since = 0;     // received >= since (Unix seconds)
    std::int64_t until = std::numeric_limits<std::int64_t>::max();  // received < until
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
    // Recorded in the same commit as the copies and the queue entry (an accepted message costs
    // no commit of its own), even when every copy fails; gone with the request if it fails.
    std::optional<DmarcResultRecord> dmarc_result;
};

struct DeliverResult {
    BlobId blob;
    // One per requested copy, in order. A copy can fail alone (Quota, NotFound for an account
    // removed since RCPT) while the others commit; the caller decides what to tell the sender.
    std::vector<Result<MessageRecord>> copies;
    std::optional<std::int64_t> queue_id;
};

// What one delivery attempt of a queue entry found, recorded in one commit together with the
// notices it causes, so that a crash can neither lose a bounce nor send one twice.
struct QueueAttempt {
    struct Outcome {
        std::size_t recipient = 0;  // index into QueuedMessage::recipients
        RecipientState state = RecipientState::Pending;
        std::string reply;   // QueuedRecipient::last_reply
        std::string remote;  // QueuedRecipient::remote
    };
    std::int64_t id = 0;
    std::vector<Outcome> outcomes;  // recipients the attempt learnt something about
    std::int64_t next_attempt = 0;  // when those still pending are due again (Unix seconds)
    bool delay_warned = false;      // a delay notice is among `notices`: warn once only
    // Whether this record adds one to the entry's attempts: an entry with recipients at several
    // domains is one attempt per round, however many destinations record their part.
    bool counts = true;
    // Delivery status notifications (RFC 3464) to deliver with it: generated messages of at most
    // 64 KiB (the embedded store keeps them inline), to local mailboxes or the queue.
    std::vector<DeliverRequest> notices;
};

// STORE's three forms (RFC 9051 §6.4.6): FLAGS, +FLAGS, -FLAGS.
enum class FlagMode { Replace, Add, Remove };

struct StoreFlagsRequest {
    MailboxId mailbox;
    UidSet uids;
    FlagMode mode = FlagMode::Add;
    std::vector<std::string> flags;  // system flags (any case) and keywords; no \Recent
    // RFC 7162 §3.1.3 UNCHANGEDSINCE: a message whose modseq is above this is left alone and
    // reported in `modified`.
    std::optional<std::uint64_t> unchanged_since;
};

// One message STORE matched, after the change.
struct FlagUpdate {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 0;
    std::vector<std::string> flags;
    bool changed = false;  // false: the flags already were so; its modseq did not move
};

struct StoreFlagsResult {
    std::vector<FlagUpdate> updated;      // every existing uid in the set, ascending
    std::vector<std::uint32_t> modified;  // failed UNCHANGEDSINCE: [MODIFIED] (§3.1.3)
    std::uint64_t highest_modseq = 0;     // the mailbox's, after the request
};

// Which of the named messages an expunge removes.
enum class ExpungeScope {
    Listed,         // all of them: MOVE (RFC 6851 §3.3)
    DeletedOnly,    // those with \Deleted: EXPUNGE (RFC 9051 §6.4.3), UID EXPUNGE (RFC 4315 §2.1)
};

struct ExpungeResult {
    std::vector<std::uint32_t> uids;    // ascending
    std::uint64_t highest_modseq = 0;   // the mailbox's, after the request
};

struct UidPair {
    std::uint32_t source = 0;
    std::uint32_t copy = 0;
    friend bool operator==(const UidPair&, const UidPair&) = default;
};

// COPY and MOVE: the COPYUID response code (RFC 4315 §3) is built from this.
struct CopyResult {
    std::uint32_t uidvalidity = 0;       // the destination's
    std::vector<UidPair> uids;           // ascending by source uid
    std::uint64_t highest_modseq = 0;    // the destination's, after the request
    std::uint64_t source_highest_modseq = 0;  // MOVE: the source's, after the expunge
};

// Called on the writer thread after each commit, once for each mailbox the batch changed
// (appends, SMTP deliveries, flags, expunges, copies, moves, renames; a deleted mailbox with
// highest_modseq 0). It must not block: it runs before the batch's callers hear of their
// commit, so it should only post to the sessions' executors (IDLE, RFC 2177; RFC 9051 §7).
using ChangeListener =
    std::function<void(AccountId account, MailboxId mailbox, std::uint64_t highest_modseq)>;

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
    // The mailbox is created if missing (unless request.if_missing says Fail: then NotFound);
    // uid = uidnext; uidnext and highestmodseq go up by one; the record carries uidvalidity.
    virtual void append_async(AppendRequest request, Done<MessageRecord> done) = 0;
    // Blocks the calling thread until durable; not for io threads (use store/awaitable.hpp).
    Result<MessageRecord> append(AppendRequest request);
    // MULTIAPPEND (RFC 3502 §6.3.11): every request in one write request, all or none. The
    // first that fails (the errors of append_async; Quota counts the messages before it in
    // the same call) rolls back the others and is the result. Records come in the order
    // given; messages for one mailbox get consecutive UIDs, since nothing else writes in
    // between. Bytes are copied and `done` runs as for append_async. Invalid for no requests.
    // The default answers Errc::Unsupported.
    virtual void append_all_async(std::vector<AppendRequest> requests,
                                  Done<std::vector<MessageRecord>> done);
    // Blocks the calling thread until durable; not for io threads.
    Result<std::vector<MessageRecord>> append_all(std::vector<AppendRequest> requests);
    // Errors that fail the whole request: Invalid (nothing to deliver, a bad mailbox name or
    // flag, a spooled file that does not match its size), Io/TempFail, and any error of the
    // outbound copy. Like append_async, `done` runs on a store thread, never inside the call;
    // `bytes` is copied (or the spooled file taken) before it returns.
    virtual void deliver_async(DeliverRequest request, Done<DeliverResult> done) = 0;
    // Blocks the calling thread until durable; not for io threads.
    Result<DeliverResult> deliver(DeliverRequest request);
    // Bytes of all messages the account holds (what its quota_bytes limits); a counter, not a
    // sum. NotFound for no such account.
    virtual Result<std::uint64_t> used_bytes(AccountId account) = 0;
    // The outbound queue, oldest first, every recipient with its state.
    virtual Result<std::vector<QueuedMessage>> list_queue() = 0;
    // The queue runner's reads and writes (issue 7). Defaults answer Errc::Unsupported.
    // Entries not held with a recipient pending and next_attempt <= now, soonest first.
    virtual Result<std::vector<QueuedMessage>> due_queue_entries(std::int64_t now,
                                                                 std::size_t limit);
    virtual Result<QueuedMessage> find_queue_entry(std::int64_t id);  // NotFound
    // The number of entries (held ones too), without reading them: the metrics gauge.
    virtual Result<std::uint64_t> count_queue();
    // Records an attempt and delivers its notices, durably, in one commit. The entry goes
    // (its blob released) once no recipient is pending. Errors: NotFound (the entry was
    // deleted meanwhile: nothing is recorded and no notice sent), Invalid (an outcome beyond
    // the recipients, a notice over 64 KiB or without copies and outbound recipients). The
    // notices' bytes are copied before it returns.
    virtual void record_queue_attempt_async(QueueAttempt attempt, Done<void> done);
    Result<void> record_queue_attempt(QueueAttempt attempt);
    // Hold keeps an entry from being attempted, Release undoes that, RetryNow makes it due at
    // `now`, Delete drops it without a notice. NotFound.
    virtual void change_queue_entry_async(std::int64_t id, QueueAction action, std::int64_t now,
                                          Done<void> done);
    Result<void> change_queue_entry(std::int64_t id, QueueAction action, std::int64_t now);
    // Routes (`harbor route`), by domain. put_route adds or replaces; remove_route gives
    // NotFound. Defaults answer Errc::Unsupported.
    virtual Result<std::vector<Route>> list_routes();
    virtual Result<void> put_route(const Route& route);
    virtual Result<void> remove_route(std::string_view domain);
    // MTA-STS policies (RFC 8461 §5.1), one per domain: those not expired at `now`; put adds
    // or replaces one and drops the expired. Defaults answer Errc::Unsupported.
    virtual Result<std::vector<StsPolicyRecord>> list_sts_policies(std::int64_t now);
    virtual Result<void> put_sts_policy(const StsPolicyRecord& record);
    // DKIM signing keys (`harbor dkim`) of `domain`, or of every domain for "", by domain then
    // creation. add_dkim_key adds one (Errc::Exists for a selector the domain has); when it is
    // active the domain's other keys stop being active. remove_dkim_key gives NotFound.
    // Defaults answer Errc::Unsupported.
    virtual Result<std::vector<DkimKeyRecord>> list_dkim_keys(std::string_view domain);
    virtual Result<void> add_dkim_key(const DkimKeyRecord& key);
    virtual Result<void> remove_dkim_key(std::string_view domain, std::string_view selector);
    // Makes that key the domain's one active key. NotFound.
    virtual Result<void> activate_dkim_key(std::string_view domain, std::string_view selector);
    // DMARC results for aggregate reports (RFC 7489 §7.2). record_dmarc_result_async keeps one
    // in a write request of its own: for a message that was refused (an accepted one brings
    // its result in DeliverRequest::dmarc_result). Errors: Io/TempFail. list_dmarc_results
    // gives those the filter matches, oldest first. delete_dmarc_results_before drops those
    // received before `time` (expiry) and gives how many went. Defaults answer
    // Errc::Unsupported.
    virtual void record_dmarc_result_async(DmarcResultRecord record, Done<void> done);
    Result<void> record_dmarc_result(DmarcResultRecord record);
    virtual Result<std::vector<DmarcResultRecord>> list_dmarc_results(
        const DmarcResultFilter& filter);
    virtual Result<std::uint64_t> delete_dmarc_results_before(std::int64_t time);
    // A stored copy as the client sees it: its prefix, then the blob.
    Result<std::string> read_message(const MessageRecord& record);
    // A queue entry's message as the queue sends it: its prefix, then the blob.
    Result<std::string> read_queued_message(const QueuedMessage& entry);
    // read_message for several copies, from one snapshot (read_blobs). Results in the order
    // given. BlobUse::Again also keeps each blob read in memory (read_blobs_kept): for FETCH,
    // whose messages are the ones read again; not for a search that reads them all.
    enum class BlobUse { Once, Again };
    std::vector<Result<std::string>> read_messages(const std::vector<const MessageRecord*>& records,
                                                   BlobUse use = BlobUse::Once);

    virtual Result<std::vector<Mailbox>> list_mailboxes(AccountId account) = 0;
    virtual Result<std::vector<MessageRecord>> list_messages(MailboxId mailbox) = 0;
    // Removes one message whatever its flags, leaving a QRESYNC tombstone (see expunge_async).
    virtual Result<void> expunge(MailboxId mailbox, std::uint32_t uid) = 0;

    // ---- IMAP (RFC 9051, CONDSTORE/QRESYNC RFC 7162, UIDPLUS RFC 4315, MOVE RFC 6851) ----
    // The mailbox calls below are virtual with a default that answers Errc::Unsupported, so
    // a Store that has no mail (the directory's test double) need not implement them.
    // Writes follow the contract above: *_async completes on a store thread once durable; the
    // blocking forms are for threads of the caller's own. Names are UTF-8 with '/' as the
    // hierarchy separator; any case of "INBOX" names INBOX (RFC 9051 §5.1).

    // Exact name; NotFound if there is none.
    virtual Result<Mailbox> find_mailbox(AccountId account, std::string_view name);
    // From counters kept by the database: O(1) however large the mailbox. NotFound.
    virtual Result<MailboxStatus> mailbox_status(MailboxId mailbox);
    // Messages whose modseq is above `modseq`, ascending by uid (CHANGEDSINCE, RFC 7162 §3.1.4).
    virtual Result<std::vector<MessageRecord>> list_changed_since(MailboxId mailbox,
                                                                  std::uint64_t modseq);
    // UIDs expunged at a modseq above `modseq`, ascending (VANISHED, RFC 7162 §3.2.5, §3.2.10).
    virtual Result<std::vector<std::uint32_t>> list_expunged_since(MailboxId mailbox,
                                                                   std::uint64_t modseq);
    // Subscribed names, sorted; a name need not exist (RFC 9051 §6.3.7).
    virtual Result<std::vector<std::string>> list_subscriptions(AccountId account);

    // CREATE (RFC 9051 §6.3.4) with an optional special-use (RFC 6154 §5.3, "" for none).
    // Missing superior names are created too ("a/b/c" makes "a" and "a/b"). Errors: Exists,
    // Invalid (bad name: empty, a leading, trailing or doubled '/', a control character, too
    // long; an unknown special-use), NotFound (no account).
    virtual void create_mailbox_async(AccountId account, std::string name,
                                      std::string special_use, Done<Mailbox> done);
    Result<Mailbox> create_mailbox(AccountId account, std::string name,
                                   std::string special_use = {});
    // DELETE (RFC 9051 §6.3.5): the mailbox, its messages (their blobs released) and its
    // tombstones go; inferior names and subscriptions stay. A mailbox with inferiors leaves
    // its name behind as a \Noselect name (list_noselect_names) until that is deleted too.
    // The store does not refuse INBOX: that is the session's call. NotFound.
    virtual void delete_mailbox_async(MailboxId mailbox, Done<void> done);
    Result<void> delete_mailbox(MailboxId mailbox);
    // The \Noselect names a DELETE left behind (RFC 9051 §6.3.5), sorted. They are no
    // mailboxes: find_mailbox does not find them. CREATE of such a name makes it a mailbox
    // again; RENAME moves those below the renamed mailbox along.
    virtual Result<std::vector<std::string>> list_noselect_names(AccountId account);
    // DELETE of a \Noselect name. Errors: Permission while any name is below it (§6.3.5: "It
    // is an error to attempt to delete a name that has inferior hierarchical names and also
    // has the \Noselect attribute"), NotFound if it is not such a name.
    virtual void delete_noselect_name_async(AccountId account, std::string name, Done<void> done);
    Result<void> delete_noselect_name(AccountId account, std::string name);
    // RENAME (RFC 9051 §6.3.6): inferior names move along ("a/b" with "a") and so do their
    // subscriptions. Each renamed mailbox gets a new UIDVALIDITY: its new name may have been
    // used before, and (name, uidvalidity, uid) must never point at another message (§2.3.1.1).
    // Renaming INBOX creates `to` (new UIDVALIDITY), moves every INBOX message there and
    // leaves INBOX empty, with its inferiors where they are. A \Noselect name (DELETE kept it
    // for its inferiors) moves with them. Returns the mailbox now named `to` (for a \Noselect
    // name: id 0, only the name). Errors: NotFound (`from`), Exists (`to` or a name it would move
    // onto), Invalid (a bad name, or `to` inside `from`).
    virtual void rename_mailbox_async(AccountId account, std::string from, std::string to,
                                      Done<Mailbox> done);
    Result<Mailbox> rename_mailbox(AccountId account, std::string from, std::string to);
    // SUBSCRIBE / UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8). Subscribing twice is not an error;
    // unsubscribing a name not subscribed is NotFound.
    virtual void subscribe_async(AccountId account, std::string name, Done<void> done);
    Result<void> subscribe(AccountId account, std::string name);
    virtual void unsubscribe_async(AccountId account, std::string name, Done<void> done);
    Result<void> unsubscribe(AccountId account, std::string name);

    // STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3). Each message whose flags change gets its own
    // new modseq (highest_modseq + 1, + 2, ...); one that would not change keeps its modseq.
    // UIDs that do not exist are skipped. Errors: NotFound (mailbox), Invalid (a flag that is
    // not an atom, \Recent or another unknown \flag).
    virtual void store_flags_async(StoreFlagsRequest request, Done<StoreFlagsResult> done);
    Result<StoreFlagsResult> store_flags(StoreFlagsRequest request);
    // EXPUNGE, UID EXPUNGE (scope DeletedOnly; all_uids() for plain EXPUNGE) and the expunge
    // half of MOVE (Listed). Each removed message leaves a tombstone with a new modseq.
    virtual void expunge_async(MailboxId mailbox, UidSet uids, ExpungeScope scope,
                               Done<ExpungeResult> done);
    Result<ExpungeResult> expunge(MailboxId mailbox, UidSet uids, ExpungeScope scope);
    // COPY (RFC 9051 §6.4.7, COPYUID RFC 4315 §3): flags and internal date go along; the blob
    // is shared, not copied. The whole copy fits the destination account's quota or nothing is
    // copied (Errc::Quota). An empty result when no uid exists. Errors: NotFound (either
    // mailbox), Quota, Limit (destination UIDs exhausted).
    virtual void copy_async(MailboxId source, UidSet uids, MailboxId destination,
                            Done<CopyResult> done);
    Result<CopyResult> copy(MailboxId source, UidSet uids, MailboxId destination);
    // MOVE (RFC 6851 §3.3): the copy and the expunge of the originals in one transaction.
    virtual void move_async(MailboxId source, UidSet uids, MailboxId destination,
                            Done<CopyResult> done);
    Result<CopyResult> move(MailboxId source, UidSet uids, MailboxId destination);

    // Replaces the listener (an empty function removes it); see ChangeListener.
    virtual void set_change_listener(ChangeListener listener);

    // Blobs: content-addressed, reference-counted, removed with the last reference.
    virtual Result<std::string> read_blob(const BlobId& blob) = 0;
    // A file for a message body written as it arrives, delivered later as a SpooledBlob. Blocks
    // for a directory creation once in 4,096 calls (SQLite); the default answers Unsupported.
    virtual Result<PlacedFile> create_blob_file();
    // read_blob for several blobs, from one snapshot (SQLite: one read transaction for all,
    // where read_blob takes one each). Results in the order given.
    virtual std::vector<Result<std::string>> read_blobs(const std::vector<BlobId>& blobs);
    // read_blobs for a reader that goes through every message once, in the background (the
    // text indexer): SQLite copies the pages through a bounded cache instead of mapping the
    // file, whose pages, once touched, stay mapped and count in the server's memory (38 MiB
    // after indexing 10,000 small messages). Default: read_blobs.
    virtual std::vector<Result<std::string>> read_blobs_in_background(
        const std::vector<BlobId>& blobs);
    // read_blobs, keeping what it read in memory (SQLite: store/blob_cache.hpp) and serving
    // from there what is held. Default: read_blobs.
    virtual std::vector<Result<std::string>> read_blobs_kept(const std::vector<BlobId>& blobs);
    // A blob held in that memory, or null: never blocks, so an io thread may ask. Default: null.
    virtual std::shared_ptr<const std::string> cached_blob(const BlobId& blob);
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
