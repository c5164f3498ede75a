// The operations of the IMAP load generator (imap_load.cpp): what one client does once per
// operation, and the counters and latencies they report. Single-threaded: every client is a
// coroutine on one io_context, so the shared Stats need no locks.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "imap_client.hpp"
#include "message_gen.hpp"

namespace harbor::bench {

enum class Op {
    Noop,                // NOOP, reader account: the round trip every other operation pays
    Login,               // connect + LOGIN + LOGOUT, own account
    Select,              // SELECT <mailbox>, reader account
    FetchFlagsEnvelope,  // FETCH 1:* (FLAGS ENVELOPE), reader account
    FetchFlags,          // FETCH 1:* (FLAGS), reader account (the large-mailbox timing)
    FetchBody,           // UID FETCH <random uid> BODY.PEEK[], reader account
    SearchHeader,        // SEARCH HEADER Subject <word>, reader account
    SearchText,          // SEARCH TEXT <word>, reader account
    Store,               // STORE <random n> +FLAGS/-FLAGS (\Flagged), reader account
    Append,              // APPEND <append mailbox> {~4 KiB}, own account
    Move,                // MOVE 1 <other> between two mailboxes, own account
};

bool parse_op(std::string_view name, Op& op);
std::string_view op_name(Op op);

struct Options {
    asio::ip::tcp::endpoint server;
    std::string user_format = "bench{n}@bench.test";  // {n}: the account number
    std::string password = "bench-password";
    unsigned first_account = 1;
    unsigned accounts = 1;  // own accounts: client c logs in as first + c % accounts
    unsigned readers = 1;   // reader accounts: first + c % readers (shared by clients)
    std::string mailbox = "INBOX";
    std::string append_mailbox = "Drafts";
    std::string move_from = "Archive";
    std::string move_to = "Trash";
    std::size_t message_size = 4096;
    std::uint64_t seed = 1;
    unsigned source_spread = 1;  // clients connect from 127.0.0.1 .. 127.0.0.<spread>
};

std::string account_name(const Options& options, unsigned number);
asio::ip::address source_address(const Options& options, std::size_t client);
std::string imap_quoted(std::string_view text);  // an IMAP quoted string (RFC 9051 §4.3)

struct Stats {
    std::vector<std::uint32_t> latencies_us;  // of successful operations
    std::uint64_t ok = 0;
    std::uint64_t no = 0;
    std::uint64_t bad = 0;
    std::uint64_t bye = 0;
    std::uint64_t io = 0;
    std::uint64_t setup_failed = 0;
    std::string first_error;

    void count(Op op, const Reply& reply);
    void setup_failure(std::string_view what, const Reply& reply);
};

// One simulated client: its connection and what the operation needs to remember.
class LoadClient {
public:
    LoadClient(asio::any_io_executor executor, const Options& options, Op op, std::size_t index);

    // Connects, logs in and prepares the operation (SELECT, the UID list); nothing for Login.
    asio::awaitable<Reply> setup();
    // One operation; Ok only if every command of it was answered OK.
    asio::awaitable<Reply> run_once();
    bool connected() const { return client_.is_open(); }
    void close() { client_.close(); }

private:
    asio::awaitable<Reply> login(unsigned account);
    asio::awaitable<Reply> select(const std::string& mailbox);
    asio::awaitable<Reply> login_logout();
    asio::awaitable<Reply> move_one();

    const Options& options_;
    Op op_;
    std::size_t index_;
    ImapClient client_;
    Random random_;
    std::uint32_t exists_ = 0;
    std::vector<std::uint32_t> uids_;
    bool flag_on_ = false;
    bool moving_forward_ = true;  // from move_from to move_to
};

}  // namespace harbor::bench
