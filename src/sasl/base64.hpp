// Strict base64 (RFC 4648 §4): the standard alphabet, canonical encodings only.
// TODO(sasl, move to core/): DESIGN.md puts encodings in core/; this lives here until core has one.
// SECURITY: decode_base64() takes untrusted SASL input; it rejects whitespace, stray padding and
// non-zero trailing bits (RFC 4648 §3.3, §3.5) and allocates at most 3/4 of the input length.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::sasl {

enum class Padding { Required, Omitted };

// Bytes (any values) to base64 text. Padding::Omitted drops the trailing '=' (PHC strings).
std::string encode_base64(std::string_view bytes, Padding padding = Padding::Required);

// base64 text to bytes; Errc::Invalid with the offending offset on any deviation.
Result<std::string> decode_base64(std::string_view text, Padding padding = Padding::Required);

}  // namespace harbor::sasl
