// Group commit: the single writer thread of the SQLite store. Callers queue requests; the writer
// takes everything queued, runs each request in its own SAVEPOINT inside one BEGIN IMMEDIATE
// transaction, COMMITs once (one WAL fsync under synchronous=FULL) and only then completes every
// caller. A request that fails rolls back its savepoint alone and gets its own error.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "store/sqlite/statement.hpp"
#include "store/types.hpp"

namespace harbor::store::sqlite {

// A mailbox a request changed, for the change listener (Store::set_change_listener).
struct MailboxChange {
    AccountId account;
    MailboxId mailbox;
    std::uint64_t highest_modseq = 0;  // after the request; 0 for a deleted mailbox
};

// What a request may touch while it runs on the writer thread.
struct WriteContext {
    Connection& db;
    // Blobs whose last reference this request dropped; deleted only after the commit.
    std::vector<std::string> released_blobs;
    // Mailboxes this request changed; reported after the commit if the request succeeded.
    std::vector<MailboxChange> changes;
};

// One queued write. run() executes on the writer thread inside the request's savepoint;
// complete() follows the commit, with the commit's error if the whole batch failed.
class WriteRequest {
public:
    virtual ~WriteRequest() = default;
    virtual Result<void> run(WriteContext& context) = 0;
    virtual void complete(std::optional<Error> batch_failure) = 0;
};

// A request whose work returns a value for the caller's `done`.
template <typename T>
class TypedWriteRequest final : public WriteRequest {
public:
    using Work = std::function<Result<T>(WriteContext&)>;
    using Done = std::function<void(Result<T>)>;

    TypedWriteRequest(Work work, Done done) : work_(std::move(work)), done_(std::move(done)) {}

    Result<void> run(WriteContext& context) override
    {
        // No exception may escape onto the writer thread (STYLE.md §10.4).
        try {
            result_.emplace(work_(context));
        } catch (const std::exception& e) {
            result_.emplace(unexpected(Errc::Internal, e.what()));
        } catch (...) {
            result_.emplace(unexpected(Errc::Internal, "unknown exception in a write"));
        }
        if (!*result_) {
            return unexpected(result_->error());
        }
        return ok();
    }

    void complete(std::optional<Error> batch_failure) override
    {
        if (batch_failure) {
            done_(unexpected(std::move(*batch_failure)));
        } else {
            done_(std::move(*result_));
        }
    }

private:
    Work work_;
    Done done_;
    std::optional<Result<T>> result_;
};

class WriteBatcher {
public:
    // Runs after each successful commit, on the writer thread, before callers are completed:
    // it receives the blobs released by the batch (to delete their files).
    using AfterCommit = std::function<void(Connection&, const std::vector<std::string>&)>;
    // Runs after each successful commit that changed mailboxes, on the writer thread, before
    // callers are completed: one entry per mailbox (the highest modseq the batch left it at).
    using OnChanges = std::function<void(const std::vector<MailboxChange>&)>;

    WriteBatcher(std::unique_ptr<Connection> db, AfterCommit after_commit,
                 OnChanges on_changes = {});
    WriteBatcher(const WriteBatcher&) = delete;
    WriteBatcher& operator=(const WriteBatcher&) = delete;
    // Drains the queue (every queued request still completes), then joins the thread.
    ~WriteBatcher();

    // Requests queued before start() form the first batch together.
    void start();
    // Never blocks on the database. After shutdown began, completes at once with Errc::Closed.
    void submit(std::unique_ptr<WriteRequest> request);

    template <typename T>
    void submit(typename TypedWriteRequest<T>::Work work, typename TypedWriteRequest<T>::Done done)
    {
        submit(std::make_unique<TypedWriteRequest<T>>(std::move(work), std::move(done)));
    }

    std::uint64_t commit_count() const { return commits_.load(std::memory_order_relaxed); }

private:
    void loop();
    void run_batch(std::vector<std::unique_ptr<WriteRequest>>& batch);

    std::unique_ptr<Connection> db_;
    AfterCommit after_commit_;
    OnChanges on_changes_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::unique_ptr<WriteRequest>> queue_;
    bool stopping_ = false;
    std::atomic<std::uint64_t> commits_{0};
    std::thread thread_;
};

}  // namespace harbor::store::sqlite
