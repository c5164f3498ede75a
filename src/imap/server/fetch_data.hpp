// The FETCH items that need a message's bytes (RFC 9051 §7.5.2: ENVELOPE, BODY,
// BODYSTRUCTURE, BODY[section]<partial>, RFC822*; RFC 3516 §4.2: BINARY[part]<partial>,
// BINARY.SIZE), written from one MIME parse with imap/fetch, or without reading the message
// from its blob's summary in the full-text index (imap/search/message_summary.hpp): ENVELOPE,
// BODY, BODYSTRUCTURE and the top-level HEADER, HEADER.FIELDS[.NOT] sections (RFC822.HEADER),
// byte for byte what the message itself gives.
// The session hands sections over in their text form (as echoed in the response), parsed
// again here by imap/fetch's parse_section into imap/protocol's Section.
// SECURITY: the message is untrusted; the parse is bounded by mime::Limits, sections by
// parse_section's limits, BINARY decoding by mime::BodyLimits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "mime/header.hpp"
#include "store/store.hpp"
#include "store/text/text_index.hpp"

namespace harbor::imap::server {

struct MessageDataItem {
    enum class Kind { Envelope, Body, BodyStructure, Section, Binary, BinarySize };
    Kind kind = Kind::Envelope;
    std::string response_name;  // "ENVELOPE", "BODY[1.HEADER]<0>", "RFC822.TEXT", "BINARY[2]"
    std::string section;        // Section: between "[" and "]"; Binary*: the part "1.2" or ""
    bool partial = false;
    std::uint64_t origin = 0;
    std::uint64_t count = 0;
};

// One " NAME value" string per item, in order. Errc::Unsupported: a BINARY part whose
// Content-Transfer-Encoding is unknown (the [UNKNOWN-CTE] response code, RFC 3516 §4.3);
// Errc::Limit: a part too large to decode. A part that does not exist is NIL.
Result<std::vector<std::string>> format_message_data(std::string_view raw,
                                                     const std::vector<MessageDataItem>& items,
                                                     const mime::Limits& limits);

// format_message_data() for a copy (prefix + blob) from its blob's summary alone, or nullopt
// when an item needs the message (a body part, TEXT, BINARY) or the summary does not hold for
// this prefix (fit_summary()).
std::optional<std::vector<std::string>> format_from_summary(
    const store::text::BlobSummary& summary, std::string_view prefix,
    const std::vector<MessageDataItem>& items, const mime::Limits& limits);

// format_message_data() for each copy: from its blob's summary in `index` (when not null) where
// that answers every item, the others read from the store in one batch. Results in order; a
// copy that could not be read has the read's error (Errc::NotFound: expunged meanwhile).
// Blocking: call it off the io thread.
std::vector<Result<std::vector<std::string>>> format_messages(
    store::Store& store, store::text::TextIndex* index,
    const std::vector<const store::MessageRecord*>& records,
    const std::vector<MessageDataItem>& items, const mime::Limits& limits);

// format_messages() from the blobs the store holds in memory (Store::cached_blob), on the
// calling thread, so that an io thread may call it: nullopt when a blob is not held, when
// `index` would answer every item from summaries, or when the batch holds more than
// `max_bytes` (the formatting, a MIME parse at worst, is then better done off the io thread).
std::optional<std::vector<Result<std::vector<std::string>>>> format_cached(
    store::Store& store, const store::text::TextIndex* index,
    const std::vector<const store::MessageRecord*>& records,
    const std::vector<MessageDataItem>& items, const mime::Limits& limits, std::size_t max_bytes);

}  // namespace harbor::imap::server
