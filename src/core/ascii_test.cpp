// Unit tests for core/ascii: is_ascii finds a high byte at every offset of its 64-byte blocks
// and of the tail, and ascii_uppercase changes a-z alone, at every length around a block.
#include "core/ascii.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor {
namespace {

TEST(Ascii, IsAsciiSeesAHighByteAnywhere)
{
    static_assert(is_ascii("plain"));
    static_assert(!is_ascii("caf\xc3\xa9"));
    EXPECT_TRUE(is_ascii(""));
    for (std::size_t length : {1u, 63u, 64u, 65u, 127u, 128u, 200u}) {
        const std::string clean(length, '\x7f');
        EXPECT_TRUE(is_ascii(clean)) << length;
        for (std::size_t at = 0; at < length; ++at) {
            for (const char high : {'\x80', '\xff'}) {
                std::string text = clean;
                text[at] = high;
                EXPECT_FALSE(is_ascii(text)) << length << " at " << at;
            }
        }
    }
}

TEST(Ascii, UppercaseChangesOnlyLowercaseLetters)
{
    std::string every;
    for (int byte = 0; byte < 256; ++byte) {
        every.push_back(static_cast<char>(byte));
    }
    const std::string upper = ascii_uppercase(every);
    ASSERT_EQ(upper.size(), every.size());
    for (int byte = 0; byte < 256; ++byte) {
        const char want =
            byte >= 'a' && byte <= 'z' ? static_cast<char>(byte - 'a' + 'A') : every[byte];
        EXPECT_EQ(upper[byte], want) << byte;
    }
    for (std::size_t length : {0u, 1u, 15u, 16u, 17u, 100u}) {
        EXPECT_EQ(ascii_uppercase(std::string(length, 'q')), std::string(length, 'Q'));
    }
}

}  // namespace
}  // namespace harbor
