// Header blocks: split into fields over the raw bytes (RFC 5322 §2.2, §3.6), unfolding (§2.2.3),
// and the obsolete syntax clients still send (§4.5: whitespace before the colon; bare LF).
// SECURITY: untrusted bytes; fields, block bytes and line length are capped by Limits, fields
// are views into the input (no copies), a line without a colon is skipped and flagged.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/ascii.hpp"

namespace harbor::mime {

constexpr std::size_t default_max_header_fields = 1000;       // per header block
constexpr std::size_t default_max_total_header_fields = 50000; // per message, all parts
constexpr std::size_t default_max_header_bytes = 256 * 1024;   // one header block
constexpr std::size_t default_max_line_length = 64 * 1024;     // RFC 5322 §2.1.1 says 998
constexpr std::size_t default_max_depth = 100;                 // multipart/message nesting
constexpr std::size_t default_max_parts = 10000;               // parts in one message

struct Limits {
    std::size_t max_header_fields = default_max_header_fields;
    std::size_t max_total_header_fields = default_max_total_header_fields;
    std::size_t max_header_bytes = default_max_header_bytes;
    std::size_t max_line_length = default_max_line_length;
    std::size_t max_depth = default_max_depth;
    std::size_t max_parts = default_max_parts;
};

// The first limit a parse ran into; past it the result is truncated, never an error.
enum class Limit { None, HeaderFields, TotalHeaderFields, HeaderBytes, LineLength, Depth, Parts };

std::string_view limit_name(Limit limit);

struct HeaderField {
    std::string_view name;   // as written, trailing whitespace (obsolete syntax) removed
    std::string_view value;  // after the colon up to the final line end, folding kept
    std::size_t offset = 0;  // of the name in the whole input
    std::size_t length = 0;  // of the field including its final line end
};

struct HeaderBlock {
    std::vector<HeaderField> fields;
    std::size_t length = 0;        // header bytes including the empty separator line
    bool skipped_lines = false;    // lines without a colon or with a bad name were dropped
    bool missing_separator = false;  // input ended inside the header (no empty line)
    Limit truncated = Limit::None;
};

// Splits the header block at the start of `text`; `base` is text's offset in the whole input
// (HeaderField::offset is absolute). The block ends after the first empty line (CRLF or LF).
HeaderBlock parse_header_block(std::string_view text, std::size_t base, const Limits& limits);

// RFC 5322 §2.2.3: removes each CRLF (or bare LF) that is followed by WSP; nothing else.
std::string unfold(std::string_view value);

// The first field with this (case-insensitive) name, or nullptr.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);
// How many fields have this (case-insensitive) name.
std::size_t count_fields(const std::vector<HeaderField>& fields, std::string_view name);

// ASCII case-insensitive equality for header and parameter names (core/ascii.hpp).
using harbor::iequals;

// The part of `text` that belongs to one field body: RFC 5322 §2.2.3, a line end followed by
// WSP is a fold; any other line end ends the field.
std::string_view field_extent(std::string_view text);

}  // namespace harbor::mime
