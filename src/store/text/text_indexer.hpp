// The background indexer of the full-text index (text_index.hpp): one thread at low priority
// that brings every mailbox's index up to date. At start it catches up with all mail and prunes
// entries of blobs the store no longer has; then the change feed names the mailboxes to look
// at (deliveries, appends, copies). Work goes in batches: per batch the blobs are read from
// the store's readers, turned into text by the caller's ExtractText, and written in one
// transaction of the index's own database, never through the store's writer. Mail an indexer
// has not reached yet is simply not indexed: searches evaluate it in full.
// SECURITY: message bytes are untrusted; ExtractText must bound its work (the IMAP extraction
// does, by ContentLimits). A batch holds at most IndexerOptions::batch messages and, past its
// first message, at most batch_bytes of them, read whole into memory.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

#include "store/change_feed.hpp"
#include "store/store.hpp"
#include "store/text/text_index.hpp"

namespace harbor::store::text {

// The text the index keeps of one blob, from its raw bytes (imap::extract_search_text).
using ExtractText = std::function<BlobText(std::string_view raw)>;

struct IndexerOptions {
    // Copies read, extracted and committed per transaction: larger transactions write fewer,
    // larger FTS5 segments (bench_text_search: 168 us a message at 1,024, 181 at 256).
    std::size_t batch = 1024;
    // Message sizes a batch reads at most (but one). Under the heap's trim threshold (2 MiB,
    // main.cpp), so each batch reuses the pages the last one freed instead of faulting them in.
    std::uint64_t batch_bytes = 1 << 20;
    std::size_t prune_page = 1000;  // index entries checked against the store per step
    // Mailbox changes heard between prune passes (there is one at start as well).
    std::size_t prune_after_changes = 10000;
    // The indexer thread's scheduling class: SCHED_IDLE (Linux) runs it only on CPU time no
    // other thread wants, so indexing never slows the taking of mail; the index only lags, and
    // SEARCH evaluates what it has not reached in full. Without it (or if the kernel refuses)
    // the thread runs at `nice`.
    bool idle_class = true;
    int nice = 10;  // setpriority() of the indexer thread: io threads come first
    // The indexer lets changes gather until none has come for `settle`, or for `max_lag` after
    // the first one, whichever is sooner. Mail arriving at thousands of messages a second is
    // then indexed a thousand per transaction, not a writer batch (a few dozen) at a time (each
    // transaction writes FTS5 segments that later merges write again), and a burst is indexed
    // after it, not beside it: even in SCHED_IDLE the indexer's CPU, caches and page writes
    // slowed the taking of 1 KiB mail by a tenth. The price is a lag: under a flow that never
    // pauses, SEARCH evaluates up to `max_lag` of a mailbox's arrivals in full.
    std::chrono::milliseconds settle{250};
    std::chrono::milliseconds max_lag{10'000};
};

class TextIndexer {
public:
    // Watches `changes` at once (nothing delivered from now on is missed) and starts the
    // thread. Everything given must outlive the indexer.
    TextIndexer(Store& store, ChangeFeed& changes, TextIndex& index, ExtractText extract,
                IndexerOptions options = {});
    // Stops hearing changes, lets the batch in hand finish, joins the thread.
    ~TextIndexer();
    TextIndexer(const TextIndexer&) = delete;
    TextIndexer& operator=(const TextIndexer&) = delete;

    // Blocks until the start-up catch-up and every change heard before the call have been
    // handled (indexed, or failed and logged). Tests and benchmarks.
    void wait_idle_for_test();

    struct Counters {
        std::uint64_t indexed = 0;  // blobs added to the index
        std::uint64_t pruned = 0;   // entries removed for blobs gone from the store
        std::uint64_t failed = 0;   // blobs that could not be read or written (retried later)
    };
    Counters counters() const;

private:
    void run();
    void catch_up();
    // Returns once changes have gathered (IndexerOptions::settle, max_lag) or on stop.
    void wait_for_changes_to_gather(std::unique_lock<std::mutex>& lock);
    void index_mailbox(MailboxId mailbox);
    // Where the batch that begins at todo[start] ends (IndexerOptions::batch, batch_bytes).
    std::size_t batch_end(const std::vector<const MessageRecord*>& todo, std::size_t start) const;
    void prune();
    bool stopping() const { return stop_.load(std::memory_order_relaxed); }

    Store& store_;
    TextIndex& index_;
    ExtractText extract_;
    IndexerOptions options_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::set<std::int64_t> pending_;  // mailboxes changed since the indexer last looked
    // When the oldest change in pending_ and the latest change were heard.
    std::chrono::steady_clock::time_point first_change_;
    std::chrono::steady_clock::time_point last_change_;
    bool busy_ = true;                // the start-up catch-up counts as busy
    std::size_t changes_since_prune_ = 0;
    std::atomic<bool> stop_{false};

    std::atomic<std::uint64_t> indexed_{0};
    std::atomic<std::uint64_t> pruned_{0};
    std::atomic<std::uint64_t> failed_{0};

    ChangeFeed::Watch watch_;
    std::thread thread_;  // last: started once everything above exists
};

}  // namespace harbor::store::text
