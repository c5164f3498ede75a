// Group commit vs one transaction per write: acknowledged writes per second (appends, then
// directory rows) with 1, 16 and 256 concurrent writer threads, Harbor's store (one writer
// thread, one commit per batch) beside plain SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE/
// INSERT/COMMIT per write, a connection per thread), in temporary directories on one disk.
// Appends store bodies up to store::sqlite::inline_blob_max (64 KiB) inside the batch's
// transaction and larger ones as files, so the message size decides which path is measured.
// Run: build/<dir>/bench/bench_group_commit [seconds-per-run=0.75] [message-bytes=1024]
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using harbor::Result;
namespace store = harbor::store;

struct RunResult {
    std::uint64_t writes = 0;
    std::uint64_t failures = 0;
    std::uint64_t commits = 0;
    double seconds = 0;
    double per_second() const { return seconds > 0 ? static_cast<double>(writes) / seconds : 0; }
};

class TempDir {
public:
    TempDir()
    {
        std::string pattern = fs::temp_directory_path() / "harbor-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::perror("mkdtemp");
            std::exit(1);
        }
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    // Unlinks wait on the filesystem journal one by one; sixteen threads removing subtrees in
    // parallel share those waits (ten times faster than one remove_all on this kind of disk).
    ~TempDir()
    {
        std::vector<fs::path> subtrees;
        std::error_code ec;
        for (const auto& top : fs::directory_iterator(path_, ec)) {
            for (const auto& sub : fs::directory_iterator(top.path(), ec)) {
                subtrees.push_back(sub.path());
            }
        }
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> removers;
        for (int i = 0; i < 16; ++i) {
            removers.emplace_back([&] {
                std::error_code remove_ec;
                for (std::size_t n = next++; n < subtrees.size(); n = next++) {
                    fs::remove_all(subtrees[n], remove_ec);
                }
            });
        }
        for (std::thread& remover : removers) {
            remover.join();
        }
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Distinct bodies, so every append stores a new blob, as real deliveries mostly do.
std::string message(unsigned writer, std::uint64_t n, std::size_t bytes)
{
    std::string body =
        "Subject: w" + std::to_string(writer) + " n" + std::to_string(n) + "\r\n\r\n";
    body.resize(std::max(bytes, body.size()), 'x');
    return body;
}

// Runs `writers` threads calling write_one(writer, n) until the deadline; counts successes.
template <typename WriteOne>
RunResult drive(unsigned writers, double seconds, WriteOne write_one)
{
    std::atomic<std::uint64_t> writes{0};
    std::atomic<std::uint64_t> failures{0};
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            for (std::uint64_t n = 0; Clock::now() < deadline; ++n) {
                if (write_one(w, n)) {
                    writes.fetch_add(1, std::memory_order_relaxed);
                } else {
                    failures.fetch_add(1, std::memory_order_relaxed);
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    RunResult result;
    result.writes = writes.load();
    result.failures = failures.load();
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
}

// Append: a message with a distinct body (a new blob, inline or a file, plus metadata). Alias:
// one directory row, which isolates the group commit from everything blobs cost.
enum class Workload { Append, Alias };

std::string alias_source(unsigned writer, std::uint64_t n)
{
    return "w" + std::to_string(writer) + "-" + std::to_string(n) + "@bench.example";
}

RunResult run_harbor(const TempDir& dir, Workload workload, unsigned writers, double seconds,
                     std::size_t bytes)
{
    Result<std::unique_ptr<store::Store>> opened =
        store::open_store(store::StoreOptions{dir.path()});
    if (!opened) {
        std::fprintf(stderr, "open_store: %s\n", opened.error().to_string().c_str());
        std::exit(1);
    }
    store::Store& s = **opened;
    Result<store::Domain> domain = s.create_domain("bench.example");
    store::Account account;
    account.domain = domain->id;
    account.local_part = "bench";
    Result<store::Account> created = s.create_account(account);
    if (!domain || !created) {
        std::fprintf(stderr, "setup failed\n");
        std::exit(1);
    }
    const store::AccountId id = created->id;
    const std::uint64_t commits_before = s.commit_count_for_test();
    RunResult result = drive(writers, seconds, [&](unsigned w, std::uint64_t n) {
        if (workload == Workload::Alias) {
            return s.create_alias({alias_source(w, n), "bench@bench.example"}).has_value();
        }
        std::string body = message(w, n, bytes);
        store::AppendRequest request;
        request.account = id;
        request.mailbox = "INBOX";
        request.bytes = body;
        return s.append(std::move(request)).has_value();
    });
    result.commits = s.commit_count_for_test() - commits_before;
    return result;
}

bool exec(sqlite3* db, const char* sql)
{
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

// The naive peer: each thread its own connection, each write its own transaction and fsync.
RunResult run_naive(const TempDir& dir, Workload workload, unsigned writers, double seconds,
                    std::size_t bytes)
{
    const std::string file = (dir.path() / "naive.db").string();
    std::vector<sqlite3*> connections(writers, nullptr);
    for (sqlite3*& db : connections) {
        if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
            std::fprintf(stderr, "sqlite3_open failed\n");
            std::exit(1);
        }
        sqlite3_busy_timeout(db, 60000);
        exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
    }
    exec(connections[0],
         "CREATE TABLE messages (id INTEGER PRIMARY KEY, mailbox TEXT, body BLOB);"
         "CREATE TABLE aliases (id INTEGER PRIMARY KEY, source TEXT, target TEXT,"
         "                      UNIQUE (source, target))");
    RunResult result = drive(writers, seconds, [&](unsigned w, std::uint64_t n) {
        sqlite3* db = connections[w];
        std::string value = workload == Workload::Alias ? alias_source(w, n) : message(w, n, bytes);
        if (!exec(db, "BEGIN IMMEDIATE")) {
            return false;
        }
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(db,
                           workload == Workload::Alias
                               ? "INSERT INTO aliases (source, target) VALUES (?, 'bench@x')"
                               : "INSERT INTO messages (mailbox, body) VALUES ('INBOX', ?)",
                           -1, &stmt, nullptr);
        sqlite3_bind_blob(stmt, 1, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
        bool inserted = sqlite3_step(stmt) == SQLITE_DONE;
        sqlite3_finalize(stmt);
        if (!inserted || !exec(db, "COMMIT")) {
            exec(db, "ROLLBACK");
            return false;
        }
        return true;
    });
    result.commits = result.writes;  // one commit, one WAL fsync, per acknowledged write
    for (sqlite3* db : connections) {
        sqlite3_close(db);
    }
    return result;
}

double per_write(std::uint64_t commits, std::uint64_t writes)
{
    return writes > 0 ? static_cast<double>(commits) / static_cast<double>(writes) : 0;
}

}  // namespace

int main(int argc, char** argv)
{
    const auto started = Clock::now();
    const double seconds = argc > 1 ? std::atof(argv[1]) : 0.75;
    const std::size_t bytes = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 1024;
    std::printf("group commit: %.2f s per run, %zu-byte messages, temp dir under %s\n", seconds,
                bytes, fs::temp_directory_path().c_str());
    // Directories are removed only at the end: deleting thousands of blob files and their
    // directories is slow on some filesystems (online discard) and must not land in a run.
    std::vector<std::unique_ptr<TempDir>> dirs;
    for (Workload workload : {Workload::Append, Workload::Alias}) {
        if (workload == Workload::Append) {
            std::printf("\nappend (message body as %s, plus metadata)\n",
                        bytes <= store::sqlite::inline_blob_max
                            ? "an inline blob in the same commit"
                            : "a blob file, fsynced before the commit");
        } else {
            std::printf("\ncreate_alias (one directory row, no blob)\n");
        }
        std::printf("%8s | %12s %14s %8s | %12s %14s %8s | %7s\n", "writers", "harbor w/s",
                    "commits/write", "failed", "naive w/s", "commits/write", "failed", "ratio");
        for (unsigned writers : {1u, 16u, 256u}) {
            RunResult harbor = run_harbor(*dirs.emplace_back(std::make_unique<TempDir>()), workload,
                                          writers, seconds, bytes);
            RunResult naive = run_naive(*dirs.emplace_back(std::make_unique<TempDir>()), workload,
                                        writers, seconds, bytes);
            const double ratio =
                naive.per_second() > 0 ? harbor.per_second() / naive.per_second() : 0;
            std::printf("%8u | %12.0f %14.3f %8llu | %12.0f %14.3f %8llu | %6.2fx\n", writers,
                        harbor.per_second(), per_write(harbor.commits, harbor.writes),
                        static_cast<unsigned long long>(harbor.failures), naive.per_second(),
                        per_write(naive.commits, naive.writes),
                        static_cast<unsigned long long>(naive.failures), ratio);
            std::fflush(stdout);
        }
    }
    std::printf(
        "\ncommits/write counts database commits (one WAL fsync each). An inline append has\n"
        "no other fsync; a blob file (over %zu bytes) also fsyncs itself and its directory\n"
        "(on blob threads, in parallel) and the fan-out directories it creates. The naive\n"
        "peer keeps every body in its one transaction.\n",
        store::sqlite::inline_blob_max);
    const auto cleanup = Clock::now();
    dirs.clear();
    std::printf("wall time %.1f s, of which %.1f s removing the temporary directories\n",
                std::chrono::duration<double>(Clock::now() - started).count(),
                std::chrono::duration<double>(Clock::now() - cleanup).count());
    return 0;
}
