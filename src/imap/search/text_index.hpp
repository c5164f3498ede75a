// SEARCH BODY and TEXT (RFC 9051 §6.4.4) through the full-text index (store/text/text_index.hpp,
// kept current by store/text/text_indexer.hpp): which text of a message is indexed, and which
// messages a search program can match according to the index.
// The index holds, per blob, exactly the folded header and body text the evaluator searches
// (MessageContent::folded_header / folded_body, casemap.hpp), so its substring matches are the
// evaluator's own: keys it answers are dropped from the program, not merely pre-filtered.
// SECURITY: message text is untrusted; extraction is bounded by ContentLimits as evaluation is.
// Needles come from compile_search() (folded, at most 64 KiB) and reach SQL as bound values.
// A search never indexes: messages the index has not reached are evaluated in full.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "imap/search/evaluate.hpp"
#include "imap/search/message_view.hpp"
#include "store/message_list.hpp"
#include "store/text/text_index.hpp"
#include "store/types.hpp"

namespace harbor::imap {

// What the index keeps of one blob: the folded "Name: value" lines of the top-level header
// (TEXT), and the folded text of the text parts and encapsulated headers (BODY, TEXT).
using SearchText = store::text::BlobText;

// The text the evaluator searches and the blob's summary (message_summary.hpp), from one parse
// of the blob's bytes alone (no per-copy prefix: the prefix is matched by text_candidates()
// itself), with each NUL as U+FFFD (FTS5 stops at a NUL; needles holding U+FFFD are left to
// the evaluator). `limits`: the session's ContentLimits.
SearchText extract_search_text(std::string_view raw, const ContentLimits& limits = {});

// Names the extraction above with these limits (and the Unicode tables folding uses), for
// TextIndex::open: an index made another way is rebuilt rather than trusted.
std::string extraction_fingerprint(const ContentLimits& limits);

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

// Whether text_candidates() can narrow `program` at all (see below): a cheap test on the
// program alone, to skip the trip off the io thread when it cannot.
bool uses_text_index(const SearchProgram& program);

// For a program whose top level is BODY/TEXT, or an AND (the implicit one of "SEARCH a b c")
// holding BODY/TEXT keys with needles of at least three characters (and no U+FFFD), and only
// then (a program without such keys costs nothing here): asks the index about every message
// of `messages` (the copies of `mailbox`, at `uidvalidity`) and classifies them. nullopt when
// the index cannot narrow the search (no such key, an index error): then evaluate `program`
// on every message as before.
// Blocking (index reads): run it off the io thread (store::off_io_thread). Per message:
//   verdict = plan ? plan->verdicts[i] : TextVerdict::Full;
//     No       -> not a match;
//     Residual -> m = evaluate(plan->residual, view)   (load content only on NeedContent;
//                 content_need(plan->residual) is often None: no message is read at all);
//     Full     -> m = evaluate(program, view)          (the usual content loop).
std::optional<TextCandidates> text_candidates(store::text::TextIndex& index,
                                              store::MailboxId mailbox, std::uint32_t uidvalidity,
                                              const store::MessageList& messages,
                                              const SearchProgram& program,
                                              const ContentLimits& limits = {});

}  // namespace harbor::imap
