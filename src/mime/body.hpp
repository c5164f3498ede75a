// The content of a part: its body with the Content-Transfer-Encoding undone (RFC 2045 §6), and
// for text the characters in UTF-8 (RFC 2045 §5.1 charset, RFC 2046 §4.1.2 defaults).
// SECURITY: bodies are untrusted; decoding never fails and is bounded by BodyLimits (bytes
// read, bytes written). Fuzzed through fuzz_text_view.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "mime/charset.hpp"
#include "mime/message.hpp"

namespace harbor::mime {

struct BodyLimits {
    std::size_t max_input = default_max_mime_body;       // encoded bytes read of one part
    std::size_t max_output = default_max_charset_output;  // UTF-8 bytes of one text part
};

struct DecodedBody {
    std::string bytes;
    bool saw_invalid = false;       // junk in base64, a bad "=XY" in quoted-printable
    bool truncated = false;         // the part was longer than max_input
    bool unknown_encoding = false;  // RFC 2045 §6.4: an unknown encoding, the bytes are raw
};

// The body bytes of `part` (parsed from `raw`) with its transfer encoding removed. 7bit, 8bit,
// binary and unknown encodings give the bytes as they are. Multipart bodies are returned raw.
DecodedBody decode_body(std::string_view raw, const Part& part, BodyLimits limits = {});

struct BodyText {
    std::string utf8;              // always valid UTF-8, line ends as in the decoded body
    std::string charset;           // the charset label used, lower case ("us-ascii" if none)
    bool unknown_charset = false;  // no converter for the label: the bytes were read as UTF-8
    bool charset_guessed = false;  // labelled (or defaulted to) US-ASCII but valid UTF-8
    bool had_invalid = false;      // bytes became U+FFFD or the transfer encoding was bad
    bool truncated = false;        // a limit was hit
};

// The text of a part in UTF-8: transfer decoding, then the charset parameter (default US-ASCII,
// RFC 2046 §4.1.2) converted as mail readers do. 8-bit bytes in a part labelled US-ASCII (or
// unlabelled) are read as UTF-8 when they are valid UTF-8, else as Windows-1252.
BodyText decode_text(std::string_view raw, const Part& part, BodyLimits limits = {});

// Same, for bytes already transfer-decoded and a charset label.
BodyText text_from_bytes(std::string_view bytes, std::string_view charset_label,
                         BodyLimits limits = {});

}  // namespace harbor::mime
