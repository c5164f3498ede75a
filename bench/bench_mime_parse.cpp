// MIME parse throughput: Harbor's parse_message (part tree, header fields, Content-Type,
// -Disposition and -Transfer-Encoding) beside GMime 3 (g_mime_parser_construct_message and a
// walk of the tree) and Python's email package, over one corpus in one run: the message files
// of ../shared/testdata/mime plus generated newsletters, 2 MB attachment mails, 50-part mails,
// long trace headers and forwarded messages (mime_corpus.cpp). A second row for each also
// transfer-decodes every leaf body (decode_body / g_mime_data_wrapper_write_to_stream /
// get_payload(decode=True)). Rounds interleave the rows in a rotating order, so CPU frequency
// drift and other load hit all of them alike; the table gives the median of the rounds.
// Run: build/<dir>/bench/bench_mime_parse [--rounds N] [--min-seconds S] [--python-rounds N]
//      [--no-python] [--no-sets] [--corpus-out DIR] [--testdata DIR] [--only ROW]
// (--only harbor-parse runs one row alone, for a profiler: perf record, valgrind --tool=callgrind)
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mime/body.hpp"
#include "mime/message.hpp"
#include "mime_corpus.hpp"
#include "mime_gmime_peer.hpp"

namespace {

namespace fs = std::filesystem;
namespace bench = harbor::bench;
namespace mime = harbor::mime;
using Clock = std::chrono::steady_clock;

struct Options {
    int rounds = 7;
    int python_rounds = 3;
    double min_seconds = 0.3;  // per sample: repeat a pass until at least this long
    bool python = true;
    bool sets = true;
    std::string only;  // profiling: run only the row of this name
    std::string corpus_out;
    fs::path testdata = HARBOR_TESTDATA_DIR;
};

void walk_harbor(std::string_view raw, const mime::Part& part, bench::Decode decode,
                 bench::PassTotals& totals)
{
    totals.fields += part.fields.size();
    totals.checksum += part.content_type.type.size();
    totals.checksum += mime::find_parameter(part.content_type.parameters, "charset") ? 1 : 0;
    for (const mime::Part& child : part.children) {
        walk_harbor(raw, child, decode, totals);
    }
    if (part.children.empty() && decode == bench::Decode::Leaves) {
        totals.decoded_bytes += mime::decode_body(raw, part).bytes.size();
    }
}

bench::PassTotals harbor_pass(const std::vector<std::string>& messages, std::size_t begin,
                              std::size_t end, bench::Decode decode)
{
    bench::PassTotals totals;
    for (std::size_t i = begin; i < end; ++i) {
        const mime::Message message = mime::parse_message(messages[i]);
        totals.parts += message.part_count;
        walk_harbor(messages[i], message.root, decode, totals);
    }
    return totals;
}

struct Row {
    std::string name;
    std::function<bench::PassTotals()> pass;  // empty for rows measured by the Python script
    int passes = 1;                           // per sample, from the calibration
    std::vector<double> seconds_per_pass;
    bench::PassTotals last;
};

Row make_row(std::string name, std::function<bench::PassTotals()> pass)
{
    Row row;
    row.name = std::move(name);
    row.pass = std::move(pass);
    return row;
}

double median(std::vector<double> values)
{
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double time_sample(Row& row)
{
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < row.passes; ++i) {
        row.last = row.pass();
    }
    return std::chrono::duration<double>(Clock::now() - start).count() / row.passes;
}

void calibrate(Row& row, double min_seconds)
{
    const double once = std::max(time_sample(row), 1e-6);  // also warms caches and allocators
    row.passes = std::max(1, static_cast<int>(std::ceil(min_seconds / once)));
}

// Runs the rows of one comparison for `rounds` rounds, each round starting one row later.
void run_rounds(std::vector<Row>& rows, int rounds, const std::function<void(int)>& between)
{
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t k = 0; k < rows.size(); ++k) {
            Row& row = rows[(k + static_cast<std::size_t>(round)) % rows.size()];
            row.seconds_per_pass.push_back(time_sample(row));
        }
        if (between) {
            between(round);
        }
    }
}

class CorpusDir {
public:
    CorpusDir(const std::vector<bench::CorpusMessage>& corpus, const std::string& wanted)
        : keep_(!wanted.empty())
    {
        if (keep_) {
            path_ = wanted;
            fs::create_directories(path_);
        } else {
            std::string pattern = fs::temp_directory_path() / "harbor-mime-bench-XXXXXX";
            if (::mkdtemp(pattern.data()) == nullptr) {
                std::perror("mkdtemp");
                std::exit(1);
            }
            path_ = pattern;
        }
        std::ofstream list(path_ / "list.tsv");
        for (std::size_t i = 0; i < corpus.size(); ++i) {
            char file_name[32];
            std::snprintf(file_name, sizeof file_name, "%05zu.eml", i);
            std::ofstream(path_ / file_name, std::ios::binary) << corpus[i].bytes;
            list << corpus[i].set << '\t' << (path_ / file_name).string() << '\n';
        }
    }
    CorpusDir(const CorpusDir&) = delete;
    CorpusDir& operator=(const CorpusDir&) = delete;
    ~CorpusDir()
    {
        std::error_code ec;
        if (!keep_) {
            fs::remove_all(path_, ec);
        }
    }
    fs::path list() const { return path_ / "list.tsv"; }

private:
    fs::path path_;
    bool keep_;
};

// One invocation of bench_mime_python.py: a pass of each Python row, seconds appended.
void run_python_round(const fs::path& list, int round, std::map<std::string, Row>& rows)
{
    const std::string command = "/usr/bin/python3 '" HARBOR_BENCH_DIR
                                "/bench_mime_python.py' '" +
                                list.string() + "' --rotate " + std::to_string(round);
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        std::perror("popen");
        return;
    }
    char line[512];
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
        char name[64];
        double seconds = 0;
        std::size_t bytes = 0;
        std::size_t messages = 0;
        std::size_t parts = 0;
        if (std::sscanf(line, "%63s %lf %zu %zu %zu", name, &seconds, &bytes, &messages,
                        &parts) == 5) {
            Row& row = rows[name];
            row.name = name;
            row.seconds_per_pass.push_back(seconds);
            row.last.parts = parts;
        }
    }
    if (::pclose(pipe) != 0) {
        std::fprintf(stderr, "bench_mime_python.py failed: %s\n", command.c_str());
    }
}

Options parse_options(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--rounds" && has_value) {
            options.rounds = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--python-rounds" && has_value) {
            options.python_rounds = std::max(0, std::atoi(argv[++i]));
        } else if (arg == "--min-seconds" && has_value) {
            options.min_seconds = std::atof(argv[++i]);
        } else if (arg == "--corpus-out" && has_value) {
            options.corpus_out = argv[++i];
        } else if (arg == "--testdata" && has_value) {
            options.testdata = argv[++i];
        } else if (arg == "--only" && has_value) {
            options.only = argv[++i];
            options.python = false;
            options.sets = false;
        } else if (arg == "--no-python") {
            options.python = false;
        } else if (arg == "--no-sets") {
            options.sets = false;
        } else {
            std::fprintf(stderr, "usage: %s [--rounds N] [--min-seconds S] [--python-rounds N] "
                                 "[--no-python] [--no-sets] [--corpus-out DIR] [--testdata DIR] "
                                 "[--only ROW]\n",
                         argv[0]);
            std::exit(2);
        }
    }
    return options;
}

void print_row(const Row& row, double megabytes, std::size_t messages, const Row* baseline)
{
    const double seconds = median(row.seconds_per_pass);
    const auto [low, high] =
        std::minmax_element(row.seconds_per_pass.begin(), row.seconds_per_pass.end());
    std::printf("| %-22s | %9.1f | %10.0f | %6.1f-%-6.1f | %6zu |", row.name.c_str(),
                megabytes / seconds, static_cast<double>(messages) / seconds, megabytes / *high,
                megabytes / *low, row.last.parts);
    if (baseline != nullptr) {
        std::printf(" %7.2fx |\n", seconds / median(baseline->seconds_per_pass));
    } else {
        std::printf("         |\n");
    }
}

}  // namespace

int main(int argc, char** argv)
{
    const Options options = parse_options(argc, argv);
    std::vector<bench::CorpusMessage> corpus =
        bench::load_testdata_messages(options.testdata / "mime");
    const std::size_t testdata_count = corpus.size();
    for (bench::CorpusMessage& message : bench::generate_messages()) {
        corpus.push_back(std::move(message));
    }
    std::vector<std::string> messages;
    std::size_t total_bytes = 0;
    for (const bench::CorpusMessage& message : corpus) {
        messages.push_back(message.bytes);
        total_bytes += message.bytes.size();
    }
    const double megabytes = static_cast<double>(total_bytes) / 1e6;
    std::printf("corpus: %zu messages, %.2f MB (%zu testdata files, %zu generated)\n",
                messages.size(), megabytes, testdata_count, messages.size() - testdata_count);

    bench::GmimePeer gmime(messages);
    const std::size_t n = messages.size();
    using bench::Decode;
    std::vector<Row> rows;
    rows.push_back(
        make_row("harbor-parse", [&] { return harbor_pass(messages, 0, n, Decode::No); }));
    rows.push_back(make_row("harbor-parse+decode",
                            [&] { return harbor_pass(messages, 0, n, Decode::Leaves); }));
    rows.push_back(make_row("gmime-parse", [&] { return gmime.parse_range(Decode::No, 0, n); }));
    rows.push_back(make_row("gmime-parse+decode",
                            [&] { return gmime.parse_range(Decode::Leaves, 0, n); }));
    if (!options.only.empty()) {
        std::erase_if(rows, [&](const Row& row) { return row.name != options.only; });
        for (Row& row : rows) {
            calibrate(row, options.min_seconds);
        }
        run_rounds(rows, options.rounds, {});
        for (const Row& row : rows) {
            std::printf("%s: %.1f MB/s\n", row.name.c_str(),
                        megabytes / median(row.seconds_per_pass));
        }
        return 0;
    }
    for (Row& row : rows) {
        calibrate(row, options.min_seconds);
    }

    const CorpusDir corpus_dir(corpus, options.corpus_out);
    std::map<std::string, Row> python_rows;
    const int python_rounds = options.python ? std::min(options.python_rounds, options.rounds) : 0;
    run_rounds(rows, options.rounds, [&](int round) {
        if (round < python_rounds) {
            run_python_round(corpus_dir.list(), round, python_rows);
        }
    });

    std::printf("\nmedian of %d rounds (python: %d), MB = 10^6 bytes; spread = slowest-fastest "
                "round\n\n",
                options.rounds, python_rounds);
    std::printf("| %-22s | %9s | %10s | %13s | %6s | %8s |\n", "row", "MB/s", "messages/s",
                "spread MB/s", "parts", "Harbor/x");
    std::printf("|---|---|---|---|---|---|\n");
    print_row(rows[0], megabytes, n, nullptr);
    print_row(rows[1], megabytes, n, nullptr);
    print_row(rows[2], megabytes, n, &rows[0]);
    print_row(rows[3], megabytes, n, &rows[1]);
    for (auto& [name, row] : python_rows) {
        const bool decode_row = name.find("decode") != std::string::npos;
        print_row(row, megabytes, n, decode_row ? &rows[1] : &rows[0]);
    }
    const double parse_ratio =
        median(rows[2].seconds_per_pass) / median(rows[0].seconds_per_pass);
    const double decode_ratio =
        median(rows[3].seconds_per_pass) / median(rows[1].seconds_per_pass);
    std::printf("\nHarbor / GMime: parse (a/c) %.2fx, parse+decode (b/d) %.2fx\n", parse_ratio,
                decode_ratio);

    if (!options.sets) {
        return 0;
    }
    // The same comparison per set shows where the time goes.
    std::printf("\nper set, parse only (median of %d rounds):\n\n", options.rounds);
    std::printf("| %-12s | %5s | %8s | %12s | %11s | %7s |\n", "set", "msgs", "MB",
                "Harbor MB/s", "GMime MB/s", "ratio");
    std::printf("|---|---|---|---|---|---|\n");
    std::size_t begin = 0;
    while (begin < n) {
        std::size_t end = begin;
        std::size_t set_bytes = 0;
        while (end < n && corpus[end].set == corpus[begin].set) {
            set_bytes += messages[end].size();
            ++end;
        }
        std::vector<Row> set_rows;
        set_rows.push_back(
            make_row("harbor", [&] { return harbor_pass(messages, begin, end, Decode::No); }));
        set_rows.push_back(
            make_row("gmime", [&] { return gmime.parse_range(Decode::No, begin, end); }));
        for (Row& row : set_rows) {
            calibrate(row, options.min_seconds / 3);
        }
        run_rounds(set_rows, options.rounds, {});
        const double set_megabytes = static_cast<double>(set_bytes) / 1e6;
        const double harbor = median(set_rows[0].seconds_per_pass);
        const double peer = median(set_rows[1].seconds_per_pass);
        std::printf("| %-12s | %5zu | %8.2f | %12.1f | %11.1f | %6.2fx |\n",
                    corpus[begin].set.c_str(), end - begin, set_megabytes, set_megabytes / harbor,
                    set_megabytes / peer, peer / harbor);
        begin = end;
    }
    return 0;
}
