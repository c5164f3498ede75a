// SEARCH BODY/TEXT over one large mailbox: the full-text index (store/text/text_index.hpp, its
// own SQLite FTS5 trigram database, filled by the background TextIndexer) against the
// evaluator reading and parsing every message. Generates N messages (default 100,000; plain
// text, every fifth multipart/alternative with quoted-printable HTML) into one mailbox of a
// fresh store, then times the indexer's catch-up of them all while appends go on into another
// mailbox (their rate against the same appends with no indexer running: is mail acceptance
// slowed?), then times each query both ways and checks that both find the same messages.
// Times are wall clock and, beside them, the process's CPU time (user + system, all threads):
// on a shared machine the CPU time is the figure that does not depend on the neighbours.
// Run: build/<dir>/bench/bench_text_search [messages=100000] [data-dir=$TMPDIR/harbor-bench-…]
//      [nice=10] (the indexer thread's nice value; 0 measures its rate on a busy machine)
#include <stdlib.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "imap/search/evaluate.hpp"
#include "imap/search/text_index.hpp"
#include "store/change_feed.hpp"
#include "store/message_list.hpp"
#include "store/store.hpp"
#include "store/text/text_indexer.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using harbor::Result;
namespace store = harbor::store;
namespace imap = harbor::imap;

double seconds_since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_seconds()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// A fixed pseudo-random sequence (64-bit LCG), so every run stores the same mail.
class Random {
public:
    std::uint64_t next()
    {
        state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return state_ >> 33;
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

private:
    std::uint64_t state_ = 42;
};

// Word 0 is "the"; the others are made of syllables. Draws favour low indexes (Zipf-like).
class Vocabulary {
public:
    explicit Vocabulary(Random& random)
    {
        static constexpr const char* syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to",
                                                    "vi", "ben", "dor", "gal", "hex", "pin",
                                                    "qua", "str", "wel", "zo", "fy"};
        words_.push_back("the");
        while (words_.size() < 20000) {
            std::string word;
            const std::size_t parts = 2 + random.below(3);
            for (std::size_t i = 0; i < parts; ++i) {
                word += syllables[random.below(std::size(syllables))];
            }
            words_.push_back(word);
        }
    }
    const std::string& draw(Random& random) const
    {
        // The product of two uniform draws leans towards small indexes.
        const std::size_t a = random.below(words_.size());
        const std::size_t b = random.below(words_.size());
        return words_[a * b / words_.size()];
    }
    const std::string& word(std::size_t index) const { return words_[index]; }

private:
    std::vector<std::string> words_;
};

constexpr const char* rare_word = "xylophonequartz";  // in one message of 10,000

std::string make_message(std::size_t n, Random& random, const Vocabulary& words)
{
    std::string text;
    const std::size_t count = 40 + random.below(160);
    for (std::size_t i = 0; i < count; ++i) {
        text += (i % 12 == 0 && i > 0) ? "\r\n" : " ";
        text += (i % 3 == 0) ? words.word(0) : words.draw(random);
    }
    if (n % 10000 == 7) {
        text += " " + std::string(rare_word) + ".";
    }
    std::string message = "From: Sender " + std::to_string(n % 97) +
                          " <sender" + std::to_string(n % 97) + "@example.net>\r\n"
                          "To: alice@example.org\r\nSubject: " + words.draw(random) + " " +
                          words.draw(random) + " " + std::to_string(n) +
                          "\r\nDate: Mon, 6 Nov 2023 10:00:00 +0000\r\nMessage-ID: <" +
                          std::to_string(n) + "@example.net>\r\nMIME-Version: 1.0\r\n";
    if (n % 5 != 0) {
        return message + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n";
    }
    return message +
           "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n--b\r\n"
           "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: "
           "quoted-printable\r\n\r\n<p style=3D\"x\">" + text + "</p>\r\n--b--\r\n";
}

// Appends with a bounded number in flight, so group commit has company.
bool fill_mailbox(store::Store& db, store::AccountId account, std::size_t count,
                  const char* mailbox = "INBOX", std::size_t first = 0)
{
    Random random;
    const Vocabulary words(random);
    std::mutex mutex;
    std::condition_variable done;
    std::size_t in_flight = 0;
    std::atomic<std::size_t> failures{0};
    for (std::size_t n = first; n < first + count; ++n) {
        {
            std::unique_lock lock(mutex);
            done.wait(lock, [&] { return in_flight < 512; });
            ++in_flight;
        }
        const std::string bytes = make_message(n, random, words);
        store::AppendRequest request;
        request.account = account;
        request.mailbox = mailbox;
        request.bytes = bytes;
        request.internal_date = 1700000000 + static_cast<std::int64_t>(n);
        db.append_async(std::move(request), [&](Result<store::MessageRecord> appended) {
            if (!appended) {
                ++failures;
            }
            std::lock_guard lock(mutex);
            --in_flight;
            done.notify_all();
        });
    }
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return in_flight == 0; });
    return failures == 0;
}

struct Timing {
    double seconds = 0;
    double cpu = 0;
    std::size_t matches = 0;
    std::size_t read = 0;  // messages loaded and parsed
};

Timing run_query(store::Store& db, store::text::TextIndex* index, store::MailboxId inbox,
                 std::uint32_t uidvalidity, const store::MessageList& messages,
                 const imap::SearchProgram& program)
{
    const Clock::time_point start = Clock::now();
    const double cpu_start = cpu_seconds();
    Timing timing;
    std::optional<imap::TextCandidates> plan;
    if (index != nullptr) {
        plan = imap::text_candidates(*index, inbox, uidvalidity, messages, program);
    }
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const store::MessageRecord& record = messages[i];
        const imap::TextVerdict verdict = plan ? plan->verdicts[i] : imap::TextVerdict::Full;
        if (verdict == imap::TextVerdict::No) {
            continue;
        }
        const imap::SearchProgram& run =
            verdict == imap::TextVerdict::Residual ? plan->residual : program;
        imap::MessageView view{.sequence = static_cast<std::uint32_t>(i + 1),
                               .uid = record.uid, .flags = record.flags,
                               .internal_date = record.internal_date, .size = record.size,
                               .modseq = record.modseq};
        imap::Match match = imap::evaluate(run, view);
        if (match == imap::Match::NeedContent) {
            Result<std::string> raw = db.read_message(record);
            if (!raw) {
                continue;
            }
            imap::MessageContent content(std::move(*raw));
            view.content = &content;
            ++timing.read;
            match = imap::evaluate(run, view);
        }
        timing.matches += match == imap::Match::Yes ? 1 : 0;
    }
    timing.seconds = seconds_since(start);
    timing.cpu = cpu_seconds() - cpu_start;
    return timing;
}

std::uintmax_t size_of(const fs::path& dir)
{
    std::uintmax_t total = 0;
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
        if (entry.is_regular_file(ec)) {
            total += entry.file_size(ec);
        }
    }
    return total;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::size_t count = argc > 1 ? std::stoul(argv[1]) : 100000;
    fs::path dir;
    if (argc > 2) {
        dir = argv[2];
    } else {
        std::string pattern = fs::temp_directory_path() / "harbor-bench-text-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::perror("mkdtemp");
            return 1;
        }
        dir = pattern;
    }
    Result<std::unique_ptr<store::Store>> opened = store::open_store(store::StoreOptions{dir});
    if (!opened) {
        std::fprintf(stderr, "open: %s\n", opened.error().to_string().c_str());
        return 1;
    }
    store::Store& db = **opened;
    Result<store::Domain> domain = db.create_domain("example.org");
    store::Account alice;
    alice.domain = domain->id;
    alice.local_part = "alice";
    Result<store::Account> account = db.create_account(alice);
    if (!account) {
        std::fprintf(stderr, "account: %s\n", account.error().to_string().c_str());
        return 1;
    }
    Clock::time_point start = Clock::now();
    if (!fill_mailbox(db, account->id, count)) {
        std::fprintf(stderr, "appends failed\n");
        return 1;
    }
    const double fill_seconds = seconds_since(start);
    const store::Mailbox inbox = *db.find_mailbox(account->id, "INBOX");
    const std::uintmax_t bytes_before = size_of(dir);
    // Appends alone, as a baseline for the appends made while the indexer runs.
    const std::size_t side_count = std::max<std::size_t>(count / 10, 1000);
    start = Clock::now();
    if (!fill_mailbox(db, account->id, side_count, "Quiet", count)) {
        std::fprintf(stderr, "appends failed\n");
        return 1;
    }
    const double quiet_seconds = seconds_since(start);

    // Closed before the store at the end: ~ChangeFeed unhooks itself from the store.
    std::optional<store::ChangeFeed> changes(std::in_place, db);
    Result<std::unique_ptr<store::text::TextIndex>> index = store::text::TextIndex::open(
        dir / store::text::index_file_name, imap::extraction_fingerprint({}));
    if (!index) {
        std::fprintf(stderr, "index: %s\n", index.error().to_string().c_str());
        return 1;
    }
    start = Clock::now();
    const double cpu_start = cpu_seconds();
    double busy_seconds = 0;
    store::text::TextIndexer::Counters indexed;
    {
        store::text::IndexerOptions options;
        options.nice = argc > 3 ? std::stoi(argv[3]) : options.nice;
        options.idle_class = argc <= 3;  // a nice value given: measure at that nice
        store::text::TextIndexer indexer(
            db, *changes, **index,
            [](std::string_view raw) { return imap::extract_search_text(raw); }, options);
        const Clock::time_point busy_start = Clock::now();
        if (!fill_mailbox(db, account->id, side_count, "Busy", count + side_count)) {
            std::fprintf(stderr, "appends failed\n");
            return 1;
        }
        busy_seconds = seconds_since(busy_start);
        indexer.wait_idle_for_test();
        indexed = indexer.counters();
    }
    const double index_seconds = seconds_since(start);
    const double index_cpu = cpu_seconds() - cpu_start;
    start = Clock::now();
    Result<std::vector<store::MessageRecord>> listed = db.list_messages(inbox.id);
    const double list_seconds = seconds_since(start);
    const store::MessageList messages(std::move(*listed));  // as a selected view holds them

    std::printf("messages: %zu  append: %.1f s  list_messages: %.3f s\n", count, fill_seconds,
                list_seconds);
    const auto blobs = static_cast<double>(indexed.indexed);
    std::printf("index: %llu blobs in %.1f s wall, %.1f s CPU (%.0f msg/s; %.0f us CPU each), "
                "%llu failed; data dir %.0f MiB -> %.0f MiB\n",
                static_cast<unsigned long long>(indexed.indexed), index_seconds, index_cpu,
                blobs / index_seconds, index_cpu * 1e6 / blobs,
                static_cast<unsigned long long>(indexed.failed),
                static_cast<double>(bytes_before) / 1048576.0,
                static_cast<double>(size_of(dir)) / 1048576.0);
    std::printf("appends of %zu messages: %.0f msg/s alone, %.0f msg/s while indexing\n",
                side_count, static_cast<double>(side_count) / quiet_seconds,
                static_cast<double>(side_count) / busy_seconds);

    struct Query {
        const char* label;
        harbor::imap::SearchKeyKind kind;
        std::string needle;
    };
    Random random;
    const Vocabulary words(random);
    const Query queries[] = {
        {"BODY <rare word>", harbor::imap::SearchKeyKind::Body, rare_word},
        {"TEXT <rare word>", harbor::imap::SearchKeyKind::Text, rare_word},
        {"BODY <mid word>", harbor::imap::SearchKeyKind::Body, words.word(3000)},
        {"TEXT <common word>", harbor::imap::SearchKeyKind::Text, "the"},
    };
    std::printf("\n| query | matches | index: wall s | CPU s | read | scan: wall s | CPU s | read "
                "| CPU ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const Query& query : queries) {
        harbor::imap::SearchKey key;
        key.kind = query.kind;
        key.value = query.needle;
        Result<imap::SearchProgram> program =
            imap::compile_search(key, "UTF-8", imap::SearchContext{});
        const Timing fast =
            run_query(db, index->get(), inbox.id, inbox.uidvalidity, messages, *program);
        const Timing slow = run_query(db, nullptr, inbox.id, inbox.uidvalidity, messages, *program);
        std::printf("| %s (%s) | %zu%s | %.3f | %.3f | %zu | %.2f | %.2f | %zu | %.0fx |\n",
                    query.label, query.needle.c_str(), fast.matches,
                    fast.matches == slow.matches ? "" : " MISMATCH", fast.seconds, fast.cpu,
                    fast.read, slow.seconds, slow.cpu, slow.read, slow.cpu / fast.cpu);
    }
    std::fflush(stdout);  // the figures are out whatever the teardown does
    changes.reset();
    index->reset();
    opened->reset();
    if (argc <= 2) {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    return 0;
}
