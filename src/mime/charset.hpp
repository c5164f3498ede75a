// Charset conversion to UTF-8 for MIME text: every charset ICU's converters know (RFC 2045
// §5.1 "charset", RFC 2978 names), the aliases mail readers use, U+FFFD for invalid bytes.
// SECURITY: bytes and charset names are untrusted; input and output are capped by
// CharsetLimits, charset names are checked before ICU sees them. Fuzzed via fuzz_rfc2047.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace harbor::mime {

constexpr std::size_t default_max_charset_input = 64 * 1024 * 1024;    // one body part
constexpr std::size_t default_max_charset_output = 128 * 1024 * 1024;  // UTF-8 may grow
constexpr std::size_t max_charset_name = 64;  // IANA names are at most 40 (RFC 2978 §2.3)

struct CharsetLimits {
    std::size_t max_input = default_max_charset_input;
    std::size_t max_output = default_max_charset_output;
};

struct Utf8Text {
    std::string utf8;              // always valid UTF-8
    bool unknown_charset = false;  // no converter: utf8 is empty
    bool had_invalid = false;      // some bytes were replaced by U+FFFD
    bool truncated = false;        // a limit was hit; utf8 ends on a whole character
};

// Converts bytes in `charset` to UTF-8. Unknown or unsafe charset names give unknown_charset.
Utf8Text convert_to_utf8(std::string_view charset, std::string_view bytes,
                         CharsetLimits limits = {});

// Bytes that should be UTF-8 (raw 8-bit headers, RFC 6532) made valid: ill-formed sequences
// become U+FFFD (one per maximal subpart, as Unicode §3.9 recommends). Bounded by max_output.
Utf8Text sanitize_utf8(std::string_view bytes, std::size_t max_output = default_max_charset_output);

// True when convert_to_utf8 gives ASCII-only bytes in this charset back unchanged without
// asking ICU (the charset maps 0x00-0x7F to U+0000-U+007F and has no shift states).
bool passes_ascii_through(std::string_view charset);

// True when convert_to_utf8 would find a converter for this name.
bool is_known_charset(std::string_view charset);

}  // namespace harbor::mime
