// The load generator's minimal IMAP client; see imap_client.hpp.
// SECURITY: response lines are bounded by max_response_line and literals by max_literal.
#include "imap_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <charconv>

namespace harbor::bench {
namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk = 64 * 1024;

bool starts_with_word(std::string_view text, std::string_view word)
{
    if (text.size() < word.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        char c = text[i];
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
        if (c != word[i]) {
            return false;
        }
    }
    return text.size() == word.size() || text[word.size()] == ' ';
}

// The size of a literal announced at the end of a response line: "{123}" (RFC 9051 §4.3),
// also "~{123}" (RFC 3516 literal8).
bool trailing_literal(std::string_view line, std::size_t& size)
{
    if (line.empty() || line.back() != '}') {
        return false;
    }
    const std::size_t open = line.rfind('{');
    if (open == std::string_view::npos || open + 2 > line.size() - 1) {
        return false;
    }
    std::string_view digits = line.substr(open + 1, line.size() - open - 2);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
    return ec == std::errc{} && end == digits.data() + digits.size();
}

bool leading_number(std::string_view& line, std::uint32_t& number)
{
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), number);
    if (ec != std::errc{} || end == line.data() || end == line.data() + line.size() ||
        *end != ' ') {
        return false;
    }
    line.remove_prefix(static_cast<std::size_t>(end - line.data()) + 1);
    return true;
}

}  // namespace

std::string_view status_name(Status status)
{
    switch (status) {
    case Status::Ok: return "ok";
    case Status::No: return "no";
    case Status::Bad: return "bad";
    case Status::Bye: return "bye";
    case Status::Io: return "io";
    }
    return "io";
}

ImapClient::ImapClient(asio::any_io_executor executor) : socket_(std::move(executor)) {}

asio::awaitable<Reply> ImapClient::connect(const asio::ip::tcp::endpoint& server,
                                           const asio::ip::address& source)
{
    close();
    buffer_.clear();
    buffer_start_ = 0;
    boost::system::error_code ec;
    socket_.open(server.protocol(), ec);
    if (!ec && !source.is_unspecified()) {
        socket_.bind(asio::ip::tcp::endpoint(source, 0), ec);
    }
    if (ec) {
        close();
        co_return Reply{Status::Io, "socket: " + ec.message()};
    }
    auto [connect_ec] = co_await socket_.async_connect(server, use_tuple);
    if (connect_ec) {
        close();
        co_return Reply{Status::Io, "connect: " + connect_ec.message()};
    }
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    std::string greeting;
    if (!co_await read_response(greeting)) {
        close();
        co_return Reply{Status::Io, "greeting: " + error_};
    }
    std::string_view rest(greeting);
    if (rest.starts_with("* ")) {
        rest.remove_prefix(2);
        if (starts_with_word(rest, "OK") || starts_with_word(rest, "PREAUTH")) {
            co_return Reply{Status::Ok, std::string(rest)};
        }
        if (starts_with_word(rest, "BYE")) {
            close();
            co_return Reply{Status::Bye, std::string(rest)};
        }
    }
    close();
    co_return Reply{Status::Io, "unexpected greeting: " + greeting.substr(0, 200)};
}

asio::awaitable<Reply> ImapClient::command(std::string_view command,
                                           const UntaggedHandler& untagged)
{
    std::string tag = next_tag();
    std::string bytes = tag + ' ';
    bytes += command;
    bytes += "\r\n";
    if (!co_await send(bytes)) {
        co_return Reply{Status::Io, error_};
    }
    co_return co_await finish(tag, untagged);
}

asio::awaitable<Reply> ImapClient::command_with_literal(std::string_view head,
                                                        std::string_view literal,
                                                        const UntaggedHandler& untagged)
{
    std::vector<std::string> literals{std::string(literal)};
    co_return co_await command_with_literals(head, literals, untagged);
}

asio::awaitable<bool> ImapClient::await_continuation(const std::string& tag,
                                                     const UntaggedHandler& untagged,
                                                     Reply& reply)
{
    // RFC 9051 §7.5: "+" invites the literal; a tagged reply here refuses the command.
    for (;;) {
        std::string line;
        if (!co_await read_response(line)) {
            reply = Reply{Status::Io, error_};
            co_return false;
        }
        if (line.starts_with("+")) {
            co_return true;
        }
        if (line.starts_with("* ")) {
            if (untagged) {
                untagged(std::string_view(line).substr(2));
            }
            continue;
        }
        if (line.starts_with(tag + ' ')) {
            std::string_view rest = std::string_view(line).substr(tag.size() + 1);
            Status status = starts_with_word(rest, "NO") ? Status::No : Status::Bad;
            reply = Reply{status, std::string(rest)};
            co_return false;
        }
    }
}

asio::awaitable<Reply> ImapClient::command_with_literals(std::string_view head,
                                                         const std::vector<std::string>& literals,
                                                         const UntaggedHandler& untagged)
{
    std::string tag = next_tag();
    std::string bytes = tag + ' ';
    bytes += head;
    for (std::size_t i = 0; i < literals.size(); ++i) {
        bytes += " {" + std::to_string(literals[i].size()) + "}\r\n";
        if (!co_await send(bytes)) {
            co_return Reply{Status::Io, error_};
        }
        Reply refused;
        if (!co_await await_continuation(tag, untagged, refused)) {
            co_return refused;
        }
        bytes = literals[i];
    }
    bytes += "\r\n";
    if (!co_await send(bytes)) {
        co_return Reply{Status::Io, error_};
    }
    co_return co_await finish(tag, untagged);
}

asio::awaitable<Reply> ImapClient::start_idle()
{
    std::string tag = next_tag();
    if (!co_await send(tag + " IDLE\r\n")) {
        co_return Reply{Status::Io, error_};
    }
    for (;;) {
        std::string line;
        if (!co_await read_response(line)) {
            co_return Reply{Status::Io, error_};
        }
        if (line.starts_with("+")) {
            co_return Reply{Status::Ok, line};
        }
        if (line.starts_with(tag + ' ')) {
            std::string_view rest = std::string_view(line).substr(tag.size() + 1);
            Status status = starts_with_word(rest, "OK")   ? Status::Ok
                            : starts_with_word(rest, "NO") ? Status::No
                                                           : Status::Bad;
            if (status == Status::Ok) {
                // Tagged OK without a continuation: not idling either.
                status = Status::Bad;
            }
            co_return Reply{status, std::string(rest)};
        }
    }
}

void ImapClient::close()
{
    boost::system::error_code ignored;
    if (socket_.is_open()) {
        socket_.close(ignored);
    }
}

asio::awaitable<bool> ImapClient::send(std::string_view bytes)
{
    auto [ec, written] = co_await asio::async_write(socket_, asio::buffer(bytes), use_tuple);
    (void)written;
    if (ec) {
        error_ = "write: " + ec.message();
        close();
        co_return false;
    }
    co_return true;
}

asio::awaitable<bool> ImapClient::fill()
{
    if (buffer_start_ > 0 && buffer_start_ >= buffer_.size() / 2) {
        buffer_.erase(0, buffer_start_);
        buffer_start_ = 0;
    }
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + read_chunk);
    auto [ec, got] =
        co_await socket_.async_read_some(asio::buffer(buffer_.data() + old_size, read_chunk),
                                         use_tuple);
    buffer_.resize(old_size + got);
    if (ec) {
        error_ = "read: " + ec.message();
        close();
        co_return false;
    }
    co_return true;
}

asio::awaitable<bool> ImapClient::read_line(std::string& line)
{
    std::size_t searched = buffer_start_;
    for (;;) {
        const std::size_t lf = buffer_.find('\n', searched);
        if (lf != std::string::npos) {
            std::size_t end = lf;
            if (end > buffer_start_ && buffer_[end - 1] == '\r') {
                --end;
            }
            line.append(buffer_, buffer_start_, end - buffer_start_);
            buffer_start_ = lf + 1;
            co_return true;
        }
        searched = buffer_.size();
        if (buffer_.size() - buffer_start_ > max_response_line) {
            error_ = "response line over the bound";
            close();
            co_return false;
        }
        const std::size_t consumed_before = buffer_start_;
        if (!co_await fill()) {
            co_return false;
        }
        // fill() may have compacted the buffer.
        searched -= consumed_before - buffer_start_;
    }
}

asio::awaitable<bool> ImapClient::read_response(std::string& line)
{
    line.clear();
    if (!co_await read_line(line)) {
        co_return false;
    }
    std::size_t literal = 0;
    while (trailing_literal(line, literal)) {
        if (literal > max_literal) {
            error_ = "literal over the bound";
            close();
            co_return false;
        }
        while (buffer_.size() - buffer_start_ < literal) {
            if (!co_await fill()) {
                co_return false;
            }
        }
        line.append(buffer_, buffer_start_, literal);
        buffer_start_ += literal;
        if (!co_await read_line(line)) {
            co_return false;
        }
    }
    co_return true;
}

std::string ImapClient::next_tag()
{
    return "a" + std::to_string(++tag_counter_);
}

asio::awaitable<Reply> ImapClient::finish(const std::string& tag, const UntaggedHandler& untagged)
{
    bool saw_bye = false;
    std::string bye_text;
    for (;;) {
        std::string line;
        if (!co_await read_response(line)) {
            if (saw_bye) {
                co_return Reply{Status::Bye, bye_text};
            }
            co_return Reply{Status::Io, error_};
        }
        if (line.starts_with("* ")) {
            std::string_view rest = std::string_view(line).substr(2);
            if (starts_with_word(rest, "BYE")) {
                // LOGOUT's BYE precedes its tagged OK (RFC 9051 §6.1.3); any other BYE ends
                // the session (§7.1.5).
                saw_bye = true;
                bye_text = std::string(rest);
            }
            if (untagged) {
                untagged(rest);
            }
            continue;
        }
        if (line.starts_with(tag + ' ')) {
            std::string_view rest = std::string_view(line).substr(tag.size() + 1);
            Status status = Status::Bad;
            if (starts_with_word(rest, "OK")) {
                status = Status::Ok;
            } else if (starts_with_word(rest, "NO")) {
                status = Status::No;
            }
            co_return Reply{status, std::string(rest)};
        }
        // A continuation or another tag: not expected from one command at a time; skip.
    }
}

bool parse_exists(std::string_view line, std::uint32_t& count)
{
    std::uint32_t number = 0;
    if (!leading_number(line, number) || !starts_with_word(line, "EXISTS")) {
        return false;
    }
    count = number;
    return true;
}

bool parse_expunge(std::string_view line)
{
    std::uint32_t number = 0;
    return leading_number(line, number) && starts_with_word(line, "EXPUNGE");
}

bool parse_fetch_uid(std::string_view line, std::uint32_t& uid)
{
    std::uint32_t number = 0;
    if (!leading_number(line, number) || !starts_with_word(line, "FETCH")) {
        return false;
    }
    const std::size_t at = line.find("UID ");
    if (at == std::string_view::npos) {
        return false;
    }
    std::string_view digits = line.substr(at + 4);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), uid);
    return ec == std::errc{} && end != digits.data();
}

}  // namespace harbor::bench
