// The SQLite store as a whole: connection settings, durability across reopen, and the crash
// test: a child process appends small (inline) and large (file) messages from several threads
// and reports each acknowledged append through a pipe; the parent kills it with SIGKILL,
// reopens, and finds every acknowledged message with its blob, an intact database, consistent
// refcounts and no orphan files.
#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <map>
#include <thread>

#include "store/blob_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store::sqlite {
namespace {

namespace fs = std::filesystem;
using testing::append_request;
using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

Result<std::string> query_text(Connection& db, const char* sql)
{
    Result<Statement> stmt = db.prepare(sql);
    HARBOR_TRY(stmt);
    Result<bool> row = stmt->step();
    HARBOR_TRY(row);
    return *row ? stmt->column_text(0) : std::string();
}

TEST(SqliteStore, ConnectionSettings)
{
    TempDir dir;
    ASSERT_NE(open_or_fail(dir.path()), nullptr);
    Result<std::unique_ptr<Connection>> db =
        Connection::open(dir.path() / database_file_name, OpenMode::ReadWrite);
    ASSERT_TRUE(db);
    ASSERT_TRUE(configure_connection(**db));
    EXPECT_EQ(*query_text(**db, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(*(*db)->query_int64("PRAGMA synchronous"), 2);  // FULL
    EXPECT_EQ(*(*db)->query_int64("PRAGMA foreign_keys"), 1);
}

// DESIGN.md: readers never wait for the writer. Another connection holds the database's write
// lock with an uncommitted insert; the store's reads still answer at once, from the last
// committed state (WAL), instead of waiting for busy_timeout.
TEST(SqliteStore, ReadsDoNotWaitForAnOpenWriteTransaction)
{
    TempDir dir;
    std::unique_ptr<Store> store = open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_domain("committed.example"));

    Result<std::unique_ptr<Connection>> writer =
        Connection::open(dir.path() / database_file_name, OpenMode::ReadWrite);
    ASSERT_TRUE(writer);
    ASSERT_TRUE(configure_connection(**writer));
    ASSERT_TRUE((*writer)->exec("BEGIN IMMEDIATE"));
    ASSERT_TRUE((*writer)->exec("INSERT INTO domains (name) VALUES ('uncommitted.example')"));

    // Run the reads on another thread so a wait would show as a timeout, not a hang.
    auto reads = std::async(std::launch::async, [&store] {
        auto domains = store->list_domains();
        auto found = store->find_domain("committed.example");
        auto missing = store->find_domain("uncommitted.example");
        return domains && domains->size() == 1 && found &&
               !missing && missing.error().code == Errc::NotFound;
    });
    // busy_timeout is 5 s: a read that waited for the lock would still be blocked at 3 s.
    ASSERT_EQ(reads.wait_for(std::chrono::seconds(3)), std::future_status::ready);
    EXPECT_TRUE(reads.get());
    ASSERT_TRUE((*writer)->exec("ROLLBACK"));
}

TEST(SqliteStore, AcknowledgedWritesSurviveReopen)
{
    TempDir dir;
    MessageRecord record;
    {
        std::unique_ptr<Store> store = open_or_fail(dir.path());
        ASSERT_NE(store, nullptr);
        Account alice = make_alice(*store);
        Result<MessageRecord> appended =
            store->append(append_request(alice.id, "INBOX", "persisted"));
        ASSERT_TRUE(appended);
        record = *appended;
    }
    std::unique_ptr<Store> store = open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->find_account("alice", "example.org"));
    Result<std::vector<MessageRecord>> messages = store->list_messages(record.mailbox);
    ASSERT_TRUE(messages);
    ASSERT_EQ(messages->size(), 1u);
    EXPECT_EQ(*store->read_blob(record.blob), "persisted");
}

TEST(SqliteStore, SweepWaitsUntilNoOtherStoreIsOpen)
{
    // A blob file without a row might be another open store's append in flight: only an open
    // with nobody else on the directory may sweep it.
    TempDir dir;
    std::unique_ptr<Store> first = open_or_fail(dir.path());
    ASSERT_NE(first, nullptr);
    BlobStore blobs(dir.path() / blob_dir_name);
    std::string sha = *sha256_hex("in flight elsewhere");
    ASSERT_TRUE(blobs.write(sha, "in flight elsewhere"));

    std::unique_ptr<Store> second = open_or_fail(dir.path());
    ASSERT_NE(second, nullptr);
    EXPECT_TRUE(blobs.exists(sha));
    second.reset();
    first.reset();

    std::unique_ptr<Store> alone = open_or_fail(dir.path());
    ASSERT_NE(alone, nullptr);
    EXPECT_FALSE(blobs.exists(sha));
}

// As the CLI and the server would: one store expunges the last reference while the other
// appends the same bytes; the bytes must stay as long as a row points at them.
void share_one_blob_between_two_stores(Store& server, Store& cli, AccountId alice,
                                       const std::string& bytes)
{
    for (int round = 0; round < 20; ++round) {
        Result<MessageRecord> kept = server.append(append_request(alice, "INBOX", bytes));
        ASSERT_TRUE(kept);
        Result<std::vector<MessageRecord>> before = cli.list_messages(kept->mailbox);
        ASSERT_TRUE(before);
        std::promise<Result<MessageRecord>> appended;
        server.append_async(append_request(alice, "Other", bytes),
                            [&](Result<MessageRecord> r) { appended.set_value(r); });
        ASSERT_TRUE(cli.expunge(kept->mailbox, kept->uid));
        Result<MessageRecord> other = appended.get_future().get();
        ASSERT_TRUE(other);
        Result<std::string> body = server.read_blob(other->blob);
        ASSERT_TRUE(body) << "round " << round << ": " << body.error().to_string();
        EXPECT_EQ(*body, bytes);
        ASSERT_TRUE(server.expunge(other->mailbox, other->uid));
    }
}

TEST(SqliteStore, TwoStoresOnOneDirectoryShareBlobsSafely)
{
    TempDir dir;
    std::unique_ptr<Store> server = open_or_fail(dir.path());
    ASSERT_NE(server, nullptr);
    Account alice = make_alice(*server);
    std::unique_ptr<Store> cli = open_or_fail(dir.path());
    ASSERT_NE(cli, nullptr);
    // Inline bytes go by cascade in the expunge's commit, a file after it: both must hold.
    std::string large = "Subject: shared across processes, as a file\r\n\r\n";
    large.resize(inline_blob_max + 1, 'L');
    for (const std::string& bytes :
         {std::string("Subject: shared across processes\r\n\r\n"), large}) {
        SCOPED_TRACE(bytes.size());
        share_one_blob_between_two_stores(*server, *cli, alice.id, bytes);
    }
}

struct Ack {
    std::uint32_t index;
    std::uint32_t uid;
};

// One body in eight is over the inline limit, so the crash finds both kinds in flight.
bool crash_body_is_large(std::uint32_t index)
{
    return index % 8 == 3;
}

std::string crash_body(std::uint32_t index)
{
    const std::size_t fill = crash_body_is_large(index) ? inline_blob_max : 100 + index % 500;
    return "Subject: crash " + std::to_string(index) + "\r\n\r\n" + std::string(fill, 'x') +
           "\r\n";
}

// The child: never returns into the test framework.
[[noreturn]] void append_until_killed(const fs::path& dir, AccountId account, int ack_fd)
{
    Result<std::unique_ptr<Store>> store = open_store(StoreOptions{dir});
    if (!store) {
        ::_exit(2);
    }
    constexpr std::uint32_t threads = 4;
    std::vector<std::thread> writers;
    for (std::uint32_t t = 0; t < threads; ++t) {
        writers.emplace_back([&store, account, ack_fd, t] {
            for (std::uint32_t i = t;; i += threads) {
                std::string body = crash_body(i);
                Result<MessageRecord> record =
                    (*store)->append(append_request(account, "INBOX", body));
                if (!record) {
                    ::_exit(3);
                }
                Ack ack{i, record->uid};
                // At most PIPE_BUF bytes: each ack is written atomically.
                if (::write(ack_fd, &ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) {
                    ::_exit(4);
                }
            }
        });
    }
    for (std::thread& writer : writers) {
        writer.join();
    }
    ::_exit(5);
}

bool read_ack(int fd, Ack& ack)
{
    auto* out = reinterpret_cast<char*>(&ack);
    std::size_t got = 0;
    while (got < sizeof ack) {
        ssize_t n = ::read(fd, out + got, sizeof ack - got);
        if (n <= 0) {
            return false;
        }
        got += static_cast<std::size_t>(n);
    }
    return true;
}

TEST(SqliteStoreCrash, KillDashNineLosesNoAcknowledgedAppend)
{
    constexpr std::size_t acks_before_kill = 200;
    TempDir dir;
    AccountId account;
    {
        std::unique_ptr<Store> store = open_or_fail(dir.path());
        ASSERT_NE(store, nullptr);
        account = make_alice(*store).id;
    }
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(fds[0]);
        append_until_killed(dir.path(), account, fds[1]);
    }
    ::close(fds[1]);

    std::map<std::uint32_t, std::uint32_t> acked;  // uid -> body index
    Ack ack{};
    while (acked.size() < acks_before_kill && read_ack(fds[0], ack)) {
        acked.emplace(ack.uid, ack.index);
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    // Acks written before the kill are acknowledged writes too.
    while (read_ack(fds[0], ack)) {
        acked.emplace(ack.uid, ack.index);
    }
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with status " << WEXITSTATUS(status);
    ASSERT_GE(acked.size(), acks_before_kill);

    std::unique_ptr<Store> store = open_or_fail(dir.path());
    ASSERT_NE(store, nullptr);
    Result<Mailbox> inbox = store->find_mailbox(account, "INBOX");
    ASSERT_TRUE(inbox);
    Result<std::vector<MessageRecord>> messages = store->list_messages(inbox->id);
    ASSERT_TRUE(messages);
    std::map<std::uint32_t, const MessageRecord*> by_uid;
    for (const MessageRecord& message : *messages) {
        by_uid.emplace(message.uid, &message);
    }
    std::size_t large_acked = 0;
    for (const auto& [uid, index] : acked) {
        large_acked += crash_body_is_large(index) ? 1 : 0;
        auto it = by_uid.find(uid);
        ASSERT_NE(it, by_uid.end()) << "acknowledged uid " << uid << " lost";
        Result<std::string> body = store->read_blob(it->second->blob);
        ASSERT_TRUE(body) << "blob of uid " << uid << ": " << body.error().to_string();
        EXPECT_EQ(*body, crash_body(index)) << uid;
    }
    EXPECT_GT(large_acked, 0u);
    EXPECT_LT(large_acked, acked.size());
    store.reset();

    Result<std::unique_ptr<Connection>> db =
        Connection::open(dir.path() / database_file_name, OpenMode::ReadWrite);
    ASSERT_TRUE(db);
    EXPECT_EQ(*query_text(**db, "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(*query_text(**db, "PRAGMA foreign_key_check"), "");
    EXPECT_EQ(*(*db)->query_int64("SELECT count(*) FROM blobs b WHERE refcount != "
                                  "(SELECT count(*) FROM messages m WHERE m.blob = b.sha256)"),
              0);
    // The open after the crash swept blob files that never got a row; inline bytes were only
    // ever in transactions, so none outlive their row and none have a file.
    std::int64_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir.path() / blob_dir_name)) {
        files += entry.is_regular_file() ? 1 : 0;
        EXPECT_FALSE(entry.is_regular_file() && entry.file_size() <= inline_blob_max)
            << entry.path();
    }
    EXPECT_EQ(files, *(*db)->query_int64("SELECT count(*) FROM blobs WHERE sha256 NOT IN "
                                         "(SELECT sha256 FROM blob_data)"));
    EXPECT_EQ(*(*db)->query_int64("SELECT count(*) FROM blob_data WHERE sha256 NOT IN "
                                  "(SELECT sha256 FROM blobs)"),
              0);
    EXPECT_GT(*(*db)->query_int64("SELECT count(*) FROM blob_data"), 0);
}

}  // namespace
}  // namespace harbor::store::sqlite
