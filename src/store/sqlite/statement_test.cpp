// The mapping from SQLite result codes to Errc, and the Statement/Connection basics.
#include "store/sqlite/statement.hpp"

#include <gtest/gtest.h>

namespace harbor::store::sqlite {
namespace {

TEST(ErrcForSqlite, MapsEachFamily)
{
    struct Case {
        int code;
        Errc want;
    };
    const Case cases[] = {
        {SQLITE_CONSTRAINT_UNIQUE, Errc::Exists},
        {SQLITE_CONSTRAINT_PRIMARYKEY, Errc::Exists},
        {SQLITE_CONSTRAINT_FOREIGNKEY, Errc::Exists},
        {SQLITE_CONSTRAINT_CHECK, Errc::Invalid},
        {SQLITE_CONSTRAINT_NOTNULL, Errc::Invalid},
        {SQLITE_BUSY, Errc::TempFail},
        {SQLITE_BUSY_SNAPSHOT, Errc::TempFail},
        {SQLITE_LOCKED, Errc::TempFail},
        {SQLITE_IOERR_FSYNC, Errc::Io},
        {SQLITE_FULL, Errc::Io},
        {SQLITE_CORRUPT, Errc::Io},
        {SQLITE_NOTFOUND, Errc::NotFound},
        {SQLITE_TOOBIG, Errc::Limit},
        {SQLITE_MISUSE, Errc::Internal},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(errc_for_sqlite(c.code), c.want) << sqlite3_errstr(c.code);
    }
}

TEST(SqliteConnection, UniqueViolationIsExistsAndStatementIsReusable)
{
    Result<std::unique_ptr<Connection>> db = Connection::open(":memory:", OpenMode::ReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("CREATE TABLE t (name TEXT UNIQUE)"));
    const char* insert = "INSERT INTO t (name) VALUES (?)";
    {
        Result<Statement> stmt = (*db)->prepare(insert);
        ASSERT_TRUE(stmt);
        ASSERT_TRUE(stmt->bind(1, "a").run());
    }
    {
        Result<Statement> stmt = (*db)->prepare(insert);
        ASSERT_TRUE(stmt);
        Result<void> again = stmt->bind(1, "a").run();
        ASSERT_FALSE(again);
        EXPECT_EQ(again.error().code, Errc::Exists);
    }
    Result<Statement> stmt = (*db)->prepare(insert);
    ASSERT_TRUE(stmt);
    EXPECT_TRUE(stmt->bind(1, "b").run());
    Result<std::int64_t> count = (*db)->query_int64("SELECT count(*) FROM t");
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 2);
}

TEST(SqliteConnection, BlobsRoundTripBinaryAndEmptyBytes)
{
    Result<std::unique_ptr<Connection>> db = Connection::open(":memory:", OpenMode::ReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, bytes BLOB NOT NULL)"));
    const std::string binary("a\0b\xff\r\n", 6);
    const std::string_view values[] = {binary, std::string_view(), ""};
    for (std::size_t i = 0; i < std::size(values); ++i) {
        Result<Statement> insert = (*db)->prepare("INSERT INTO t (id, bytes) VALUES (?, ?)");
        ASSERT_TRUE(insert);
        ASSERT_TRUE(insert->bind(1, static_cast<std::int64_t>(i)).bind_blob(2, values[i]).run())
            << "value " << i;
        Result<Statement> select = (*db)->prepare("SELECT bytes FROM t WHERE id = ?");
        ASSERT_TRUE(select);
        Result<bool> row = select->bind(1, static_cast<std::int64_t>(i)).step();
        ASSERT_TRUE(row && *row);
        EXPECT_FALSE(select->column_is_null(0));
        EXPECT_EQ(select->column_blob(0), values[i]) << "value " << i;
    }
}

TEST(SqliteConnection, SyntaxErrorIsAnErrorNotAThrow)
{
    Result<std::unique_ptr<Connection>> db = Connection::open(":memory:", OpenMode::ReadWrite);
    ASSERT_TRUE(db);
    Result<Statement> stmt = (*db)->prepare("SELEKT 1");
    ASSERT_FALSE(stmt);
    EXPECT_EQ(stmt.error().code, Errc::Internal);
}

// Connection::open turns SQLite's allocation statistics off before SQLite initializes: with
// them on, every allocation of every connection takes one process-wide mutex. Off, SQLite
// counts no memory in use at all.
TEST(SqliteConnection, AllocationStatisticsAreOff)
{
    Result<std::unique_ptr<Connection>> db = Connection::open(":memory:", OpenMode::ReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000))"));
    sqlite3_int64 used = -1;
    sqlite3_int64 highest = -1;
    ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &highest, 0), SQLITE_OK);
    EXPECT_EQ(used, 0);
    EXPECT_EQ(highest, 0);
}

}  // namespace
}  // namespace harbor::store::sqlite
