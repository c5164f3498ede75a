#include "store/flag_change.hpp"

#include <gtest/gtest.h>

namespace harbor::store {
namespace {

using Flags = std::vector<std::string>;

TEST(FlagChange, SameFlagsIgnoresOrderCaseAndRepeats)
{
    EXPECT_TRUE(same_flags({"\\Seen", "$Work"}, {"$work", "\\SEEN"}));
    EXPECT_TRUE(same_flags({"\\Seen", "\\seen"}, {"\\Seen"}));
    EXPECT_TRUE(same_flags({}, {}));
    EXPECT_FALSE(same_flags({"\\Seen"}, {"\\Seen", "\\Flagged"}));
    EXPECT_FALSE(same_flags({"\\Seen", "\\Flagged"}, {"\\Seen"}));
    EXPECT_FALSE(same_flags({"$a"}, {"$b"}));
}

TEST(FlagChange, AddRemoveAndReplaceAsRfc9051Says)
{
    const Flags current{"\\Seen", "$Work"};
    EXPECT_EQ(apply_flags(current, FlagMode::Add, {"\\Flagged", "\\seen"}),
              (Flags{"\\Seen", "$Work", "\\Flagged"}));
    EXPECT_EQ(apply_flags(current, FlagMode::Remove, {"$WORK"}), (Flags{"\\Seen"}));
    EXPECT_EQ(apply_flags(current, FlagMode::Replace, {"\\Draft"}), (Flags{"\\Draft"}));
}

TEST(FlagChange, NothingWhenTheFlagsWouldNotChange)
{
    const Flags current{"\\Seen", "$Work"};
    EXPECT_EQ(apply_flags(current, FlagMode::Add, {"\\SEEN"}), std::nullopt);
    EXPECT_EQ(apply_flags(current, FlagMode::Remove, {"\\Deleted"}), std::nullopt);
    EXPECT_EQ(apply_flags(current, FlagMode::Replace, {"$work", "\\seen"}), std::nullopt);
    EXPECT_EQ(apply_flags({}, FlagMode::Replace, {}), std::nullopt);
}

}  // namespace
}  // namespace harbor::store
