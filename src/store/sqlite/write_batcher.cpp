// The writer thread: take all queued requests, one transaction, a savepoint each, one commit.
// Callers are completed only after COMMIT returned, which under synchronous=FULL in WAL mode
// means the batch is in the fsynced log: that is the durability point every caller waits for.
// Each commit's time and size go to harbor_store_commit_seconds and _batch_size (docs/metrics.md).
#include "store/sqlite/write_batcher.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"

namespace harbor::store::sqlite {
namespace {

struct CommitMetrics {
    metrics::Histogram& seconds;
    metrics::Histogram& batch_size;
};

// Registered with the writer, so scraped from the start; observed once per successful commit.
const CommitMetrics& commit_metrics()
{
    static const CommitMetrics built{
        metrics::histogram("harbor_store_commit_seconds",
                           "Time of each group-commit transaction, BEGIN to durable COMMIT.",
                           metrics::latency_buckets()),
        metrics::histogram("harbor_store_commit_batch_size", "Writes per group commit.",
                           {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})};
    return built;
}

}  // namespace

WriteBatcher::WriteBatcher(std::unique_ptr<Connection> db, AfterCommit after_commit,
                           OnChanges on_changes)
    : db_(std::move(db)), after_commit_(std::move(after_commit)), on_changes_(std::move(on_changes))
{
    (void)commit_metrics();
}

WriteBatcher::~WriteBatcher()
{
    if (!thread_.joinable()) {
        start();  // so that requests queued before start() still complete
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void WriteBatcher::start()
{
    thread_ = std::thread([this] {
        name_this_thread("store-writer");
        loop();
    });
}

void WriteBatcher::submit(std::unique_ptr<WriteRequest> request)
{
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(std::move(request));
            // Under the lock, although the woken writer may then wait for it: notified after
            // the unlock, a submit racing the destructor could touch a destroyed `wake_`.
            wake_.notify_one();
            return;
        }
    }
    request->complete(Error{Errc::Closed, "store is closing"});
}

void WriteBatcher::loop()
{
    std::vector<std::unique_ptr<WriteRequest>> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;  // stopping, and everything queued has been served
            }
            batch.swap(queue_);
        }
        run_batch(batch);
        batch.clear();
    }
}

namespace {

void complete_all(std::vector<std::unique_ptr<WriteRequest>>& batch,
                  const std::optional<Error>& failure)
{
    for (auto& request : batch) {
        // A caller's callback must not take the writer down with it.
        try {
            request->complete(failure);
        } catch (const std::exception& e) {
            log::error("store.writer.callback_threw", {{"what", e.what()}});
        } catch (...) {
            log::error("store.writer.callback_threw");
        }
    }
}

// Folds a request's changes into the batch's: one entry per mailbox, its last state.
void merge_changes(std::vector<MailboxChange>& into, const std::vector<MailboxChange>& changes)
{
    for (const MailboxChange& change : changes) {
        bool merged = false;
        for (MailboxChange& known : into) {
            if (known.mailbox == change.mailbox) {
                // A later request's state wins; a deletion (0) stays a deletion.
                known.highest_modseq = known.highest_modseq == 0 || change.highest_modseq == 0
                                           ? 0
                                           : std::max(known.highest_modseq, change.highest_modseq);
                merged = true;
                break;
            }
        }
        if (!merged) {
            into.push_back(change);
        }
    }
}

}  // namespace

void WriteBatcher::run_batch(std::vector<std::unique_ptr<WriteRequest>>& batch)
{
    const CommitMetrics& observed = commit_metrics();
    const auto started = std::chrono::steady_clock::now();
    if (Result<void> begun = db_->run("BEGIN IMMEDIATE"); !begun) {
        complete_all(batch, begun.error());
        return;
    }
    std::vector<std::string> released;
    std::vector<MailboxChange> changes;
    std::optional<Error> batch_failure;
    for (auto& request : batch) {
        if (Result<void> saved = db_->run("SAVEPOINT request"); !saved) {
            batch_failure = saved.error();
            break;
        }
        WriteContext context{*db_, {}, {}};
        Result<void> done = request->run(context);
        if (done) {
            if (Result<void> kept = db_->run("RELEASE request"); !kept) {
                batch_failure = kept.error();
                break;
            }
            released.insert(released.end(), context.released_blobs.begin(),
                            context.released_blobs.end());
            merge_changes(changes, context.changes);
            continue;
        }
        // Some errors (I/O, full disk) make SQLite roll back the whole transaction itself; then
        // the earlier requests of this batch are gone too and all of them must hear so.
        if (sqlite3_get_autocommit(db_->handle()) != 0) {
            batch_failure = done.error();
            complete_all(batch, batch_failure);
            return;
        }
        Result<void> undone = db_->run("ROLLBACK TO request");
        Result<void> released_savepoint = db_->run("RELEASE request");
        if (!undone || !released_savepoint) {
            batch_failure = !undone ? undone.error() : released_savepoint.error();
            break;
        }
    }
    if (!batch_failure) {
        if (Result<void> committed = db_->run("COMMIT"); !committed) {
            batch_failure = committed.error();
        }
    }
    if (batch_failure) {
        if (sqlite3_get_autocommit(db_->handle()) == 0) {
            (void)db_->exec("ROLLBACK");
        }
        log::warn("store.writer.batch_failed",
                  {{"requests", batch.size()}, {"error", batch_failure->to_string()}});
        complete_all(batch, batch_failure);
        return;
    }
    commits_.fetch_add(1, std::memory_order_relaxed);
    observed.seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    observed.batch_size.observe(static_cast<double>(batch.size()));
    if (!released.empty() && after_commit_) {
        after_commit_(*db_, released);
    }
    if (!changes.empty() && on_changes_) {
        // A listener's failure must not take the writer down, nor keep callers waiting.
        try {
            on_changes_(changes);
        } catch (const std::exception& e) {
            log::error("store.writer.listener_threw", {{"what", e.what()}});
        } catch (...) {
            log::error("store.writer.listener_threw");
        }
    }
    complete_all(batch, std::nullopt);
}

}  // namespace harbor::store::sqlite
