// The IMAP load generator's operations; see load_ops.hpp. Commands follow RFC 9051 §6
// (SELECT §6.3.2, FETCH §6.4.5, SEARCH §6.4.4, STORE §6.4.6, APPEND §6.3.12, MOVE §6.4.8 /
// RFC 6851, LOGIN §6.2.3, LOGOUT §6.1.3).
#include "load_ops.hpp"

#include <array>
#include <utility>

namespace harbor::bench {
namespace {

struct OpName {
    Op op;
    std::string_view name;
};

constexpr std::array<OpName, 11> op_names = {{
    {Op::Noop, "noop"},
    {Op::Login, "login"},
    {Op::Select, "select"},
    {Op::FetchFlagsEnvelope, "fetch_flags_envelope"},
    {Op::FetchFlags, "fetch_flags"},
    {Op::FetchBody, "fetch_body"},
    {Op::SearchHeader, "search_header"},
    {Op::SearchText, "search_text"},
    {Op::Store, "store"},
    {Op::Append, "append"},
    {Op::Move, "move"},
}};

bool uses_own_account(Op op)
{
    return op == Op::Login || op == Op::Append || op == Op::Move;
}

}  // namespace

bool parse_op(std::string_view name, Op& op)
{
    for (const OpName& entry : op_names) {
        if (entry.name == name) {
            op = entry.op;
            return true;
        }
    }
    return false;
}

std::string_view op_name(Op op)
{
    for (const OpName& entry : op_names) {
        if (entry.op == op) {
            return entry.name;
        }
    }
    return "?";
}

std::string account_name(const Options& options, unsigned number)
{
    std::string name = options.user_format;
    const std::size_t at = name.find("{n}");
    if (at != std::string::npos) {
        name.replace(at, 3, std::to_string(number));
    }
    return name;
}

asio::ip::address source_address(const Options& options, std::size_t client)
{
    if (options.source_spread <= 1) {
        return asio::ip::address_v4::loopback();
    }
    // The whole 127/8 is loopback on Linux; 127.0.0.1 .. 127.0.0.<spread>.
    const unsigned last = 1 + static_cast<unsigned>(client % options.source_spread);
    return asio::ip::address_v4((127U << 24) | last);
}

std::string imap_quoted(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

void Stats::count(Op op, const Reply& reply)
{
    switch (reply.status) {
    case Status::Ok: ++ok; return;
    case Status::No: ++no; break;
    case Status::Bad: ++bad; break;
    case Status::Bye: ++bye; break;
    case Status::Io: ++io; break;
    }
    if (first_error.empty()) {
        first_error = std::string(op_name(op)) + ": " + std::string(status_name(reply.status)) +
                      " " + reply.text.substr(0, 200);
    }
}

void Stats::setup_failure(std::string_view what, const Reply& reply)
{
    ++setup_failed;
    if (first_error.empty()) {
        first_error = "setup " + std::string(what) + ": " +
                      std::string(status_name(reply.status)) + " " + reply.text.substr(0, 200);
    }
}

LoadClient::LoadClient(asio::any_io_executor executor, const Options& options, Op op,
                       std::size_t index)
    : options_(options),
      op_(op),
      index_(index),
      client_(std::move(executor)),
      random_(options.seed * 7919 + index)
{
}

asio::awaitable<Reply> LoadClient::login(unsigned account)
{
    Reply greeting = co_await client_.connect(options_.server, source_address(options_, index_));
    if (greeting.status != Status::Ok) {
        co_return greeting;
    }
    std::string command = "LOGIN " + imap_quoted(account_name(options_, account)) + " " +
                          imap_quoted(options_.password);
    Reply reply = co_await client_.command(command);
    if (reply.status != Status::Ok) {
        client_.close();
    }
    co_return reply;
}

asio::awaitable<Reply> LoadClient::select(const std::string& mailbox)
{
    std::uint32_t exists = 0;
    Reply reply = co_await client_.command(
        "SELECT " + imap_quoted(mailbox),
        [&](std::string_view line) { parse_exists(line, exists); });
    if (reply.status == Status::Ok) {
        exists_ = exists;
    }
    co_return reply;
}

asio::awaitable<Reply> LoadClient::setup()
{
    if (op_ == Op::Login) {
        co_return Reply{Status::Ok, ""};
    }
    const unsigned count = uses_own_account(op_) ? options_.accounts : options_.readers;
    const unsigned account =
        options_.first_account + static_cast<unsigned>(index_ % (count == 0 ? 1 : count));
    Reply reply = co_await login(account);
    if (reply.status != Status::Ok) {
        co_return reply;
    }
    if (op_ == Op::Append) {
        co_return reply;
    }
    if (op_ == Op::Move) {
        moving_forward_ = true;
        co_return co_await select(options_.move_from);
    }
    reply = co_await select(options_.mailbox);
    if (reply.status != Status::Ok || op_ != Op::FetchBody) {
        co_return reply;
    }
    uids_.clear();
    reply = co_await client_.command("FETCH 1:* (UID)", [&](std::string_view line) {
        std::uint32_t uid = 0;
        if (parse_fetch_uid(line, uid)) {
            uids_.push_back(uid);
        }
    });
    if (reply.status == Status::Ok && uids_.empty()) {
        co_return Reply{Status::No, "the mailbox is empty: nothing to fetch"};
    }
    co_return reply;
}

asio::awaitable<Reply> LoadClient::login_logout()
{
    const unsigned account =
        options_.first_account + static_cast<unsigned>(index_ % options_.accounts);
    Reply reply = co_await login(account);
    if (reply.status != Status::Ok) {
        co_return reply;
    }
    reply = co_await client_.command("LOGOUT");
    client_.close();
    co_return reply;
}

asio::awaitable<Reply> LoadClient::move_one()
{
    const std::string& to = moving_forward_ ? options_.move_to : options_.move_from;
    if (exists_ == 0) {
        // The selected mailbox is empty: move the messages back from the other one. This
        // SELECT is part of the operation's wall time but not counted as an operation.
        moving_forward_ = !moving_forward_;
        Reply selected = co_await select(to);
        if (selected.status != Status::Ok) {
            co_return selected;
        }
        if (exists_ == 0) {
            co_return Reply{Status::No, "both move mailboxes are empty"};
        }
        co_return co_await move_one();
    }
    std::uint32_t expunged = 0;
    Reply reply = co_await client_.command("MOVE 1 " + imap_quoted(to), [&](std::string_view line) {
        if (parse_expunge(line)) {
            ++expunged;
        }
    });
    exists_ = expunged > exists_ ? 0 : exists_ - expunged;
    if (reply.status == Status::Ok && expunged == 0) {
        co_return Reply{Status::No, "MOVE answered OK but expunged nothing"};
    }
    co_return reply;
}

asio::awaitable<Reply> LoadClient::run_once()
{
    const auto words = vocabulary();
    switch (op_) {
    case Op::Noop: co_return co_await client_.command("NOOP");
    case Op::Login: co_return co_await login_logout();
    case Op::Select: co_return co_await select(options_.mailbox);
    case Op::FetchFlagsEnvelope: co_return co_await client_.command("FETCH 1:* (FLAGS ENVELOPE)");
    case Op::FetchFlags: co_return co_await client_.command("FETCH 1:* (FLAGS)");
    case Op::FetchBody: {
        const std::uint32_t uid = uids_[random_.below(uids_.size())];
        co_return co_await client_.command("UID FETCH " + std::to_string(uid) + " BODY.PEEK[]");
    }
    case Op::SearchHeader: {
        std::string_view word = words[random_.below(words.size())];
        co_return co_await client_.command("SEARCH HEADER Subject " + std::string(word));
    }
    case Op::SearchText: {
        std::string_view word = words[random_.below(words.size())];
        co_return co_await client_.command("SEARCH TEXT " + std::string(word));
    }
    case Op::Store: {
        if (exists_ == 0) {
            co_return Reply{Status::No, "the mailbox is empty: nothing to STORE"};
        }
        const std::uint64_t message = 1 + random_.below(exists_);
        flag_on_ = !flag_on_;
        co_return co_await client_.command("STORE " + std::to_string(message) +
                                           (flag_on_ ? " +FLAGS (\\Flagged)"
                                                     : " -FLAGS (\\Flagged)"));
    }
    case Op::Append: {
        const std::string message =
            generate_message(options_.seed + 1000 + index_, random_.next() % 1000000,
                             options_.message_size);
        co_return co_await client_.command_with_literal("APPEND " +
                                                            imap_quoted(options_.append_mailbox),
                                                        message);
    }
    case Op::Move: co_return co_await move_one();
    }
    co_return Reply{Status::Bad, "unknown operation"};
}

}  // namespace harbor::bench
