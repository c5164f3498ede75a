// The load generator's own minimal IMAP client (RFC 9051): one TCP connection on loopback,
// tagged commands, responses read line by line with the literals they carry ({n} CRLF then n
// octets, §4.3) folded into the line, synchronizing literals sent after the server's "+"
// continuation (§7.5), IDLE (RFC 2177). It counts what it gets back and parses only what the
// benchmark needs (EXISTS, EXPUNGE, FETCH UID); it is not a general client.
// SECURITY: it talks only to the servers the benchmark started. Lines and literals are still
// bounded (max_response_line, max_literal) so a broken server cannot make it allocate without
// limit; a bound hit is an I/O error for that connection.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::bench {

namespace asio = boost::asio;

inline constexpr std::size_t max_response_line = 1024 * 1024;
inline constexpr std::size_t max_literal = 64 * 1024 * 1024;

// How a command ended (RFC 9051 §7.1): the tagged status, or the connection's end.
enum class Status { Ok, No, Bad, Bye, Io };

std::string_view status_name(Status status);

struct Reply {
    Status status = Status::Io;
    std::string text;  // the tagged line after the status word, or the I/O error
};

// Called for every untagged ("* ...") line before the tagged reply, without "* " and CRLF,
// with literals folded in.
using UntaggedHandler = std::function<void(std::string_view line)>;

class ImapClient {
public:
    explicit ImapClient(asio::any_io_executor executor);

    // Connects from `source` (port 0; empty: the kernel's choice) and reads the greeting.
    // Ok for "* OK" or "* PREAUTH", Bye for "* BYE", Io otherwise.
    asio::awaitable<Reply> connect(const asio::ip::tcp::endpoint& server,
                                   const asio::ip::address& source);

    // Sends "<tag> <command>\r\n" and reads up to the tagged reply.
    asio::awaitable<Reply> command(std::string_view command, const UntaggedHandler& untagged = {});

    // "<tag> <head> {n}\r\n", waits for "+", then the literal and CRLF (RFC 9051 §4.3: the
    // synchronizing form, which every server accepts), then reads up to the tagged reply.
    asio::awaitable<Reply> command_with_literal(std::string_view head, std::string_view literal,
                                                const UntaggedHandler& untagged = {});

    // MULTIAPPEND (RFC 3502 §6.3.11): "<tag> <head> {n1}", then each literal after its "+",
    // the next one's size after it, CRLF after the last.
    asio::awaitable<Reply> command_with_literals(std::string_view head,
                                                 const std::vector<std::string>& literals,
                                                 const UntaggedHandler& untagged = {});

    // Sends IDLE and waits for the continuation (RFC 2177 §3). Ok when the server is idling;
    // otherwise the tagged reply that refused it.
    asio::awaitable<Reply> start_idle();

    void close();
    bool is_open() const { return socket_.is_open(); }

private:
    asio::awaitable<bool> send(std::string_view bytes);
    // One response line with its literals folded in, CRLF removed; false on I/O error or a
    // bound hit (error_ says which).
    asio::awaitable<bool> read_response(std::string& line);
    asio::awaitable<bool> read_line(std::string& line);
    asio::awaitable<bool> fill();
    std::string next_tag();
    // Reads until the line tagged `tag`; untagged lines go to `untagged`.
    asio::awaitable<Reply> finish(const std::string& tag, const UntaggedHandler& untagged);
    // Reads until "+" (true) or the tagged reply that refused the command (false, in reply).
    asio::awaitable<bool> await_continuation(const std::string& tag,
                                             const UntaggedHandler& untagged, Reply& reply);

    asio::ip::tcp::socket socket_;
    std::string buffer_;        // received, not yet consumed octets from buffer_start_
    std::size_t buffer_start_ = 0;
    std::uint64_t tag_counter_ = 0;
    std::string error_;
};

// Parses "N EXISTS" / "N EXPUNGE" / "N FETCH (... UID u ...)" untagged lines; false if the
// line is not of that kind.
bool parse_exists(std::string_view line, std::uint32_t& count);
bool parse_expunge(std::string_view line);
bool parse_fetch_uid(std::string_view line, std::uint32_t& uid);

}  // namespace harbor::bench
