// Unit tests for imap/protocol/sequence_set: RFC 9051 §9 sequence-set, "*" and reversed
// ranges, "$" (RFC 5182 §2), resolving against the message count or largest UID (§6.4.9), and
// the range limit. Ranges are never expanded: 1:4294967295 is one range.
#include "imap/protocol/sequence_set.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::imap {
namespace {

TEST(ImapSequenceSet, ParsesAndFormats)
{
    const struct {
        const char* text;
        std::vector<SequenceRange> ranges;
        const char* formatted;
    } cases[] = {
        {"1", {{1, 1}}, "1"},
        {"1:*", {{1, sequence_star}}, "1:*"},
        {"*", {{sequence_star, sequence_star}}, "*"},
        {"4294967295:1", {{4294967295U, 1}}, "4294967295:1"},
        {"2,4:7,9,12:*", {{2, 2}, {4, 7}, {9, 9}, {12, sequence_star}}, "2,4:7,9,12:*"},
        {"*:4", {{sequence_star, 4}}, "*:4"},
    };
    for (const auto& c : cases) {
        Result<SequenceSet> set = parse_sequence_set(c.text);
        ASSERT_TRUE(set) << c.text;
        EXPECT_EQ(set->ranges, c.ranges) << c.text;
        EXPECT_FALSE(set->saved_result);
        EXPECT_EQ(format_sequence_set(*set), c.formatted);
    }
    Result<SequenceSet> saved = parse_sequence_set("$");
    ASSERT_TRUE(saved);
    EXPECT_TRUE(saved->saved_result);
    EXPECT_EQ(format_sequence_set(*saved), "$");
    Result<SequenceSet> mixed = parse_sequence_set("1:5,$");  // RFC 9051 §9 recursion
    ASSERT_TRUE(mixed);
    EXPECT_TRUE(mixed->saved_result);
    EXPECT_EQ(mixed->ranges, (std::vector<SequenceRange>{{1, 5}}));
    EXPECT_EQ(format_sequence_set(*mixed), "1:5,$");
}

TEST(NumberRuns, RunsOfConsecutiveNumbersInTheOrderGiven)
{
    EXPECT_EQ(format_number_runs({}), "");
    EXPECT_EQ(format_number_runs({7}), "7");
    EXPECT_EQ(format_number_runs({1, 2, 3, 7}), "1:3,7");
    EXPECT_EQ(format_number_runs({4, 5, 9, 10, 11, 2}), "4:5,9:11,2");  // not sorted
    EXPECT_EQ(format_number_runs({4294967294u, 4294967295u}), "4294967294:4294967295");
    EXPECT_EQ(format_number_runs({5, 5}), "5,5");
}

TEST(ImapSequenceSet, Refusals)
{
    for (const char* text : {"", "0", "0:5", "1:0", "4294967296", "99999999999999999999", "1,",
                             ",1", "1::2", "1:2:3", "a", "$,1", "1,$,2", "$$", "1:$", "01", "1 ", "-1"}) {
        Result<SequenceSet> set = parse_sequence_set(text);
        EXPECT_FALSE(set) << text;
        if (!set) {
            EXPECT_EQ(set.error().code, Errc::Invalid) << text;
        }
    }
}

TEST(ImapSequenceSet, RangeLimit)
{
    SequenceLimits limits;
    limits.max_ranges = 3;
    EXPECT_TRUE(parse_sequence_set("1,2,3", limits));
    Result<SequenceSet> set = parse_sequence_set("1,2,3,4", limits);
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().code, Errc::Limit);
}

TEST(ImapSequenceSet, HugeRangeIsOneRange)
{
    Result<SequenceSet> set = parse_sequence_set("1:4294967295");
    ASSERT_TRUE(set);
    ASSERT_EQ(set->ranges.size(), 1U);
    Result<std::vector<ResolvedRange>> resolved =
        resolve(*set, 4294967295U, SequenceKind::Uids);
    ASSERT_TRUE(resolved);
    EXPECT_EQ(*resolved, (std::vector<ResolvedRange>{{1, 4294967295U}}));
    EXPECT_TRUE(contains(*resolved, 4294967295U));
}

TEST(ImapSequenceSet, ResolvesUids)
{
    // RFC 9051 §6.4.9: "a UID range of 559:* always includes the UID of the last message in
    // the mailbox, even if 559 is higher than any assigned UID value".
    Result<std::vector<ResolvedRange>> a =
        resolve(*parse_sequence_set("559:*"), 100, SequenceKind::Uids);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, (std::vector<ResolvedRange>{{100, 100}}));
    // Reversed, overlapping and adjacent ranges sort and merge; UIDs beyond the end vanish.
    Result<std::vector<ResolvedRange>> b =
        resolve(*parse_sequence_set("9:7,1,2:3,20,500,*"), 50, SequenceKind::Uids);
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, (std::vector<ResolvedRange>{{1, 3}, {7, 9}, {20, 20}, {50, 50}}));
    EXPECT_TRUE(contains(*b, 8));
    EXPECT_FALSE(contains(*b, 4));
    EXPECT_FALSE(contains(*b, 0));
    EXPECT_FALSE(contains(*b, 51));
    // Empty mailbox: nothing, not an error.
    Result<std::vector<ResolvedRange>> c =
        resolve(*parse_sequence_set("1:*"), 0, SequenceKind::Uids);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->empty());
}

TEST(ImapSequenceSet, ResolvesMessageNumbers)
{
    Result<std::vector<ResolvedRange>> a =
        resolve(*parse_sequence_set("*:2,1"), 5, SequenceKind::MessageNumbers);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, (std::vector<ResolvedRange>{{1, 5}}));
    // A message number beyond the mailbox is a client error (RFC 9051 §6.4.x: BAD).
    Result<std::vector<ResolvedRange>> b =
        resolve(*parse_sequence_set("4:6"), 5, SequenceKind::MessageNumbers);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error().code, Errc::Invalid);
    EXPECT_FALSE(resolve(*parse_sequence_set("$"), 5, SequenceKind::MessageNumbers));
}

TEST(ImapSequenceSet, ResolveMergesAtTheTopWithoutOverflow)
{
    Result<std::vector<ResolvedRange>> a = resolve(
        *parse_sequence_set("4294967295,1:4294967294"), 4294967295U, SequenceKind::Uids);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, (std::vector<ResolvedRange>{{1, 4294967295U}}));
}

}  // namespace
}  // namespace harbor::imap
