// FETCH body sections (RFC 9051 §6.4.5 BODY[section]<origin.count>) and RFC 3516 BINARY[part],
// BINARY.SIZE[part], resolved against a parsed message: byte ranges of the stored message, or
// synthesized bytes for HEADER.FIELDS, or transfer-decoded content.
// SECURITY: the section text comes from the client and the message is untrusted. parse_section
// reads at most max_section_parts numbers and max_section_fields names; resolution walks the
// bounded mime part tree iteratively; decoding is capped by mime::BodyLimits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "imap/protocol/fetch_attribute.hpp"
#include "mime/body.hpp"
#include "mime/message.hpp"

namespace harbor::imap {

constexpr std::size_t max_section_parts = 100;    // mime::default_max_depth nesting levels
constexpr std::size_t max_section_fields = 1000;  // names in one HEADER.FIELDS list

// Parses what is between '[' and ']' of BODY[...]: Errc::Invalid on a grammar error (§9
// section-spec). HEADER.FIELDS names may be atoms or quoted strings.
Result<Section> parse_section(std::string_view text);

struct SectionBytes {
    std::string_view range;                  // into the raw message
    std::optional<std::string> synthesized;  // HEADER.FIELDS[.NOT]: built from the fields
    std::string_view bytes() const { return synthesized ? std::string_view(*synthesized) : range; }
};

// The bytes of `spec` in the message parsed (as `message`) from `raw`. Errc::NotFound when a
// part number does not exist or HEADER/TEXT names a part that is not a message (§6.4.5).
Result<SectionBytes> resolve_section(std::string_view raw, const mime::Message& message,
                                     const Section& spec);

// §6.4.5: the substring from origin of at most count octets; empty past the end.
std::string_view apply_partial(std::string_view bytes, const Partial& partial);

// RFC 3516 §4.2 BINARY[part]: the part's content with its transfer encoding undone (an empty
// part list is the whole message, as stored). Errc::Unsupported for an encoding we cannot
// undo, to be answered with the "[UNKNOWN-CTE]" response code (§4.3); Errc::NotFound for a
// part that does not exist; Errc::Limit when the part is larger than `limits` allow.
Result<std::string> binary_section(std::string_view raw, const mime::Message& message,
                                   const std::vector<std::uint32_t>& part,
                                   mime::BodyLimits limits = {});

// RFC 3516 §4.2 BINARY.SIZE[part]: the size of binary_section(), same errors.
Result<std::uint64_t> binary_size(std::string_view raw, const mime::Message& message,
                                  const std::vector<std::uint32_t>& part,
                                  mime::BodyLimits limits = {});

}  // namespace harbor::imap
