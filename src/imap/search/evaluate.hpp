// SEARCH evaluation (RFC 9051 §6.4.4) of a parsed search program (imap/protocol/search_key.hpp)
// against one message at a time, with the IMAP4rev1 keys NEW, OLD, RECENT (RFC 3501 §6.4.4),
// MODSEQ (RFC 7162 §3.1.5), OLDER/YOUNGER (RFC 5032 §3) and the saved result "$" (RFC 5182
// §2). SORT and THREAD select their messages with the same programs (RFC 5256 §3).
// compile_search() does the per-command work once: search strings are converted from the
// command's CHARSET to UTF-8 and folded, sequence sets resolved, dates turned into day numbers,
// and cheap keys put before content keys. evaluate() is then pure and three-valued: a message
// whose content is not loaded gives NeedContent only when content keys decide the answer.
// SECURITY: the program is client input. Its depth and size are bounded by the parser
// (ParseLimits::max_search_depth / max_search_keys); compile_search() refuses a tree deeper
// than max_search_program_depth, so the bounded recursion of compile and evaluate cannot run
// out of stack even for a hand-built tree. Content decoding is capped by ContentLimits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "imap/protocol/search_key.hpp"
#include "imap/protocol/sequence_set.hpp"
#include "imap/search/message_view.hpp"

namespace harbor::imap {

constexpr std::size_t max_search_program_depth = 64;  // twice ParseLimits' default of 32

// The mailbox state a program is compiled against.
struct SearchContext {
    std::uint32_t message_count = 0;  // "*" in message sequence number sets
    std::uint32_t max_uid = 0;        // "*" in UID sets: the largest UID in the mailbox
    // The saved result of RFC 5182 §2 as UIDs (resolved, ascending); empty when none is
    // saved, which is what "$" then means (RFC 5182 §2.1).
    std::span<const ResolvedRange> saved_uids;
    std::int64_t now = 0;           // Unix seconds, for OLDER and YOUNGER
    // The zone in which BEFORE, ON and SINCE take the calendar date of the internal date
    // (the server's zone; INTERNALDATE responses show the same one).
    int internal_date_zone_minutes = 0;
};

// One compiled key; see compile_search(). Public so tests can inspect, not for the session.
struct SearchNode {
    SearchKeyKind kind = SearchKeyKind::All;
    std::string needle;               // folded UTF-8 of a string key
    std::string field;                // the header field a string key reads
    std::int64_t day = 0;             // date keys: days since 1970-01-01
    std::uint64_t number = 0;         // LARGER, SMALLER, MODSEQ, OLDER, YOUNGER
    std::vector<ResolvedRange> ranges;  // sequence set / UID key, resolved
    bool saved_result = false;        // the set also holds "$"
    ContentNeed need = ContentNeed::None;  // of this node and its children
    std::vector<SearchNode> children;
};

struct SearchProgram {
    SearchNode root;
    std::vector<ResolvedRange> saved_uids;  // a copy of the context's, for "$"
    std::int64_t now = 0;
    int internal_date_zone_minutes = 0;
    bool uses_modseq = false;  // RFC 7162 §3.1.5: the response then carries (MODSEQ n)
};

// Compiles a search program (SearchArgs::key, SortArgs::key, ThreadArgs::key) with its
// CHARSET (empty: US-ASCII; RFC 9051 §6.4.4: US-ASCII and UTF-8 are required, Harbor knows
// every charset mime/charset.hpp knows). Errors: Errc::Unsupported for an unknown charset (the
// session answers NO [BADCHARSET (US-ASCII UTF-8)], RFC 9051 §7.1); Errc::Limit for a tree
// deeper than max_search_program_depth.
Result<SearchProgram> compile_search(const SearchKey& key, std::string_view charset,
                                     const SearchContext& context);

// The most any message needs loaded for this program: the session loads that much only for
// messages where evaluate() answers NeedContent.
ContentNeed content_need(const SearchProgram& program);

enum class Match { No, Yes, NeedContent };

// Evaluates the program for one message. Without message.content, keys that read the content
// are unknown; the answer is NeedContent only if they decide it (UNSEEN BODY x for a seen
// message is No at once). With content, never NeedContent. Typical session loop:
//   Match m = evaluate(program, view);
//   if (m == Match::NeedContent) { MessageContent c(load(...)); view.content = &c;
//                                  m = evaluate(program, view); }
Match evaluate(const SearchProgram& program, const MessageView& message);

}  // namespace harbor::imap
