// The summary the full-text index keeps of each blob beside its text (store::text::BlobSummary):
// the top-level header block and the ENVELOPE, BODY and BODYSTRUCTURE values (RFC 9051 §7.5.2)
// exactly as FETCH formats them (imap/server/fetch_data.cpp), made from the indexer's one MIME
// parse of the blob. FETCH answers those items and top-level HEADER sections from it, and
// SEARCH evaluates header keys on its header block, without reading the message.
// A copy is its prefix (store::MessageRecord::prefix, whole header lines such as Delivered-To)
// followed by the blob, and the summary describes the blob alone. fit_summary() says what of it
// holds for a copy: the header block is the prefix followed by the blob's, and the structures
// are the blob's, only where parsing the copy gives the same fields, the same first envelope and
// Content-* fields and hits no limit; anything else is left to the message itself.
// SECURITY: the blob is untrusted; summaries are made from its bounded parse (mime::Limits),
// the cached header is capped at max_summary_header, and a blob whose parse hit a limit, starts
// with a byte order mark or with white space (a continuation line) gets no summary at all.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "imap/search/message_view.hpp"
#include "mime/message.hpp"
#include "store/text/text_index.hpp"
#include "store/types.hpp"

namespace harbor::imap {

// A larger header block is not cached: header items and keys then read the message.
constexpr std::size_t max_summary_header = 64 * 1024;

// The summary of the blob `raw`, parsed as `message` (mime::parse_message(raw, limits)).
// Empty (BlobSummary::empty()) when the parse is not clean enough to describe copies.
store::text::BlobSummary make_summary(std::string_view raw, const mime::Message& message,
                                      const mime::Limits& limits);

// What of a blob's summary holds for one copy of it.
struct SummaryFit {
    // The copy's header block through its empty line (prefix + the blob's): the bytes
    // parse_header_block(prefix + blob) delimits, under the same limits.
    std::optional<std::string> header;
    // summary.envelope / body / body_structure are what FETCH formats for the copy.
    bool structure = false;
};

SummaryFit fit_summary(const store::text::BlobSummary& summary, std::string_view prefix,
                       const mime::Limits& limits);

// The summaries of these copies' blobs, from one read of `index`: nullopt for a blob it has
// none of, and for all of them when the index was made with other limits than `limits` (its
// extraction differs) or cannot be read. Blocking: call it off the io thread.
std::vector<std::optional<store::text::BlobSummary>> copy_summaries(
    store::text::TextIndex& index, std::span<const store::MessageRecord* const> copies,
    const ContentLimits& limits,
    store::text::TextIndex::SummaryParts parts = store::text::TextIndex::SummaryParts::All);

// The header blocks of these copies from their blobs' summaries where they hold
// (fit_summary()): nullopt for the others, and for all when `index` is null. Blocking.
std::vector<std::optional<std::string>> summary_header_blocks(
    store::text::TextIndex* index, std::span<const store::MessageRecord* const> copies,
    const mime::Limits& limits);

}  // namespace harbor::imap
