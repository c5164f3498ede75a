// IMAP dates and date-times: "date" in SEARCH keys (RFC 9051 §9: date = date-text /
// DQUOTE date-text DQUOTE, date-text = date-day "-" date-month "-" date-year) and "date-time"
// in APPEND (date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone
// DQUOTE). Month names are case-insensitive (RFC 5234 §2.3).
// SECURITY: untrusted input of fixed shape; every field is range-checked (day against the
// month, leap years, zone within +-99:59) and nothing is allocated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::imap {

struct Date {
    int year = 1970;  // four digits, as written
    int month = 1;    // 1..12
    int day = 1;      // 1..31, valid for the month

    bool operator==(const Date&) const = default;
};

struct DateTime {
    Date date;
    int hour = 0;         // 0..23
    int minute = 0;       // 0..59
    int second = 0;       // 0..60 (a leap second is tolerated)
    int zone_minutes = 0; // offset east of UTC: "+0100" is 60, "-0430" is -270

    bool operator==(const DateTime&) const = default;

    // Seconds since 1970-01-01T00:00:00Z (negative before then).
    std::int64_t to_unix_seconds() const;
};

// date-text without the optional quotes (the grammar removes them): "1-Feb-2024",
// "01-Feb-2024". Errc::Invalid for anything else.
Result<Date> parse_date(std::string_view text);

// The content of a date-time without its quotes: "01-Feb-2024 10:00:00 +0100"; date-day-fixed
// allows " 1-Feb-2024" (SP DIGIT). Errc::Invalid otherwise.
Result<DateTime> parse_date_time(std::string_view text);

// "01-Feb-2024 10:00:00 +0100" (without quotes), for INTERNALDATE responses.
std::string format_date_time(const DateTime& value);

// Days since 1970-01-01 of a valid date (proleptic Gregorian).
std::int64_t days_from_civil(const Date& date);

}  // namespace harbor::imap
