// Unit tests for mime/date: RFC 5322 §3.3 and Appendix A.1.1, A.5 and A.6.2 dates, the §4.3
// obsolete forms (2- and 3-digit years, named and military zones), and invalid dates.
#include "mime/date.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace harbor::mime {
namespace {

struct DateCase {
    const char* label;
    std::string input;
    std::optional<std::int64_t> unix_seconds;
    int offset_minutes = 0;
    bool unknown_zone = false;
};

std::vector<DateCase> date_cases()
{
    return {
        {"A.1.1", "Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360},
        {"A.1.2", "Tue, 1 Jul 2003 10:52:37 +0200", 1057049557, 120},
        {"A.5 comments",
         "Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n"
         "               -0330 (Newfoundland Time)",
         -27723480, -210},
        {"A.6.2 two-digit year", "21 Nov 97 09:55:06 GMT", 880106106, 0},
        {"4.3 year 2049", "1 Jan 49 00:00:00 +0000", 2493072000, 0},
        {"4.3 year 1950", "1 Jan 50 00:00:00 +0000", -631152000, 0},
        {"4.3 three-digit year", "1 Jan 100 00:00:00 +0000", 946684800, 0},
        {"named EST", "Sun, 27 Oct 2002 23:57:07 EST", 1035781027, -300},
        {"named PDT", "Mon, 10 Oct 2022 10:31:15 PDT", 1665423075, -420},
        {"UT", "1 Jan 2000 00:00:00 UT", 946684800, 0},
        {"military", "1 Jan 2000 00:00:00 Q", 946684800, 0, true},
        {"minus zero", "1 Jan 2000 00:00:00 -0000", 946684800, 0, true},
        {"missing zone", "1 Jan 2000 00:00:00", 946684800, 0, true},
        {"missing seconds", "Wed, 27 Jun 99 04:11 +0900", 930424260, 540},
        {"leap second", "31 Dec 2016 23:59:60 +0000", 1483228800, 0},
        {"nested comment", "Tue, 1 Jul 2003 ((tricky)\r\n comment) 10:52:37 +0200", 1057049557,
         120},
        {"received", "from x by y; Mon, 10 Oct 2022 10:31:15 -0700 (PDT)", 1665423075, -420},
        {"extra space around colon", "1 Jan 2000 10 : 20 : 30 +0000", 946722030, 0},
        {"bad month", "13 zzz 2021 09:55:06 +0200", std::nullopt},
        {"bad day", "31 Feb 2021 09:55:06 +0200", std::nullopt},
        {"bad hour", "1 Feb 2021 24:00:00 +0200", std::nullopt},
        {"bad zone minutes", "1 Feb 2021 10:00:00 +0260", std::nullopt},
        {"unclosed comment", "Tue, 1 Jul 2003 ((invalid)\ncomment) 10:52:37 +0200", std::nullopt},
        {"words", "some numbers 0 1 2 but invalid", std::nullopt},
        {"empty", "", std::nullopt},
    };
}

TEST(Date, Table)
{
    for (const DateCase& c : date_cases()) {
        SCOPED_TRACE(c.label);
        std::optional<DateTime> date = parse_date(c.input);
        ASSERT_EQ(date.has_value(), c.unix_seconds.has_value());
        if (!date) {
            continue;
        }
        EXPECT_EQ(date->unix_seconds, *c.unix_seconds);
        EXPECT_EQ(date->offset_minutes, c.offset_minutes);
        EXPECT_EQ(date->unknown_zone, c.unknown_zone);
    }
}

TEST(Date, DeepCommentsAreRejected)
{
    std::string deep =
        "1 Jan 2000 " + std::string(100, '(') + std::string(100, ')') + " 00:00 +0000";
    EXPECT_FALSE(parse_date(deep).has_value());
    EXPECT_FALSE(parse_date(std::string(max_date_input + 1, ' ')).has_value());
}

TEST(Date, EveryPrefixIsSafe)
{
    for (const DateCase& c : date_cases()) {
        for (std::size_t n = 0; n <= c.input.size(); ++n) {
            (void)parse_date(std::string_view(c.input).substr(0, n));
        }
    }
}

}  // namespace
}  // namespace harbor::mime
