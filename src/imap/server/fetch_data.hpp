// The FETCH items that need a message's bytes (RFC 9051 §7.5.2: ENVELOPE, BODY,
// BODYSTRUCTURE, BODY[section]<partial>, RFC822*; RFC 3516 §4.2: BINARY[part]<partial>,
// BINARY.SIZE), written from one MIME parse with imap/fetch.
// The session hands sections over in their text form (as echoed in the response), parsed
// again here by imap/fetch's parse_section into imap/protocol's Section.
// SECURITY: the message is untrusted; the parse is bounded by mime::Limits, sections by
// parse_section's limits, BINARY decoding by mime::BodyLimits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "mime/header.hpp"

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

}  // namespace harbor::imap::server
