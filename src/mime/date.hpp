// The Date field and other date-times: RFC 5322 §3.3 date-time with the obsolete forms of §4.3
// (two- and three-digit years, named zones UT/GMT/EST..PDT, military zones read as -0000),
// missing seconds or day name, comments and extra whitespace anywhere (§3.2.2), and the
// date-time after the last ';' of a Received field (RFC 5321 §4.4).
// SECURITY: header text is untrusted; input length and comment depth are capped, no
// recursion, every number is range checked before use. Invalid dates give std::nullopt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace harbor::mime {

constexpr std::size_t max_date_input = 4096;  // a date-time is ~31 bytes; room for comments
constexpr std::size_t max_date_comment_depth = 32;

struct DateTime {
    std::int64_t unix_seconds = 0;  // UTC
    int offset_minutes = 0;         // the zone as written: +0200 -> 120, -0330 -> -210
    bool unknown_zone = false;      // -0000, a military or unknown zone, or none (§4.3)
    bool obsolete = false;          // a §4.3 form: 2/3-digit year, named zone, numeric month
};

// Parses a field body (after the colon); the field ends at a line end not followed by WSP.
std::optional<DateTime> parse_date(std::string_view field_body);

}  // namespace harbor::mime
