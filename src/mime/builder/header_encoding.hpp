// Header fields written by Harbor: unstructured text folded at whitespace (RFC 5322 §2.2.3)
// with RFC 2047 encoded-words (§2 length, §4 B/Q, §5 placement) where a word needs them,
// address lists (RFC 5322 §3.4, display names per RFC 2047 §5(3)), MIME parameters as tokens,
// quoted-strings or RFC 2231 §3/§4 continuations, Message-ID (§3.6.4) and Date (§3.3).
// Every line written ends in CRLF and is at most 998 octets (§2.1.1), folded near 78 where the
// text allows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mime/address_list.hpp"

namespace harbor::mime {

constexpr std::size_t fold_width = 78;              // RFC 5322 §2.1.1 "SHOULD be no more than 78"
constexpr std::size_t max_line_octets = 998;        // RFC 5322 §2.1.1 "MUST be no more than 998"
constexpr std::size_t max_encoded_word = 75;        // RFC 2047 §2
constexpr std::size_t encoded_word_line = 76;       // RFC 2047 §2, a line holding encoded-words
constexpr std::size_t max_plain_header_word = 900;  // longer words are split as encoded-words

// One header field: `body` is everything after "name:" (encoded, folded with CRLF SP, no final
// CRLF). Build one with the functions below; format_field() gives the bytes.
struct BuildField {
    std::string name;
    std::string body;
};

// "name:body\r\n".
std::string format_field(const BuildField& field);

// Unstructured text (Subject, Comments, X-*): words needing it (8-bit, controls, "=?", longer
// than max_plain_header_word) become encoded-words; leading or trailing whitespace is kept by
// encoding it with the next word. decode_rfc2047 of the body minus its first SP gives `utf8`
// back; invalid UTF-8 is the caller's to avoid (sanitize_utf8).
BuildField unstructured_field(std::string_view name, std::string_view utf8);

// An address list (From, To, Cc, ...). Display names become atoms, a quoted-string or
// encoded-words (RFC 2047 §5(3)); consecutive addresses with the same non-empty `group` are
// written as a group (§3.4). Local parts that are not dot-atoms (nor already quoted) are quoted.
BuildField address_field(std::string_view name, const std::vector<Address>& addresses);

struct BuildParameter {
    std::string name;   // ASCII token
    std::string value;  // UTF-8
};

// A parameterised field (Content-Type, Content-Disposition): "value; a=b; c*0*=utf-8''..".
// Values are tokens, quoted-strings, or RFC 2231 §4 extended values split into §3 sections
// when they hold 8-bit or control characters, "=?", or do not fit on one line.
BuildField parameter_field(std::string_view name, std::string_view value,
                           const std::vector<BuildParameter>& parameters);

// A field whose body is a short structured value written as it is ("1.0", "<id@host>").
BuildField plain_field(std::string_view name, std::string_view value);

// "<random@domain>" (RFC 5322 §3.6.4); the left side is 24 random characters plus a new_id().
std::string new_message_id(std::string_view domain);

// RFC 5322 §3.3 date-time: "Sun, 29 Nov 2026 11:29:38 +0100" for the local time at
// `offset_minutes` east of UTC.
std::string format_date(std::int64_t unix_seconds, int offset_minutes);

// Splits `utf8` into encoded-words (RFC 2047 §2, §4, §5(3) character set for Q) of at most
// max_encoded_word characters: `first_room` is the room on the current line for the first
// word, later words sit on lines of their own after CRLF SP and leave `reserve` characters
// free at the end of their line (for a "," after the last one).
std::string encode_words(std::string_view utf8, std::size_t first_room, std::size_t reserve = 0);

}  // namespace harbor::mime
