// xtext (RFC 3461 §4): the encoding of DSN and AUTH= parameter values. xchar is printable ASCII
// 33..126 except '+' and '='; any other octet is written "+XX" with two upper-case hex digits.
// SECURITY: decode_xtext() takes untrusted parameter values; it is strict (a lone '+', lower-case
// or non-hex digits, or a byte outside xchar are errors), single-pass, and its output is never
// longer than its input. Fuzzed through fuzz_smtp_command.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace harbor::smtp {

// The decoded octets (any values, NUL included: callers check what they store), or nullopt.
std::optional<std::string> decode_xtext(std::string_view text);

// Any octets to xtext; decode_xtext(encode_xtext(x)) == x.
std::string encode_xtext(std::string_view bytes);

}  // namespace harbor::smtp
