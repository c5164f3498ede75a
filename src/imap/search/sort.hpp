// SORT (RFC 5256 §3) of the messages a search program selected: ARRIVAL, CC, DATE, FROM,
// SIZE, SUBJECT, TO, each optionally REVERSE, and DISPLAYFROM/DISPLAYTO (RFC 5957 §3).
// Strings compare by i;unicode-casemap (RFC 5051; RFC 5256 §1 requires I18NLEVEL=1
// collation), messages equal on every criterion stay in mailbox order (RFC 5256 §3: "sorted
// according to the order in which they appear in the mailbox").
// SECURITY: the headers are untrusted; each key is computed once per message from bounded
// decoders (mime/address_list.hpp, rfc2047.hpp, base_subject.hpp) and then only compared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "imap/protocol/search_key.hpp"
#include "imap/search/message_view.hpp"

namespace harbor::imap {

// Header for every criterion but ARRIVAL and SIZE.
ContentNeed sort_content_need(std::span<const SortCriterion> criteria);

// RFC 5256 §2.2 sent date: the Date field in UTC, or the internal date when the field is
// missing or cannot be parsed. Reads the content when loaded.
std::int64_t sent_date(const MessageView& message);

// The indices into `messages` in SORT order. Messages whose content is not loaded sort with
// empty strings and their internal date for DATE.
std::vector<std::size_t> sort_messages(std::span<const MessageView> messages,
                                       std::span<const SortCriterion> criteria);

}  // namespace harbor::imap
