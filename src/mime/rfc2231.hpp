// MIME parameters ("; name=value" after a Content-Type or Content-Disposition value, RFC 2045
// §5.1, RFC 2183 §2) with RFC 2231 continuations (§3), charset'language'%XX values (§4) and
// both combined (§4.1), returned as UTF-8.
// SECURITY: header text is untrusted; input, parameter count, sections per parameter and each
// value are capped by Rfc2231Limits; parsing never fails. Fuzzed by fuzz_rfc2231.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::mime {

constexpr std::size_t default_max_parameter_input = 64 * 1024;   // the whole parameter list
constexpr std::size_t default_max_parameters = 64;               // raw name=value pairs
constexpr std::size_t default_max_sections = 100;                // RFC 2231 §3 name*0 .. *99
constexpr std::size_t default_max_parameter_value = 16 * 1024;   // one value, UTF-8 bytes

struct Rfc2231Limits {
    std::size_t max_input = default_max_parameter_input;
    std::size_t max_parameters = default_max_parameters;
    std::size_t max_sections = default_max_sections;
    std::size_t max_value = default_max_parameter_value;
};

struct MimeParameter {
    std::string name;              // lower case, without any "*" section or extension mark
    std::string value;             // UTF-8
    std::string charset;           // from an RFC 2231 §4 value, as written; empty otherwise
    std::string language;          // from an RFC 2231 §4 value; empty otherwise
    bool unknown_charset = false;  // value is the raw bytes read as UTF-8
};

struct ParameterList {
    std::vector<MimeParameter> parameters;  // one per name, in order of first appearance
    bool malformed = false;    // something was skipped: bad syntax, a gap, a duplicate
    bool had_invalid = false;  // bytes were replaced by U+FFFD
    bool truncated = false;    // a limit was hit
};

// Parses a parameter list such as `; charset="utf-8"; title*0*=us-ascii'en'a%20b`.
// Duplicates: the first occurrence of a name (or of one section) wins. Continuations are
// joined in numeric order from *0 and stop at the first gap. An RFC 2231 value wins over a
// plain one of the same name. Plain values holding RFC 2047 encoded-words are decoded, as
// mail readers do for the common `filename="=?utf-8?B?...?="`.
ParameterList parse_mime_parameters(std::string_view text, Rfc2231Limits limits = {});

// The parameter with this (case-insensitive) name, or nullptr.
const MimeParameter* find_parameter(const ParameterList& list, std::string_view name);

}  // namespace harbor::mime
