// imap_load: the IMAP load generator of bench/imap_load (driven by bench_imap.py, which runs it
// against Harbor and Dovecot in the same run). One process, one thread, N clients as Asio
// coroutines over plain TCP on loopback. Subcommands:
//   run   one operation (load_ops.hpp) with N clients for D seconds (or K iterations each);
//         prints one JSON line: operations/s, p50/p99 latency, OK/NO/BAD/BYE/I-O counts. Only a
//         tagged OK is a success; NO, BAD and lost connections are counted as errors.
//   fill  APPENDs generated messages (message_gen.hpp) into accounts, C connections at once,
//         up to --batch messages per command where the server offers MULTIAPPEND (RFC 3502).
//   idle  opens N connections, each LOGIN + SELECT + IDLE, prints a JSON line when all are
//         set up and holds them until its standard input is closed (the memory measurement).
//   hash  prints an argon2id PHC string (Harbor's sasl::hash_password_with_salt) with given
//         parameters, so the driver can give both servers the same password hash.
// Usage: imap_load <subcommand> --help.
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>

#include "load_ops.hpp"
#include "sasl/password_hash.hpp"

namespace harbor::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct RunArgs {
    std::string op = "select";
    unsigned clients = 1;
    double seconds = 3.0;
    unsigned iterations = 0;  // per client; 0: run for `seconds`
};

struct FillArgs {
    std::string mailbox = "INBOX";
    unsigned messages = 100;  // per account
    unsigned connections = 8;
    unsigned batch = 50;  // messages a worker takes at once: one MULTIAPPEND where offered
};

struct IdleArgs {
    unsigned connections = 100;
    unsigned parallel = 64;  // set-ups in flight
    bool select = true;
};

struct HashArgs {
    std::string password;
    std::uint32_t memory_kib = 19456;
    std::uint32_t passes = 2;
};

void raise_file_limit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &limit);
    }
}

double percentile_ms(std::vector<std::uint32_t>& samples, double fraction)
{
    if (samples.empty()) {
        return 0.0;
    }
    const std::size_t at = std::min(samples.size() - 1,
                                    static_cast<std::size_t>(fraction * static_cast<double>(
                                                                            samples.size())));
    std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(at),
                     samples.end());
    return samples[at] / 1000.0;
}

std::string json_string(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

asio::awaitable<void> pause(std::chrono::milliseconds duration)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    co_await timer.async_wait(asio::use_awaitable);
}

// --- run ------------------------------------------------------------------------------------

asio::awaitable<void> timed_loop(LoadClient& client, Op op, Stats& stats, Clock::time_point end,
                                 unsigned iterations)
{
    for (unsigned done = 0; iterations == 0 ? Clock::now() < end : done < iterations; ++done) {
        if (!client.connected() && op != Op::Login) {
            Reply again = co_await client.setup();
            if (again.status != Status::Ok) {
                stats.setup_failure("(reconnect)", again);
                co_await pause(std::chrono::milliseconds(50));
                continue;
            }
        }
        const Clock::time_point started = Clock::now();
        Reply reply = co_await client.run_once();
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
        stats.count(op, reply);
        if (reply.status == Status::Ok) {
            stats.latencies_us.push_back(static_cast<std::uint32_t>(micros));
        }
    }
    client.close();
}

int run_command(const Options& options, const RunArgs& args)
{
    Op op{};
    if (!parse_op(args.op, op)) {
        std::cerr << "imap_load: unknown operation " << args.op << "\n";
        return 2;
    }
    asio::io_context io;
    std::vector<std::unique_ptr<LoadClient>> clients;
    Stats stats;
    // Set-up (connect, LOGIN, SELECT) of every client first, outside the measured time.
    for (unsigned i = 0; i < args.clients; ++i) {
        clients.push_back(std::make_unique<LoadClient>(io.get_executor(), options, op, i));
        asio::co_spawn(io, [&stats, client = clients.back().get()]() -> asio::awaitable<void> {
            Reply reply = co_await client->setup();
            if (reply.status != Status::Ok) {
                stats.setup_failure("login/select", reply);
                client->close();
            }
        }, asio::detached);
    }
    io.run();
    io.restart();
    const Clock::time_point start = Clock::now();
    const auto duration = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(args.seconds));
    for (auto& client : clients) {
        asio::co_spawn(io, timed_loop(*client, op, stats, start + duration, args.iterations),
                       asio::detached);
    }
    io.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<std::uint32_t> in_order = stats.latencies_us;
    const double p50 = percentile_ms(stats.latencies_us, 0.50);
    const double p99 = percentile_ms(stats.latencies_us, 0.99);
    std::printf("{\"op\": \"%s\", \"clients\": %u, \"elapsed_s\": %.3f, \"ops\": %llu, "
                "\"ops_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"ok\": %llu, "
                "\"no\": %llu, \"bad\": %llu, \"bye\": %llu, \"io\": %llu, "
                "\"setup_failed\": %llu, \"first_error\": %s",
                args.op.c_str(), args.clients, elapsed,
                static_cast<unsigned long long>(stats.ok), stats.ok / elapsed, p50, p99,
                static_cast<unsigned long long>(stats.ok),
                static_cast<unsigned long long>(stats.no),
                static_cast<unsigned long long>(stats.bad),
                static_cast<unsigned long long>(stats.bye),
                static_cast<unsigned long long>(stats.io),
                static_cast<unsigned long long>(stats.setup_failed),
                json_string(stats.first_error).c_str());
    if (args.iterations > 0 && in_order.size() <= 1000) {
        std::printf(", \"samples_ms\": [");
        for (std::size_t i = 0; i < in_order.size(); ++i) {
            std::printf("%s%.3f", i == 0 ? "" : ", ", in_order[i] / 1000.0);
        }
        std::printf("]");
    }
    std::printf("}\n");
    return 0;
}

// --- fill -----------------------------------------------------------------------------------

struct FillState {
    std::uint64_t next = 0;
    std::uint64_t total = 0;
    std::uint64_t appended = 0;
    Stats stats;
};

asio::awaitable<void> fill_worker(const Options& options, const FillArgs& args, FillState& state,
                                  std::size_t worker)
{
    ImapClient client(co_await asio::this_coro::executor);
    unsigned logged_in = 0;  // account number, 0: none
    bool multiappend = false;
    while (state.next < state.total) {
        // A worker claims up to `batch` consecutive messages of one account, so that it logs
        // in once per account (or per chunk), not once per message: a login is an argon2id
        // check on both servers.
        const std::uint64_t first = state.next;
        const std::uint64_t account_end = (first / args.messages + 1) * args.messages;
        const std::uint64_t last = std::min({first + std::max(1U, args.batch), account_end,
                                             state.total});
        state.next = last;
        const unsigned account =
            options.first_account + static_cast<unsigned>(first / args.messages);
        if (logged_in != account || !client.is_open()) {
            client.close();
            logged_in = 0;
            Reply greeting =
                co_await client.connect(options.server, source_address(options, worker));
            if (greeting.status != Status::Ok) {
                state.stats.setup_failure("connect", greeting);
                continue;
            }
            const std::string user = account_name(options, account);
            Reply login = co_await client.command("LOGIN " + imap_quoted(user) + " " +
                                                  imap_quoted(options.password));
            if (login.status != Status::Ok) {
                state.stats.setup_failure("login " + user, login);
                client.close();
                continue;
            }
            logged_in = account;
            // Both servers list their capabilities in LOGIN's OK (RFC 9051 §6.2.3).
            multiappend = login.text.find("MULTIAPPEND") != std::string::npos;
        }
        // With MULTIAPPEND (RFC 3502) the whole chunk goes in one command, so a server that
        // takes a lock per APPEND takes it once per chunk; otherwise one APPEND per message.
        std::vector<std::string> messages;
        for (std::uint64_t item = first; item < last; ++item) {
            messages.push_back(generate_message(options.seed * 1000003 + account,
                                                item % args.messages, options.message_size));
            if (multiappend && item + 1 < last) {
                continue;
            }
            Reply reply = co_await client.command_with_literals(
                "APPEND " + imap_quoted(args.mailbox), messages);
            state.stats.count(Op::Append, reply);
            if (reply.status == Status::Ok) {
                state.appended += messages.size();
            }
            messages.clear();
        }
    }
    if (client.is_open()) {
        (void)co_await client.command("LOGOUT");
    }
    client.close();
}

int fill_command(const Options& options, const FillArgs& args)
{
    asio::io_context io;
    FillState state;
    state.total = static_cast<std::uint64_t>(options.accounts) * args.messages;
    const Clock::time_point start = Clock::now();
    for (unsigned i = 0; i < std::max(1U, args.connections); ++i) {
        asio::co_spawn(io, fill_worker(options, args, state, i), asio::detached);
    }
    io.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const std::uint64_t errors = state.stats.no + state.stats.bad + state.stats.bye +
                                 state.stats.io + state.stats.setup_failed;
    std::printf("{\"fill\": %s, \"appended\": %llu, \"errors\": %llu, \"elapsed_s\": %.3f, "
                "\"first_error\": %s}\n",
                json_string(args.mailbox).c_str(),
                static_cast<unsigned long long>(state.appended),
                static_cast<unsigned long long>(errors), elapsed,
                json_string(state.stats.first_error).c_str());
    return errors == 0 ? 0 : 1;
}

// --- idle -----------------------------------------------------------------------------------

struct IdleState {
    std::size_t next = 0;
    std::uint64_t idling = 0;
    std::uint64_t idle_refused = 0;  // authenticated (and selected), but IDLE answered NO/BAD
    std::uint64_t failed = 0;
    std::string first_error;
};

asio::awaitable<void> idle_worker(const Options& options, const IdleArgs& args,
                                  std::vector<std::unique_ptr<ImapClient>>& clients,
                                  IdleState& state)
{
    while (state.next < clients.size()) {
        const std::size_t index = state.next++;
        ImapClient& client = *clients[index];
        const unsigned account = options.first_account + static_cast<unsigned>(
                                                             index % options.accounts);
        auto failed = [&](std::string_view what, const Reply& reply) {
            ++state.failed;
            client.close();
            if (state.first_error.empty()) {
                state.first_error = std::string(what) + ": " +
                                    std::string(status_name(reply.status)) + " " + reply.text;
            }
        };
        Reply reply = co_await client.connect(options.server, source_address(options, index));
        if (reply.status != Status::Ok) {
            failed("connect", reply);
            continue;
        }
        reply = co_await client.command("LOGIN " + imap_quoted(account_name(options, account)) +
                                        " " + imap_quoted(options.password));
        if (reply.status != Status::Ok) {
            failed("login", reply);
            continue;
        }
        if (args.select) {
            reply = co_await client.command("SELECT " + imap_quoted(options.mailbox));
            if (reply.status != Status::Ok) {
                failed("select", reply);
                continue;
            }
        }
        reply = co_await client.start_idle();
        if (reply.status == Status::Ok) {
            ++state.idling;
        } else if (reply.status == Status::No || reply.status == Status::Bad) {
            ++state.idle_refused;
            if (state.first_error.empty()) {
                state.first_error = "idle: " + reply.text;
            }
        } else {
            failed("idle", reply);
        }
    }
}

int idle_command(const Options& options, const IdleArgs& args)
{
    asio::io_context io;
    std::vector<std::unique_ptr<ImapClient>> clients;
    for (unsigned i = 0; i < args.connections; ++i) {
        clients.push_back(std::make_unique<ImapClient>(io.get_executor()));
    }
    IdleState state;
    const Clock::time_point start = Clock::now();
    for (unsigned i = 0; i < std::max(1U, args.parallel); ++i) {
        asio::co_spawn(io, idle_worker(options, args, clients, state), asio::detached);
    }
    io.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("{\"idle_connections\": %u, \"idling\": %llu, \"idle_refused\": %llu, "
                "\"failed\": %llu, \"setup_s\": %.3f, \"first_error\": %s}\n",
                args.connections, static_cast<unsigned long long>(state.idling),
                static_cast<unsigned long long>(state.idle_refused),
                static_cast<unsigned long long>(state.failed), elapsed,
                json_string(state.first_error).c_str());
    std::fflush(stdout);
    // Hold every connection until the driver has measured and closes our standard input.
    char buffer[256];
    while (read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
    }
    return state.failed == 0 ? 0 : 1;
}

int hash_command(const HashArgs& args)
{
    std::string salt(16, '\0');
    std::random_device device;
    for (char& c : salt) {
        c = static_cast<char>(device() & 0xff);
    }
    Result<std::string> phc = sasl::hash_password_with_salt(
        args.password, salt, sasl::Argon2Params{args.passes, args.memory_kib, 1});
    if (!phc) {
        std::cerr << "imap_load hash: " << phc.error().to_string() << "\n";
        return 1;
    }
    std::printf("%s\n", phc->c_str());
    return 0;
}

void add_connection_options(CLI::App& command, Options& options, std::string& host,
                            unsigned short& port)
{
    command.add_option("--host", host, "server address")->capture_default_str();
    command.add_option("--port", port, "server port")->required();
    command.add_option("--user-format", options.user_format,
                       "account name; {n} is replaced by the account number")
        ->capture_default_str();
    command.add_option("--password", options.password, "every account's password")
        ->capture_default_str();
    command.add_option("--first-account", options.first_account)->capture_default_str();
    command.add_option("--accounts", options.accounts, "own accounts (login, append, move)")
        ->capture_default_str();
    command.add_option("--readers", options.readers,
                       "shared reader accounts (select, fetch, search, store)")
        ->capture_default_str();
    command.add_option("--mailbox", options.mailbox)->capture_default_str();
    command.add_option("--append-mailbox", options.append_mailbox)->capture_default_str();
    command.add_option("--move-from", options.move_from)->capture_default_str();
    command.add_option("--move-to", options.move_to)->capture_default_str();
    command.add_option("--message-size", options.message_size)->capture_default_str();
    command.add_option("--seed", options.seed)->capture_default_str();
    command.add_option("--source-spread", options.source_spread,
                       "connect from 127.0.0.1 .. 127.0.0.N (per-address limits)")
        ->capture_default_str();
}

}  // namespace
}  // namespace harbor::bench

int main(int argc, char** argv)
{
    using namespace harbor::bench;
    CLI::App app{"IMAP load generator for bench/imap_load (see bench_imap.py)"};
    app.require_subcommand(1);
    Options options;
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    RunArgs run_args;
    FillArgs fill_args;
    IdleArgs idle_args;
    HashArgs hash_args;

    auto* run = app.add_subcommand("run", "one operation, N clients, D seconds; a JSON line");
    add_connection_options(*run, options, host, port);
    run->add_option("--op", run_args.op, "login, select, fetch_flags_envelope, fetch_flags, "
                                         "fetch_body, search_header, search_text, store, "
                                         "append, move")
        ->required();
    run->add_option("--clients", run_args.clients)->capture_default_str();
    run->add_option("--seconds", run_args.seconds)->capture_default_str();
    run->add_option("--iterations", run_args.iterations, "per client instead of --seconds");

    auto* fill = app.add_subcommand("fill", "APPEND generated messages into accounts");
    add_connection_options(*fill, options, host, port);
    fill->add_option("--into", fill_args.mailbox, "mailbox to fill")->capture_default_str();
    fill->add_option("--messages", fill_args.messages, "per account")->capture_default_str();
    fill->add_option("--connections", fill_args.connections)->capture_default_str();
    fill->add_option("--batch", fill_args.batch, "messages per chunk (one MULTIAPPEND)")
        ->capture_default_str();

    auto* idle = app.add_subcommand("idle", "N connections in IDLE, held until stdin closes");
    add_connection_options(*idle, options, host, port);
    idle->add_option("--connections", idle_args.connections)->capture_default_str();
    idle->add_option("--parallel", idle_args.parallel)->capture_default_str();
    idle->add_flag("--select,!--no-select", idle_args.select, "SELECT before IDLE");

    auto* hash = app.add_subcommand("hash", "print an argon2id PHC string");
    hash->add_option("--password", hash_args.password)->required();
    hash->add_option("--memory-kib", hash_args.memory_kib)->capture_default_str();
    hash->add_option("--passes", hash_args.passes)->capture_default_str();

    CLI11_PARSE(app, argc, argv);
    if (hash->parsed()) {
        return hash_command(hash_args);
    }
    raise_file_limit();
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    if (ec) {
        std::cerr << "imap_load: bad --host " << host << "\n";
        return 2;
    }
    options.server = boost::asio::ip::tcp::endpoint(address, port);
    if (options.accounts == 0 || options.readers == 0) {
        std::cerr << "imap_load: --accounts and --readers must be at least 1\n";
        return 2;
    }
    try {
        if (run->parsed()) {
            return run_command(options, run_args);
        }
        if (fill->parsed()) {
            return fill_command(options, fill_args);
        }
        return idle_command(options, idle_args);
    } catch (const std::exception& error) {
        std::cerr << "imap_load: " << error.what() << "\n";
        return 1;
    }
}
