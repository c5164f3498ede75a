// The full-text index behind IMAP SEARCH BODY and TEXT (RFC 9051 §6.4.4): an SQLite database of
// its own (<data_dir>/text-index.sqlite), apart from the store's. It is derived data, rebuilt
// from the mail whenever it is missing, unreadable, of another schema version or made by
// another text extraction, so it runs in WAL with synchronous=NORMAL (no fsync per commit) and
// its writes never pass through the store's writer thread, which group-commits deliveries.
// One FTS5 row per blob (trigram tokenizer, case-sensitive: the text arrives folded), beside it
// the blob's summary (its header block and formatted FETCH structures, BlobSummary), and per
// mailbox a watermark: every copy with a UID up to it has its blob indexed. The index knows no
// mailbox contents beyond that: callers give the copies they see, and matches are intersected
// with them, so entries of blobs gone from the store never show; prune() removes them.
// Writes come from one thread (TextIndexer); reads from any.
// SECURITY: needles are client input; they reach SQL only as a bound MATCH parameter, quoted as
// one FTS5 string ('"' doubled), so they cannot add FTS5 operators or column filters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/message_list.hpp"
#include "store/sqlite/statement.hpp"
#include "store/types.hpp"

namespace harbor::store::text {

constexpr const char* index_file_name = "text-index.sqlite";

// What FETCH and header SEARCH keys read of a blob in place of its bytes, made by the caller
// (imap/search/message_summary.hpp) and opaque to the store: a blob's bytes never change, so
// neither does its summary. The caller decides when it applies to a copy (prefix + blob).
struct BlobSummary {
    // The top-level header block through its empty line; absent when larger than the caller's
    // cap or not cleanly delimited.
    std::optional<std::string> header;
    // The formatted ENVELOPE, BODY and BODYSTRUCTURE values: all three, or none.
    std::optional<std::string> envelope;
    std::optional<std::string> body;
    std::optional<std::string> body_structure;
    std::uint64_t header_fields = 0;  // header fields of the whole message, every part

    bool empty() const { return !header && !envelope; }
};

// What the index keeps of one blob: text already decoded and case-folded by the caller (the
// store parses no MIME), with no NUL (FTS5 tokenizers stop at one), and its summary.
struct BlobText {
    std::string header;  // searched by TEXT
    std::string body;    // searched by BODY and TEXT
    BlobSummary summary = {};
    // The text was longer than max_indexed_text and has been dropped (header and body empty):
    // kept without FTS5 like any text that long.
    bool too_long = false;
};

struct NewEntry {
    BlobId blob;
    BlobText text;
};

// Which text a query reads (RFC 9051 §6.4.4): BODY the body, TEXT header or body.
enum class TextScope { Body, Text };

struct TextQuery {
    std::string needle;  // folded as the indexed text is; at least three characters, no NUL
    TextScope scope = TextScope::Body;
};

// The answers for the copies a caller gave, from one snapshot of the index.
struct CopyAnswers {
    std::vector<bool> indexed;               // per copy: its blob's text is in the index
    std::vector<std::vector<bool>> matched;  // per query, per copy: indexed and holds the needle
};

// How far the indexer got in one mailbox (one UIDVALIDITY of it).
struct MailboxProgress {
    std::uint32_t uidvalidity = 0;
    std::uint32_t indexed_through = 0;  // every copy with a UID up to here has its blob indexed
    std::uint64_t listed_modseq = 0;    // copies above the watermark all have a modseq above this
};

struct IndexedBlob {
    std::int64_t id = 0;  // the index's own row id: prune pages go by it
    BlobId blob;
};

// A trigram index answers needles of three characters or more (SQLite FTS5 "The Trigram
// Tokenizer"); shorter ones would match no row, so search() refuses them.
constexpr std::size_t min_needle_characters = 3;

// A blob whose header and body text together are longer than this is kept in the index
// without its text (its summary still is): search() counts it as not indexed, and the caller
// reads the message itself. Trigrams of 100 KiB of plain text cost the indexer 8.4 ms, twice
// all the CPU Postfix spends taking such a message (docs/benchmarks.md).
constexpr std::size_t max_indexed_text = 32 * 1024;

// Whether `text` is kept without FTS5: dropped already, or over max_indexed_text.
inline bool is_too_long_to_index(const BlobText& text)
{
    return text.too_long || text.header.size() + text.body.size() > max_indexed_text;
}

class SummaryCache;

class TextIndex {
public:
    // Opens the index file, creating it when missing. `extraction` names the way the caller
    // makes BlobText (its code version and limits): an index made another way, of an unknown
    // schema version, or unreadable is deleted and built anew (logged). Errors: Io when even a
    // fresh file cannot be made.
    // Commits are not fsynced (boot_marker.hpp): an index left open when the machine went
    // down is built anew as well. The destructor makes everything durable.
    static Result<std::unique_ptr<TextIndex>> open(const std::filesystem::path& file,
                                                   std::string_view extraction);
    // open() as if running under the kernel boot `boot` (tests).
    static Result<std::unique_ptr<TextIndex>> open(const std::filesystem::path& file,
                                                   std::string_view extraction,
                                                   std::string_view boot);
    TextIndex(const TextIndex&) = delete;
    TextIndex& operator=(const TextIndex&) = delete;
    ~TextIndex();

    // ---- Writes: one transaction each, not fsynced (see open()). ----
    // Adds the entries whose blob has none yet (a blob's text never changes). Invalid for text
    // with a NUL or a bad blob name (nothing is written then).
    Result<void> add(std::span<const NewEntry> entries);
    Result<void> set_progress(MailboxId mailbox, const MailboxProgress& progress);
    Result<void> forget_mailbox(MailboxId mailbox);
    // Removes the entries with these row ids (from list_blobs).
    Result<void> remove(std::span<const std::int64_t> ids);

    // ---- Reads: any thread. ----
    // Per blob: whether it has an entry.
    Result<std::vector<bool>> contains(std::span<const BlobId> blobs);
    // Per blob: its summary, or nullopt when it has none (not indexed yet, or nothing could be
    // summarized). One query per 500 blobs, for the blobs not in memory (summary_cache.hpp:
    // 64 MiB). HeaderOnly reads the header block and its field count alone (header SEARCH,
    // SORT, THREAD), leaving the formatted structures unset.
    enum class SummaryParts { All, HeaderOnly };
    Result<std::vector<std::optional<BlobSummary>>> summaries(
        std::span<const BlobId> blobs, SummaryParts parts = SummaryParts::All);
    Result<std::optional<MailboxProgress>> progress(MailboxId mailbox);
    // Mailboxes with a progress row, ascending.
    Result<std::vector<MailboxId>> list_mailboxes();
    // Entries with a row id above `after_id`, ascending, at most `limit`: a page for pruning.
    Result<std::vector<IndexedBlob>> list_blobs(std::int64_t after_id, std::size_t limit);
    // For the copies of `mailbox` (at `uidvalidity`) the caller knows: which are indexed, and
    // which hold each needle. Copies the index has not seen come back not indexed, and so not
    // matched: the caller must evaluate those itself. Unsupported for a needle the index cannot
    // answer exactly (fewer than three characters, a NUL).
    Result<CopyAnswers> search(MailboxId mailbox, std::uint32_t uidvalidity,
                               const MessageList& copies, std::span<const TextQuery> queries);

    const std::filesystem::path& file() const { return file_; }
    // The `extraction` the index was opened with: a reader whose own extraction (limits)
    // differs must not take summaries from it.
    const std::string& extraction() const { return extraction_; }

private:
    // A reader connection borrowed from the pool; goes back on destruction.
    class Reader;
    TextIndex(std::filesystem::path file, std::string extraction,
              std::unique_ptr<sqlite::Connection> writer);
    Result<Reader> reader();

    std::filesystem::path file_;
    std::string extraction_;
    std::mutex writer_mutex_;
    std::unique_ptr<sqlite::Connection> writer_;
    std::mutex readers_mutex_;
    std::vector<std::unique_ptr<sqlite::Connection>> idle_readers_;
    std::unique_ptr<SummaryCache> summary_cache_;
};

}  // namespace harbor::store::text
