// SummaryCache: hits and misses by the parts asked for, nothing kept for a blob without a
// summary, and two generations within the budget.
#include "store/text/summary_cache.hpp"

#include <gtest/gtest.h>

namespace harbor::store::text {
namespace {

BlobId blob(char c)
{
    return BlobId{std::string(64, c)};
}

BlobSummary summary(std::string header)
{
    BlobSummary out;
    out.header = std::move(header);
    out.envelope = "(NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL)";
    out.body = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)";
    out.body_structure = out.body;
    out.header_fields = 3;
    return out;
}

using Found = std::vector<std::optional<BlobSummary>>;

TEST(SummaryCache, AnswersWhatItHoldsForThePartsAsked)
{
    SummaryCache cache(1 << 20);
    const std::vector<BlobId> blobs = {blob('a'), blob('b'), blob('c')};
    Found out(3);
    EXPECT_EQ(cache.fill(blobs, true, out), (std::vector<std::size_t>{0, 1, 2}));
    out[0] = summary("Subject: a\r\n\r\n");
    out[2] = summary("Subject: c\r\n\r\n");  // b has none: not indexed yet
    const std::size_t all[] = {0, 1, 2};
    cache.remember(blobs, all, out, true);

    Found again(3);
    EXPECT_EQ(cache.fill(blobs, true, again), std::vector<std::size_t>{1});
    ASSERT_TRUE(again[0] && again[2]);
    EXPECT_EQ(again[0]->header, "Subject: a\r\n\r\n");
    EXPECT_EQ(again[2]->envelope, out[2]->envelope);
    EXPECT_EQ(again[2]->body_structure, out[2]->body_structure);
    // A header-only read of a complete entry gets no more than a header-only query would.
    Found headers(3);
    EXPECT_EQ(cache.fill(blobs, false, headers), std::vector<std::size_t>{1});
    ASSERT_TRUE(headers[0]);
    EXPECT_EQ(headers[0]->header, "Subject: a\r\n\r\n");
    EXPECT_EQ(headers[0]->header_fields, 3u);
    EXPECT_FALSE(headers[0]->envelope || headers[0]->body || headers[0]->body_structure);

    // A header-only entry does not answer a complete read, and a complete one replaces it.
    const std::vector<BlobId> other = {blob('d')};
    Found header_only(1);
    header_only[0] = BlobSummary{};
    header_only[0]->header = "Subject: d\r\n\r\n";
    const std::size_t first[] = {0};
    cache.remember(other, first, header_only, false);
    Found complete(1);
    EXPECT_EQ(cache.fill(other, true, complete), std::vector<std::size_t>{0});
    EXPECT_TRUE(cache.fill(other, false, complete).empty());
    complete[0] = summary("Subject: d\r\n\r\n");
    cache.remember(other, first, complete, true);
    Found now(1);
    EXPECT_TRUE(cache.fill(other, true, now).empty());
    EXPECT_TRUE(now[0] && now[0]->envelope);

    cache.clear();
    EXPECT_EQ(cache.bytes_for_test(), 0u);
    Found cleared(3);
    EXPECT_EQ(cache.fill(blobs, false, cleared).size(), 3u);
}

TEST(SummaryCache, KeepsTwoGenerationsWithinItsBudget)
{
    const std::string header(1000, 'h');
    const std::size_t budget = 20'000;  // two generations of about nine entries each
    SummaryCache cache(budget);
    std::vector<BlobId> blobs;
    for (char c = 'a'; c <= 'z'; ++c) {
        blobs.push_back(blob(c));
        Found one(1);
        one[0] = summary(header);
        const std::size_t first[] = {0};
        cache.remember(std::span<const BlobId>(&blobs.back(), 1), first, one, true);
        EXPECT_LE(cache.bytes_for_test(), budget);
    }
    Found out(blobs.size());
    const std::vector<std::size_t> missing = cache.fill(blobs, true, out);
    // The newest are all there; the oldest went with the first generation dropped.
    ASSERT_FALSE(missing.empty());
    EXPECT_EQ(missing.front(), 0u);
    EXPECT_LT(missing.back(), blobs.size() - 9);
    for (std::size_t i = missing.back() + 1; i < blobs.size(); ++i) {
        EXPECT_TRUE(out[i]) << i;
    }

    SummaryCache none(0);
    Found one(1);
    one[0] = summary(header);
    const std::size_t first[] = {0};
    none.remember(std::span<const BlobId>(blobs.data(), 1), first, one, true);
    EXPECT_EQ(none.fill(std::span<const BlobId>(blobs.data(), 1), true, one).size(), 1u);
}

}  // namespace
}  // namespace harbor::store::text
