#include "core/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace harbor {
namespace {

Result<int> parse_digit(char c)
{
    if (c < '0' || c > '9') {
        return unexpected(Errc::Invalid, std::string("not a digit: ") + c);
    }
    return c - '0';
}

Result<int> sum_two(char a, char b)
{
    Result<int> x = parse_digit(a);
    HARBOR_TRY(x);
    Result<int> y = parse_digit(b);
    HARBOR_TRY(y);
    return *x + *y;
}

TEST(Result, HoldsValueOrError)
{
    Result<int> good = parse_digit('7');
    ASSERT_TRUE(good);
    EXPECT_EQ(*good, 7);

    Result<int> bad = parse_digit('x');
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::Invalid);
    EXPECT_EQ(bad.error().to_string(), "invalid: not a digit: x");
    EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, TryPropagatesTheFirstFailure)
{
    EXPECT_EQ(*sum_two('2', '3'), 5);
    Result<int> failed = sum_two('2', 'q');
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().detail, "not a digit: q");
}

TEST(Result, VoidAndMoveOnly)
{
    Result<void> fine = ok();
    EXPECT_TRUE(fine);
    Result<void> broken = unexpected(Errc::TempFail, "disk busy");
    EXPECT_FALSE(broken);
    EXPECT_EQ(broken.error().code, Errc::TempFail);

    Result<std::unique_ptr<int>> owned = std::make_unique<int>(4);
    ASSERT_TRUE(owned);
    std::unique_ptr<int> taken = std::move(owned).value();
    EXPECT_EQ(*taken, 4);
}

TEST(Errc, EveryCodeHasAName)
{
    for (int i = 0; i <= static_cast<int>(Errc::Internal); ++i) {
        EXPECT_FALSE(errc_name(static_cast<Errc>(i)).empty());
    }
    EXPECT_EQ(errc_name(Errc::NotFound), "not-found");
}

}  // namespace
}  // namespace harbor
