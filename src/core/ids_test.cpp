#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace harbor {
namespace {

TEST(Ids, IdsAreShortLowerBase32AndDistinct)
{
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string id = new_id();
        ASSERT_EQ(id.size(), 12u);
        for (char c : id) {
            EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')) << id;
        }
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, TokensHaveNoLookAlikes)
{
    std::string token = random_token(4000);
    ASSERT_EQ(token.size(), 4000u);
    for (char look_alike : std::string("0O1lI")) {
        EXPECT_EQ(token.find(look_alike), std::string::npos) << look_alike;
    }
    EXPECT_NE(random_token(20), random_token(20));
}

}  // namespace
}  // namespace harbor
