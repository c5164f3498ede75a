// Message-ID, In-Reply-To and References (RFC 5322 §3.6.4): msg-id lists, returned without the
// angle brackets. Tolerant as mail readers are: comments and FWS anywhere (§3.2.2, §4.5.4
// obs-id-left/obs-id-right with CFWS), phrases between ids (§4.5.4 obs-in-reply-to), and ids
// without brackets when a field holds no bracketed id at all.
// SECURITY: header text is untrusted; input length, id count and comment depth are capped,
// no recursion; parsing never fails (empty "<>" and unclosed pieces are skipped and flagged).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::mime {

constexpr std::size_t default_max_message_id_input = 256 * 1024;  // long References fields
constexpr std::size_t default_max_message_ids = 10000;            // ids in one field
constexpr std::size_t max_message_id_comment_depth = 32;

struct MessageIdLimits {
    std::size_t max_input = default_max_message_id_input;
    std::size_t max_ids = default_max_message_ids;
};

struct MessageIds {
    std::vector<std::string> ids;  // "left@right" with CFWS removed, in field order
    bool malformed = false;        // "<>", an unclosed '<' or comment, or ids without brackets
    bool truncated = false;        // max_input or max_ids was hit
};

// Parses a field body (after the colon); the field ends at a line end not followed by WSP.
MessageIds parse_message_ids(std::string_view field_body, MessageIdLimits limits = {});

}  // namespace harbor::mime
