// SEARCH BODY and TEXT (RFC 9051 §6.4.4) through the store's full-text index (store.hpp
// index_text_async / search_text): which text of a message is indexed, how a mailbox is brought
// up to date, and which messages a search program can match according to the index.
// The index holds, per blob, exactly the folded header and body text the evaluator searches
// (MessageContent::folded_header / folded_body, casemap.hpp), so its substring matches are the
// evaluator's own: keys it answers are dropped from the program, not merely pre-filtered.
// SECURITY: message text is untrusted; extraction is bounded by ContentLimits as evaluation is.
// Needles come from compile_search() (folded, at most 64 KiB) and reach the store as bound
// values. Catch-up work per call is capped by TextSearchOptions::max_catch_up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "imap/search/evaluate.hpp"
#include "imap/search/message_view.hpp"
#include "store/store.hpp"

namespace harbor::imap {

// What the index keeps of one blob.
struct SearchText {
    std::string header;  // folded "Name: value" lines of the top-level header (TEXT)
    std::string body;    // folded text of the text parts and encapsulated headers (BODY, TEXT)
};

// The text the evaluator searches, for the blob's bytes alone (no per-copy prefix: the prefix
// is matched by text_candidates() itself), with each NUL as U+FFFD (FTS5 stops at a NUL;
// needles holding U+FFFD are left to the evaluator). `limits`: the session's ContentLimits.
SearchText extract_search_text(std::string_view raw, const ContentLimits& limits = {});

struct TextSearchOptions {
    ContentLimits limits;     // those the session evaluates with
    std::size_t batch = 256;  // copies listed, read and indexed per group-committed round
    // Blobs one call indexes at most; copies left unindexed are evaluated in full instead.
    std::size_t max_catch_up = static_cast<std::size_t>(-1);
};

struct CatchUpResult {
    std::size_t indexed = 0;  // blobs newly indexed
    std::size_t failed = 0;   // blobs that could not be read or written (left unindexed)
};

// Indexes copies of the mailbox whose blob has no index entry yet, in batches of
// options.batch (each batch's writes share group commits), at most options.max_catch_up blobs.
// Blocking: reads blobs and parses MIME on the calling thread. Errors: those of
// Store::list_unindexed (Unsupported for a store without an index, NotFound).
Result<CatchUpResult> index_mailbox(store::Store& store, store::MailboxId mailbox,
                                    const TextSearchOptions& options = {});

// How the caller evaluates one message of its list.
enum class TextVerdict : std::uint8_t {
    No,        // cannot match: skip it (no content load)
    Residual,  // evaluate TextCandidates::residual (the index already decided the text keys)
    Full,      // the index could not decide (not indexed yet, or newer): evaluate the program
};

struct TextCandidates {
    SearchProgram residual;             // the program without the keys the index answered
    std::vector<TextVerdict> verdicts;  // one per message given, in the same order
    std::size_t answered_keys = 0;      // BODY/TEXT keys the index answered (at least one)
};

// For a program whose top level is BODY/TEXT, or an AND (the implicit one of "SEARCH a b c")
// holding BODY/TEXT keys with needles of at least three characters (and no U+FFFD), and only
// then (a program without such keys costs nothing here): first indexes what the
// mailbox lacks (index_mailbox), then asks the index and classifies every message of
// `messages`. nullopt when the index cannot narrow the search (no such key, a store without an
// index, a store error): then evaluate `program` on every message as before.
// Blocking (store reads, catch-up indexing): run it off the io thread (store::off_io_thread).
// Use in SEARCH/SORT/THREAD, with `messages` the selected mailbox's list taken BEFORE the call
// (a message stored later is unknown to the index snapshot and comes back as Full):
//   auto plan = text_candidates(store, mailbox_id, selected.messages, program, options);
//   for i in messages: verdict = plan ? plan->verdicts[i] : TextVerdict::Full;
//     No       -> not a match;
//     Residual -> m = evaluate(plan->residual, view)   (load content only on NeedContent;
//                 content_need(plan->residual) is often None: no message is read at all);
//     Full     -> m = evaluate(program, view)          (the usual content loop).
std::optional<TextCandidates> text_candidates(store::Store& store, store::MailboxId mailbox,
                                              std::span<const store::MessageRecord> messages,
                                              const SearchProgram& program,
                                              const TextSearchOptions& options = {});

}  // namespace harbor::imap
