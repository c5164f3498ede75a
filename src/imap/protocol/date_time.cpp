// IMAP date and date-time: RFC 9051 §9 (date, date-text, date-day, date-day-fixed,
// date-month, date-year, time, zone).
// SECURITY: fixed-shape untrusted text, each field range-checked; no allocation when parsing.
#include "imap/protocol/date_time.hpp"

#include <array>
#include <cstdio>

#include "core/ascii.hpp"

namespace harbor::imap {
namespace {

constexpr std::array<std::string_view, 12> month_names = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month)
{
    constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// Exactly `count` digits.
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& value)
{
    if (pos + count > text.size()) {
        return false;
    }
    value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (!is_ascii_digit(text[i])) {
            return false;
        }
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

// date-month "-" date-year (4DIGIT) starting at pos, which must end the text.
Result<Date> parse_month_year(std::string_view text, std::size_t pos, int day)
{
    if (pos + 3 + 1 + 4 != text.size() || text[pos + 3] != '-') {
        return unexpected(Errc::Invalid, "invalid date");
    }
    Date date;
    date.day = day;
    date.month = 0;
    for (std::size_t i = 0; i < month_names.size(); ++i) {
        if (iequals(text.substr(pos, 3), month_names[i])) {
            date.month = static_cast<int>(i) + 1;
        }
    }
    if (date.month == 0 || !read_digits(text, pos + 4, 4, date.year)) {
        return unexpected(Errc::Invalid, "invalid date");
    }
    if (day < 1 || day > days_in_month(date.year, date.month)) {
        return unexpected(Errc::Invalid, "day out of range for month");
    }
    return date;
}

}  // namespace

std::int64_t days_from_civil(const Date& date)
{
    // Days from 0000-03-01 counted by 400-year eras, shifted to 1970-01-01.
    const std::int64_t y = date.year - (date.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t year_of_era = y - era * 400;
    const std::int64_t m = date.month;
    const std::int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + date.day - 1;
    const std::int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

std::int64_t DateTime::to_unix_seconds() const
{
    return days_from_civil(date) * 86400 + hour * 3600 + minute * 60 + second -
           static_cast<std::int64_t>(zone_minutes) * 60;
}

Result<Date> parse_date(std::string_view text)
{
    // date-day = 1*2DIGIT
    std::size_t digits = 0;
    while (digits < text.size() && digits < 3 && is_ascii_digit(text[digits])) {
        ++digits;
    }
    int day = 0;
    if (digits < 1 || digits > 2 || !read_digits(text, 0, digits, day) ||
        digits >= text.size() || text[digits] != '-') {
        return unexpected(Errc::Invalid, "invalid date");
    }
    return parse_month_year(text, digits + 1, day);
}

Result<DateTime> parse_date_time(std::string_view text)
{
    // "dd-Mon-yyyy hh:mm:ss +zzzz": 26 octets exactly.
    if (text.size() != 26 || text[11] != ' ' || text[14] != ':' || text[17] != ':' ||
        text[20] != ' ' || (text[21] != '+' && text[21] != '-')) {
        return unexpected(Errc::Invalid, "invalid date-time");
    }
    int day = 0;
    // date-day-fixed = (SP DIGIT) / 2DIGIT
    if (text[0] == ' ') {
        if (!read_digits(text, 1, 1, day)) {
            return unexpected(Errc::Invalid, "invalid date-time");
        }
    } else if (!read_digits(text, 0, 2, day)) {
        return unexpected(Errc::Invalid, "invalid date-time");
    }
    if (text[2] != '-') {
        return unexpected(Errc::Invalid, "invalid date-time");
    }
    Result<Date> date = parse_month_year(text.substr(0, 11), 3, day);
    if (!date) {
        return unexpected(std::move(date).error());
    }
    DateTime out;
    out.date = *date;
    int zone_hours = 0;
    int zone_mins = 0;
    if (!read_digits(text, 12, 2, out.hour) || !read_digits(text, 15, 2, out.minute) ||
        !read_digits(text, 18, 2, out.second) || !read_digits(text, 22, 2, zone_hours) ||
        !read_digits(text, 24, 2, zone_mins)) {
        return unexpected(Errc::Invalid, "invalid date-time");
    }
    if (out.hour > 23 || out.minute > 59 || out.second > 60 || zone_mins > 59) {
        return unexpected(Errc::Invalid, "time out of range");
    }
    out.zone_minutes = (zone_hours * 60 + zone_mins) * (text[21] == '-' ? -1 : 1);
    return out;
}

std::string format_date_time(const DateTime& value)
{
    const int zone = value.zone_minutes < 0 ? -value.zone_minutes : value.zone_minutes;
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%02d-%s-%04d %02d:%02d:%02d %c%02d%02d",
                  value.date.day,
                  std::string(month_names[static_cast<std::size_t>(value.date.month - 1)]).c_str(),
                  value.date.year, value.hour, value.minute, value.second,
                  value.zone_minutes < 0 ? '-' : '+', zone / 60, zone % 60);
    return buffer;
}

}  // namespace harbor::imap
