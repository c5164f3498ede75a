// Base64: strict RFC 4648 §4 (SASL, PHC strings) and the tolerant MIME form of RFC 2045 §6.8
// (Content-Transfer-Encoding: base64, RFC 2047 "B" encoded-words).
// SECURITY: both decoders take untrusted input. decode_base64() rejects any deviation
// (RFC 4648 §3.3, §3.5); decode_base64_mime() never fails, reads at most limits.max_input bytes
// and writes at most 3/4 of that. Fuzzed by fuzz_base64_qp and fuzz_scram.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor {

enum class Padding { Required, Omitted };

// Bytes (any values) to base64 text. Padding::Omitted drops the trailing '=' (PHC strings).
std::string encode_base64(std::string_view bytes, Padding padding = Padding::Required);

// base64 text to bytes; Errc::Invalid with the offending offset on any deviation.
Result<std::string> decode_base64(std::string_view text, Padding padding = Padding::Required);

constexpr std::size_t mime_max_line = 76;                    // RFC 2045 §6.8: "no more than 76"
constexpr std::size_t default_max_mime_body = 64 * 1024 * 1024;  // one decoded part, Harbor's cap

struct MimeDecodeLimits {
    std::size_t max_input = default_max_mime_body;  // bytes read; the rest is dropped and flagged
};

struct MimeBase64 {
    std::string bytes;
    bool saw_junk = false;   // characters outside the alphabet other than CR, LF, SP, HT
    bool truncated = false;  // input longer than limits.max_input, or a dangling 6-bit group
};

// RFC 2045 §6.8 as mail readers apply it: characters outside the alphabet are ignored, decoding
// stops at the first '=', missing padding is tolerated. Never fails.
MimeBase64 decode_base64_mime(std::string_view text, MimeDecodeLimits limits = {});

// base64 with CRLF after every 76 characters (RFC 2045 §6.8); no CRLF after the last line.
std::string encode_base64_mime(std::string_view bytes);

}  // namespace harbor
