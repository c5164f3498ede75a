// RFC 2047 encoded-words ("=?charset?B|Q?text?=") in unstructured header text, decoded to
// UTF-8 as mail readers do (§6.2 whitespace rule, RFC 2231 §5 language suffix, broken forms).
// SECURITY: header text is untrusted; input, output and the number of encoded-words are capped
// by Rfc2047Limits and decoding never fails. Fuzzed by fuzz_rfc2047.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace harbor::mime {

constexpr std::size_t default_max_header_input = 64 * 1024;    // a folded field, well past 998
constexpr std::size_t default_max_header_output = 256 * 1024;  // UTF-8 can be 3x the bytes
constexpr std::size_t default_max_encoded_words = 256;         // a 64 KiB field of tiny words

struct Rfc2047Limits {
    std::size_t max_input = default_max_header_input;
    std::size_t max_output = default_max_header_output;
    std::size_t max_encoded_words = default_max_encoded_words;
};

struct DecodedHeader {
    std::string utf8;               // always valid UTF-8
    std::size_t encoded_words = 0;  // decoded encoded-words
    bool unknown_charset = false;   // an encoded-word with an unknown charset was left as is
    bool had_invalid = false;       // bytes replaced by U+FFFD or bad base64/Q seen
    bool truncated = false;         // max_input or max_output was hit
    bool too_many_words = false;    // words past max_encoded_words (known charset or not) were
                                    // left as they are
};

// Decodes the encoded-words of an unstructured field body (or a phrase, comment or quoted
// string taken out of a structured one). Line folding (CR, LF) is removed, other text is kept
// and made valid UTF-8 (raw 8-bit is read as UTF-8, RFC 6532 §3.2).
DecodedHeader decode_rfc2047(std::string_view text, Rfc2047Limits limits = {});

}  // namespace harbor::mime
