// Group commit: requests queued together share one transaction and one commit, and a failing
// request rolls back only its own savepoint.
#include "store/sqlite/write_batcher.hpp"

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>

#include "core/metrics.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store::sqlite {
namespace {

using testing::TempDir;

std::unique_ptr<Connection> open_db(const std::filesystem::path& file)
{
    Result<std::unique_ptr<Connection>> db = Connection::open(file, OpenMode::ReadWrite);
    EXPECT_TRUE(db);
    EXPECT_TRUE(configure_connection(**db));
    EXPECT_TRUE((*db)->exec("CREATE TABLE IF NOT EXISTS t (name TEXT PRIMARY KEY)"));
    return std::move(*db);
}

TypedWriteRequest<void>::Work insert(std::string name)
{
    return [name](WriteContext& ctx) -> Result<void> {
        Result<Statement> stmt = ctx.db.prepare("INSERT INTO t (name) VALUES (?)");
        HARBOR_TRY(stmt);
        return stmt->bind(1, name).run();
    };
}

TEST(WriteBatcher, FailedRequestInABatchDoesNotAffectTheOthers)
{
    TempDir dir;
    std::filesystem::path file = dir.path() / "t.db";
    auto batcher = std::make_unique<WriteBatcher>(open_db(file), nullptr);

    struct Case {
        std::string name;
        std::optional<Errc> want;  // nullopt: succeeds
    };
    const Case cases[] = {
        {"a", std::nullopt},
        {"b", std::nullopt},
        {"a", Errc::Exists},  // duplicate of the first request in the same batch
        {"c", std::nullopt},
    };
    std::vector<std::promise<Result<void>>> promises(std::size(cases));
    const metrics::Histogram& seconds = metrics::histogram("harbor_store_commit_seconds", "", {});
    const metrics::Histogram& sizes = metrics::histogram("harbor_store_commit_batch_size", "", {});
    const std::uint64_t commits_before = seconds.count();
    const double sizes_before = sizes.sum();
    // Queued before start(): the writer's first batch holds all of them.
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        batcher->submit<void>(insert(cases[i].name),
                              [&promises, i](Result<void> r) { promises[i].set_value(r); });
    }
    batcher->start();
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        Result<void> got = promises[i].get_future().get();
        if (cases[i].want) {
            ASSERT_FALSE(got) << i;
            EXPECT_EQ(got.error().code, *cases[i].want) << i;
        } else {
            EXPECT_TRUE(got) << i << ": " << got.error().to_string();
        }
    }
    EXPECT_EQ(batcher->commit_count(), 1u);
    // One commit observed, of the four requests (the failed one ran in it too).
    EXPECT_EQ(seconds.count(), commits_before + 1);
    EXPECT_EQ(sizes.count(), commits_before + 1);
    EXPECT_EQ(sizes.sum(), sizes_before + 4);
    batcher.reset();

    std::unique_ptr<Connection> check = open_db(file);
    Result<std::int64_t> rows = check->query_int64("SELECT count(*) FROM t");
    ASSERT_TRUE(rows);
    EXPECT_EQ(*rows, 3);
}

TEST(WriteBatcher, ThrowingWorkBecomesInternalAndTheBatchStillCommits)
{
    TempDir dir;
    WriteBatcher batcher(open_db(dir.path() / "t.db"), nullptr);
    std::promise<Result<void>> thrown;
    std::promise<Result<void>> fine;
    batcher.submit<void>([](WriteContext&) -> Result<void> { throw std::runtime_error("boom"); },
                         [&](Result<void> r) { thrown.set_value(r); });
    batcher.submit<void>(insert("x"), [&](Result<void> r) { fine.set_value(r); });
    batcher.start();
    Result<void> first = thrown.get_future().get();
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().code, Errc::Internal);
    EXPECT_TRUE(fine.get_future().get());
}

TEST(WriteBatcher, ReleasedBlobsReachAfterCommitOnlyFromSuccessfulRequests)
{
    TempDir dir;
    std::vector<std::string> seen;
    auto batcher = std::make_unique<WriteBatcher>(
        open_db(dir.path() / "t.db"),
        [&seen](Connection&, const std::vector<std::string>& released) {
            seen.insert(seen.end(), released.begin(), released.end());
        });
    batcher->submit<void>(
        [](WriteContext& ctx) -> Result<void> {
            ctx.released_blobs.push_back("kept");
            return ok();
        },
        [](Result<void>) {});
    batcher->submit<void>(
        [](WriteContext& ctx) -> Result<void> {
            ctx.released_blobs.push_back("rolled-back");
            return unexpected(Errc::Invalid, "no");
        },
        [](Result<void>) {});
    batcher->start();
    batcher.reset();  // drains
    EXPECT_EQ(seen, std::vector<std::string>{"kept"});
}

TEST(WriteBatcher, QueuedRequestsCompleteOnShutdown)
{
    TempDir dir;
    std::vector<Result<void>> results;
    {
        WriteBatcher batcher(open_db(dir.path() / "t.db"), nullptr);
        for (int i = 0; i < 10; ++i) {
            batcher.submit<void>(insert("n" + std::to_string(i)),
                                 [&results](Result<void> r) { results.push_back(r); });
        }
        // Never started explicitly: the destructor still serves the queue.
    }
    ASSERT_EQ(results.size(), 10u);
    for (const Result<void>& r : results) {
        EXPECT_TRUE(r);
    }
}

}  // namespace
}  // namespace harbor::store::sqlite
