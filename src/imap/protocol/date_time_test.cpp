// Unit tests for imap/protocol/date_time: date and date-time (RFC 9051 §9), range checks,
// leap years, and the conversion to Unix time.
#include "imap/protocol/date_time.hpp"

#include <gtest/gtest.h>

namespace harbor::imap {
namespace {

TEST(ImapDate, Parses)
{
    EXPECT_EQ(*parse_date("1-Feb-2024"), (Date{2024, 2, 1}));
    EXPECT_EQ(*parse_date("01-feb-2024"), (Date{2024, 2, 1}));  // month case-insensitive
    EXPECT_EQ(*parse_date("29-Feb-2024"), (Date{2024, 2, 29}));
    EXPECT_EQ(*parse_date("31-DEC-1999"), (Date{1999, 12, 31}));
    for (const char* text : {"", "1-Feb-24", "001-Feb-2024", "0-Feb-2024", "32-Jan-2024",
                             "29-Feb-2023", "29-Feb-1900", "31-Apr-2024", "1-Fbr-2024",
                             "1 Feb 2024", "1-Feb-2024 ", "1-Feb-20245", "-Feb-2024"}) {
        EXPECT_FALSE(parse_date(text)) << text;
    }
    EXPECT_TRUE(parse_date("29-Feb-2000"));  // divisible by 400
}

TEST(ImapDateTime, Parses)
{
    Result<DateTime> a = parse_date_time("01-Feb-2024 10:00:00 +0100");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->date, (Date{2024, 2, 1}));
    EXPECT_EQ(a->hour, 10);
    EXPECT_EQ(a->zone_minutes, 60);
    EXPECT_EQ(a->to_unix_seconds(), 1706778000);  // 2024-02-01T09:00:00Z
    Result<DateTime> b = parse_date_time(" 7-Jul-1996 02:44:25 -0730");  // date-day-fixed
    ASSERT_TRUE(b);
    EXPECT_EQ(b->date.day, 7);
    EXPECT_EQ(b->zone_minutes, -450);
    EXPECT_EQ(format_date_time(*b), "07-Jul-1996 02:44:25 -0730");
    EXPECT_EQ(format_date_time(*a), "01-Feb-2024 10:00:00 +0100");
    for (const char* text : {"1-Feb-2024 10:00:00 +0100", "01-Feb-2024 24:00:00 +0100",
                             "01-Feb-2024 10:60:00 +0100", "01-Feb-2024 10:00:61 +0100",
                             "01-Feb-2024 10:00:00 +0160", "01-Feb-2024 10:00:00 0100",
                             "01-Feb-2024T10:00:00 +0100", "01-Feb-2024 10:00:00 +01:0",
                             "31-Feb-2024 10:00:00 +0100", "01-Feb-2024 10:00:00 +0100 "}) {
        EXPECT_FALSE(parse_date_time(text)) << text;
    }
}

TEST(ImapDateTime, UnixEpochAndBefore)
{
    EXPECT_EQ(days_from_civil(Date{1970, 1, 1}), 0);
    EXPECT_EQ(days_from_civil(Date{1969, 12, 31}), -1);
    EXPECT_EQ(days_from_civil(Date{2000, 3, 1}), 11017);
    EXPECT_EQ(parse_date_time("01-Jan-1970 00:00:00 +0000")->to_unix_seconds(), 0);
}

}  // namespace
}  // namespace harbor::imap
