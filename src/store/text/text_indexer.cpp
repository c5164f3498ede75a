// The background indexer: the thread, the catch-up, one mailbox's pass, pruning. See
// text_indexer.hpp.
// A mailbox's watermark (MailboxProgress) moves as follows. Copies get ascending UIDs and each
// new copy a modseq above every earlier one of its mailbox, so the copies above the watermark
// are all among those list_changed_since(listed_modseq) returns. The indexer walks them in UID
// order and raises indexed_through past each copy whose blob is indexed (or gone with the
// copy); at a failure it stops there, and listed_modseq moves only once a listing is done.
#include "store/text/text_indexer.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace harbor::store::text {

TextIndexer::TextIndexer(Store& store, ChangeFeed& changes, TextIndex& index,
                         ExtractText extract, IndexerOptions options)
    : store_(store), index_(index), extract_(std::move(extract)), options_(options)
{
    options_.batch = std::max<std::size_t>(options_.batch, 1);
    options_.prune_page = std::max<std::size_t>(options_.prune_page, 1);
    // Runs on the store's writer thread: only note the mailbox and wake the indexer.
    watch_ = changes.watch_all([this](AccountId, MailboxId mailbox, std::uint64_t) {
        bool was_empty = false;
        {
            std::lock_guard lock(mutex_);
            last_change_ = std::chrono::steady_clock::now();
            was_empty = pending_.empty();
            if (was_empty) {
                first_change_ = last_change_;
            }
            pending_.insert(mailbox.value);
        }
        if (was_empty) {
            wake_.notify_one();  // otherwise the indexer is busy or settling: no wake-up needed
        }
    });
    thread_ = std::thread([this] {
        name_this_thread("text-indexer");
        run();
    });
}

TextIndexer::~TextIndexer()
{
    watch_ = ChangeFeed::Watch();  // no callback runs after this, none will again
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    idle_.notify_all();
    thread_.join();
}

void TextIndexer::wait_idle_for_test()
{
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return stopping() || (!busy_ && pending_.empty()); });
}

TextIndexer::Counters TextIndexer::counters() const
{
    return Counters{indexed_.load(), pruned_.load(), failed_.load()};
}

void TextIndexer::run()
{
    // Indexing is CPU work (MIME parsing, folding, trigrams) that must yield to the io threads
    // and the store's writer: with 20 SMTP sessions at nice 10 it still took 40% of the CPU
    // Harbor spent on 1 KiB messages. Linux: both calls act on the calling thread alone.
    const sched_param idle_param{};
    const bool idle = options_.idle_class &&
                      ::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &idle_param) == 0;
    if (!idle && ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), options_.nice) != 0) {
        log::debug("text_index.nice_failed");
    }
    catch_up();
    for (;;) {
        MailboxId next;
        bool prune_now = false;
        {
            std::unique_lock lock(mutex_);
            busy_ = false;
            if (pending_.empty()) {
                idle_.notify_all();
                wake_.wait(lock, [this] { return stopping() || !pending_.empty(); });
            }
            wait_for_changes_to_gather(lock);
            if (stopping()) {
                return;
            }
            next = MailboxId{*pending_.begin()};
            pending_.erase(pending_.begin());
            busy_ = true;
            if (++changes_since_prune_ >= options_.prune_after_changes) {
                changes_since_prune_ = 0;
                prune_now = true;
            }
        }
        index_mailbox(next);
        if (prune_now) {
            prune();
        }
    }
}

void TextIndexer::wait_for_changes_to_gather(std::unique_lock<std::mutex>& lock)
{
    // No wake-up per change: the writer only moves last_change_, and the indexer looks again
    // when the quiet time it waited for is up.
    for (;;) {
        const auto due = std::min(last_change_ + options_.settle, first_change_ + options_.max_lag);
        if (stopping() || std::chrono::steady_clock::now() >= due) {
            return;
        }
        wake_.wait_until(lock, due, [this] { return stopping(); });
    }
}

void TextIndexer::catch_up()
{
    Result<std::vector<Account>> accounts = store_.list_accounts("");
    if (!accounts) {
        log::warn("text_index.catch_up_failed", {{"error", accounts.error().to_string()}});
        return;
    }
    std::unordered_set<std::int64_t> existing;
    for (const Account& account : *accounts) {
        Result<std::vector<Mailbox>> mailboxes = store_.list_mailboxes(account.id);
        if (!mailboxes) {
            log::warn("text_index.catch_up_failed", {{"error", mailboxes.error().to_string()}});
            return;  // and forget no watermark below: the list is not complete
        }
        for (const Mailbox& mailbox : *mailboxes) {
            if (stopping()) {
                return;
            }
            existing.insert(mailbox.id.value);
            index_mailbox(mailbox.id);
        }
    }
    // Watermarks of mailboxes deleted while the server was down.
    if (Result<std::vector<MailboxId>> known = index_.list_mailboxes(); known) {
        for (const MailboxId mailbox : *known) {
            if (!existing.contains(mailbox.value)) {
                (void)index_.forget_mailbox(mailbox);
            }
        }
    }
    prune();
    log::info("text_index.caught_up",
              {{"indexed", indexed_.load()}, {"pruned", pruned_.load()}, {"failed", failed_.load()}});
}

namespace {

// A text the index keeps without FTS5 (max_indexed_text) is not held until the batch commits.
BlobText without_long_text(BlobText text)
{
    if (is_too_long_to_index(text)) {
        text.header = std::string();
        text.body = std::string();
        text.too_long = true;
    }
    return text;
}

}  // namespace

void TextIndexer::index_mailbox(MailboxId mailbox)
{
    Result<MailboxStatus> status = store_.mailbox_status(mailbox);
    if (!status) {
        if (status.error().code == Errc::NotFound) {
            (void)index_.forget_mailbox(mailbox);  // deleted: its blobs go with the next prune
        } else {
            log::warn("text_index.mailbox_failed", {{"mailbox", mailbox.value},
                                                    {"error", status.error().to_string()}});
        }
        return;
    }
    Result<std::optional<MailboxProgress>> saved = index_.progress(mailbox);
    if (!saved) {
        log::warn("text_index.mailbox_failed",
                  {{"mailbox", mailbox.value}, {"error", saved.error().to_string()}});
        return;
    }
    // A new UIDVALIDITY (RENAME, RFC 9051 §2.3.1.1) starts the mailbox over.
    MailboxProgress progress = *saved && (*saved)->uidvalidity == status->uidvalidity
                                   ? **saved
                                   : MailboxProgress{status->uidvalidity, 0, 0};
    Result<std::vector<MessageRecord>> copies =
        store_.list_changed_since(mailbox, progress.listed_modseq);
    if (!copies) {
        log::warn("text_index.mailbox_failed",
                  {{"mailbox", mailbox.value}, {"error", copies.error().to_string()}});
        return;
    }
    std::uint64_t listed = progress.listed_modseq;
    std::vector<const MessageRecord*> todo;
    for (const MessageRecord& copy : *copies) {
        if (copy.uidvalidity != progress.uidvalidity) {
            return;  // renamed since the status read: the rename's change brings us back
        }
        listed = std::max(listed, copy.modseq);
        if (copy.uid > progress.indexed_through) {
            todo.push_back(&copy);  // the others only changed flags
        }
    }
    for (std::size_t start = 0, end = 0; start < todo.size(); start = end) {
        if (stopping()) {
            return;
        }
        end = batch_end(todo, start);
        std::vector<BlobId> blobs;
        for (std::size_t i = start; i < end; ++i) {
            blobs.push_back(todo[i]->blob);
        }
        Result<std::vector<bool>> known = index_.contains(blobs);
        if (!known) {
            log::warn("text_index.mailbox_failed",
                      {{"mailbox", mailbox.value}, {"error", known.error().to_string()}});
            return;
        }
        // One read transaction for the batch's bodies, not one per body.
        std::vector<BlobId> wanted;
        for (std::size_t i = start; i < end; ++i) {
            if (!(*known)[i - start]) {
                wanted.push_back(todo[i]->blob);
            }
        }
        std::vector<Result<std::string>> raws = store_.read_blobs_in_background(wanted);
        std::size_t next_raw = 0;
        std::vector<NewEntry> entries;
        std::unordered_set<std::string> taken;  // copies in one batch may share a blob
        std::uint32_t through = progress.indexed_through;
        bool complete = true;
        for (std::size_t i = start; i < end; ++i) {
            const MessageRecord& copy = *todo[i];
            if ((*known)[i - start]) {
                through = copy.uid;
                continue;
            }
            Result<std::string>& raw = raws[next_raw++];
            if (taken.contains(copy.blob.sha256)) {
                through = copy.uid;
                continue;
            }
            if (!raw && raw.error().code != Errc::NotFound) {
                ++failed_;
                log::warn("text_index.read_failed",
                          {{"blob", copy.blob.sha256}, {"error", raw.error().to_string()}});
                complete = false;
                break;
            }
            if (raw) {
                taken.insert(copy.blob.sha256);
                entries.push_back(NewEntry{copy.blob, without_long_text(extract_(*raw))});
                *raw = std::string();  // its memory goes back before the next is read
            }
            through = copy.uid;  // indexed, or expunged with its blob since the listing
        }
        if (!entries.empty()) {
            if (Result<void> added = index_.add(entries); !added) {
                failed_ += entries.size();
                log::warn("text_index.write_failed", {{"error", added.error().to_string()}});
                return;
            }
            indexed_ += entries.size();
        }
        if (through > progress.indexed_through) {
            progress.indexed_through = through;
            if (!index_.set_progress(mailbox, progress)) {
                return;
            }
        }
        if (!complete) {
            return;
        }
        std::this_thread::yield();
    }
    progress.listed_modseq = listed;
    (void)index_.set_progress(mailbox, progress);
}

std::size_t TextIndexer::batch_end(const std::vector<const MessageRecord*>& todo,
                                   std::size_t start) const
{
    const std::size_t last = std::min(todo.size(), start + options_.batch);
    std::size_t end = start + 1;
    std::uint64_t bytes = todo[start]->size;
    while (end < last && bytes + todo[end]->size <= options_.batch_bytes) {
        bytes += todo[end]->size;
        ++end;
    }
    return end;
}

void TextIndexer::prune()
{
    // An entry whose blob the store has no more goes. A blob delivered again between the check
    // and the removal is still safe: this thread alone raises watermarks, and only after the
    // removal, when the new copy's blob shows as not indexed and is indexed anew. Until then
    // the entry describes the same bytes (a file blob is named by its hash, and a serial name
    // is never handed out twice).
    std::int64_t after = 0;
    for (;;) {
        if (stopping()) {
            return;
        }
        Result<std::vector<IndexedBlob>> page = index_.list_blobs(after, options_.prune_page);
        if (!page || page->empty()) {
            return;
        }
        std::vector<std::int64_t> gone;
        for (const IndexedBlob& entry : *page) {
            after = entry.id;
            Result<std::uint64_t> refs = store_.blob_refcount(entry.blob);
            if (!refs && refs.error().code == Errc::NotFound) {
                gone.push_back(entry.id);
            }
        }
        if (!gone.empty()) {
            if (Result<void> removed = index_.remove(gone); !removed) {
                log::warn("text_index.prune_failed", {{"error", removed.error().to_string()}});
                return;
            }
            pruned_ += gone.size();
        }
        std::this_thread::yield();
    }
}

}  // namespace harbor::store::text
