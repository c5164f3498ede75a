// Quoted-printable: Content-Transfer-Encoding (RFC 2045 §6.7) and the "Q" encoding of
// RFC 2047 §4.2 encoded-words, decoded as tolerantly as mail readers do.
// SECURITY: the decoders take untrusted input, never fail, read at most limits.max_input bytes
// and write at most two bytes per byte read (a bare LF becomes CRLF). Fuzzed by
// fuzz_base64_qp, with round trips.
#pragma once

#include <string>
#include <string_view>

#include "core/base64.hpp"

namespace harbor {

struct QpDecoded {
    std::string bytes;
    bool saw_invalid = false;  // an "=" not followed by two hex digits or a line break
    bool truncated = false;    // input longer than limits.max_input
};

// RFC 2045 §6.7 body text. Soft breaks "=\r\n" and "=\n" (with whitespace before the break)
// vanish, hex digits may be lower case, an invalid "=XY" is kept literally, whitespace at the
// end of a line is removed (rule 3) and every hard line break, CRLF or bare LF, becomes CRLF.
QpDecoded decode_quoted_printable(std::string_view text, MimeDecodeLimits limits = {});

// RFC 2047 §4.2 "Q": like quoted-printable, but "_" stands for SP and there are no lines.
QpDecoded decode_q_encoding(std::string_view text, MimeDecodeLimits limits = {});

// RFC 2045 §6.7 encoder: CRLF in the input is a hard line break, every other byte outside
// 33..126 (and '=') is "=XX"; trailing SP/HT, a '.' or "From " at the start of a line are
// encoded too (safe through SMTP and mbox); lines are at most 76 characters with the "=".
std::string encode_quoted_printable(std::string_view bytes);

// RFC 2047 §4.2 "Q" encoder for an encoded-word's text (no line wrapping, SP as "_").
std::string encode_q_encoding(std::string_view bytes);

}  // namespace harbor
