// BlobCache: found until pushed out by newer blobs past the byte bound, least recently used
// first; too large a blob is not kept; forget removes one.
#include "store/blob_cache.hpp"

#include <gtest/gtest.h>

namespace harbor::store {
namespace {

std::shared_ptr<const std::string> bytes_of(std::size_t size, char fill)
{
    return std::make_shared<const std::string>(size, fill);
}

TEST(BlobCache, KeepsWithinItsBoundLeastRecentlyUsedOutFirst)
{
    BlobCache cache(300, 200);
    cache.keep("a", bytes_of(100, 'a'));
    cache.keep("b", bytes_of(100, 'b'));
    cache.keep("c", bytes_of(100, 'c'));
    EXPECT_EQ(cache.bytes(), 300u);
    ASSERT_NE(cache.find("a"), nullptr);  // now the most recently used
    cache.keep("d", bytes_of(100, 'd'));
    EXPECT_EQ(cache.find("b"), nullptr);
    ASSERT_NE(cache.find("a"), nullptr);
    EXPECT_EQ(*cache.find("a"), std::string(100, 'a'));
    EXPECT_NE(cache.find("c"), nullptr);
    EXPECT_NE(cache.find("d"), nullptr);
    EXPECT_EQ(cache.bytes(), 300u);
}

TEST(BlobCache, TooLargeIsNotKeptAndForgetRemoves)
{
    BlobCache cache(1000, 200);
    cache.keep("big", bytes_of(201, 'x'));
    EXPECT_EQ(cache.find("big"), nullptr);
    EXPECT_EQ(cache.bytes(), 0u);
    cache.keep("small", bytes_of(10, 'y'));
    cache.keep("small", bytes_of(10, 'y'));  // again: counted once
    EXPECT_EQ(cache.bytes(), 10u);
    cache.forget("small");
    cache.forget("never kept");
    EXPECT_EQ(cache.find("small"), nullptr);
    EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace harbor::store
