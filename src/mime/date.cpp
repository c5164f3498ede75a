// RFC 5322 §3.3 date-time and §4.3 obsolete date forms. See date.hpp.
// SECURITY: bounded input, iterative comment skipping, range checks before arithmetic.
#include "mime/date.hpp"
#include "mime/header.hpp"

#include <array>
#include <string>
#include <vector>

#include "core/ascii.hpp"

namespace harbor::mime {
namespace {

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iprefix(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (lower(text[i]) != prefix[i]) {
            return false;
        }
    }
    return true;
}

bool iequal(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && iprefix(a, b);
}

// Comments become spaces; ':' loses the FWS around it (obs-time allows it). Empty if a comment
// is unclosed or too deep.
std::optional<std::string> strip_comments(std::string_view text)
{
    std::string out;
    std::size_t depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (depth > 0) {
            if (c == '\\') {
                ++i;
            } else if (c == '(') {
                ++depth;
            } else if (c == ')') {
                --depth;
            }
            if (depth > max_date_comment_depth) {
                return std::nullopt;
            }
            if (depth == 0) {
                out += ' ';
            }
            continue;
        }
        if (c == '(') {
            depth = 1;
        } else if (c == ':') {
            while (!out.empty() && out.back() == ' ') {
                out.pop_back();
            }
            out += ':';
            while (i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t')) {
                ++i;
            }
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
            if (out.empty() || out.back() != ' ') {
                out += ' ';
            }
        } else {
            out += c;
        }
    }
    if (depth != 0) {
        return std::nullopt;
    }
    return out;
}

std::vector<std::string_view> split(std::string_view text)
{
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') {
            ++i;
        }
        std::size_t start = i;
        while (i < text.size() && text[i] != ' ') {
            ++i;
        }
        if (i > start) {
            words.push_back(text.substr(start, i - start));
        }
    }
    return words;
}

// Digits only, at most max_digits of them; -1 otherwise.
int number(std::string_view text, std::size_t max_digits)
{
    if (text.empty() || text.size() > max_digits) {
        return -1;
    }
    int value = 0;
    for (char c : text) {
        if (!is_ascii_digit(c)) {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

constexpr std::array<std::string_view, 7> day_names = {"mon", "tue", "wed", "thu",
                                                       "fri", "sat", "sun"};
constexpr std::array<std::string_view, 12> month_names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> month_full = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

bool is_day_name(std::string_view word)
{
    for (std::string_view day : day_names) {
        if (iequal(word, day) || (word.size() > 3 && iprefix(word, day))) {
            return true;
        }
    }
    return false;
}

int month_number(std::string_view word)
{
    for (std::size_t i = 0; i < month_names.size(); ++i) {
        if (iequal(word, month_names[i]) || iequal(word, month_full[i])) {
            return static_cast<int>(i) + 1;
        }
    }
    return -1;
}

// RFC 5322 §4.3 obs-zone, as minutes east of UTC.
struct NamedZone {
    std::string_view name;
    int minutes;
};
constexpr std::array<NamedZone, 11> named_zones = {{{"gmt", 0},
                                                    {"utc", 0},
                                                    {"ut", 0},
                                                    {"edt", -4 * 60},
                                                    {"est", -5 * 60},
                                                    {"cdt", -5 * 60},
                                                    {"cst", -6 * 60},
                                                    {"mdt", -6 * 60},
                                                    {"mst", -7 * 60},
                                                    {"pdt", -7 * 60},
                                                    {"pst", -8 * 60}}};

bool leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month)
{
    constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap(year) ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (shift the year to start in March).
std::int64_t days_since_epoch(int year, int month, int day)
{
    std::int64_t y = year - (month <= 2 ? 1 : 0);
    std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    std::int64_t year_of_era = y - era * 400;
    std::int64_t shifted_month = month > 2 ? month - 3 : month + 9;
    std::int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

}  // namespace

std::optional<DateTime> parse_date(std::string_view field_body)
{
    std::string_view text = field_extent(field_body);
    if (text.size() > max_date_input) {
        return std::nullopt;
    }
    if (std::size_t semi = text.rfind(';'); semi != std::string_view::npos) {
        text = text.substr(semi + 1);
    }
    std::optional<std::string> clean = strip_comments(text);
    if (!clean) {
        return std::nullopt;
    }
    std::vector<std::string_view> words = split(*clean);

    DateTime result;
    std::size_t at = 0;
    if (at < words.size() && !words[at].empty() && is_ascii_alpha(words[at][0])) {
        if (!is_day_name(words[at])) {
            return std::nullopt;
        }
        ++at;
    }
    if (words.size() < at + 4) {
        return std::nullopt;
    }
    int day = number(words[at], 2);
    int month = month_number(words[at + 1]);
    if (month < 0) {
        month = number(words[at + 1], 2);  // "20 11 79": not RFC, sent by old software
        result.obsolete = true;
    }
    std::string_view year_word = words[at + 2];
    int year = number(year_word, 4);
    if (day < 1 || month < 1 || month > 12 || year < 0) {
        return std::nullopt;
    }
    if (year_word.size() == 2) {  // §4.3: 00-49 -> 2000-2049, 50-99 -> 1950-1999
        year += year < 50 ? 2000 : 1900;
        result.obsolete = true;
    } else if (year_word.size() == 3) {  // §4.3: add 1900
        year += 1900;
        result.obsolete = true;
    }
    if (year < 1900 || day > days_in_month(year, month)) {
        return std::nullopt;
    }

    std::string_view time = words[at + 3];
    std::size_t colon1 = time.find(':');
    if (colon1 == std::string_view::npos) {
        return std::nullopt;
    }
    std::size_t colon2 = time.find(':', colon1 + 1);
    int hour = number(time.substr(0, colon1), 2);
    int minute =
        number(time.substr(colon1 + 1, colon2 == std::string_view::npos ? std::string_view::npos
                                                                        : colon2 - colon1 - 1),
               2);
    int second = colon2 == std::string_view::npos ? 0 : number(time.substr(colon2 + 1), 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
        return std::nullopt;
    }

    result.unknown_zone = true;  // missing zone: read as -0000
    if (words.size() > at + 4) {
        std::string_view zone = words[at + 4];
        if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
            int hhmm = number(zone.substr(1), 4);
            if (hhmm < 0 || hhmm % 100 > 59) {
                return std::nullopt;
            }
            int minutes = hhmm / 100 * 60 + hhmm % 100;
            result.offset_minutes = zone[0] == '-' ? -minutes : minutes;
            result.unknown_zone = zone == "-0000";
        } else if (!zone.empty() && is_ascii_alpha(zone[0])) {
            result.obsolete = true;
            for (const NamedZone& named : named_zones) {
                if (iprefix(zone, named.name)) {  // "EST5EDT" reads as EST
                    result.offset_minutes = named.minutes;
                    result.unknown_zone = false;
                    break;
                }
            }
        } else {
            return std::nullopt;
        }
    }
    std::int64_t local =
        days_since_epoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    result.unix_seconds = local - static_cast<std::int64_t>(result.offset_minutes) * 60;
    return result;
}

}  // namespace harbor::mime
