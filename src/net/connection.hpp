// One client connection, plain or TLS, that can upgrade in place (STARTTLS: RFC 3207 SMTP,
// RFC 9051 §6.2.1 IMAP, RFC 2595 POP3) and compress above TLS (IMAP COMPRESS=DEFLATE, RFC 4978).
// Bounded CRLF line framing and a deadline on every read.
// SECURITY: all bytes read are untrusted; lines are capped (Errc::Limit, never unbounded
// memory) and start_tls() drops every plaintext byte buffered before the handshake (RFC 3207 §6).
// Compressed input is inflated one bounded chunk at a time into the same framing buffer, so a
// compression bomb meets the same limits as plaintext.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "net/awaitable.hpp"
#include "net/dane.hpp"
#include "net/deflate_stream.hpp"

namespace harbor::net {

class TlsContext;

// One line without its terminator. SMTP must refuse bare LF / bare CR (smuggling), other
// protocols may tolerate them, so the connection reports them instead of deciding.
struct Line {
    std::string text;
    bool bare_lf = false;  // ended in LF without CR before it
    bool bare_cr = false;  // a CR not followed by LF inside the line
};

// Single-threaded and one operation at a time: a session reads or writes, never both at once
// (the deadline timer cancels whatever is pending). Lives on its io_context's thread.
class Connection {
public:
    using Socket = asio::ip::tcp::socket;

    // `tls` may be null: then start_tls() answers Errc::Unsupported.
    Connection(Socket socket, std::shared_ptr<TlsContext> tls);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Next line, CRLF (or bare LF, flagged) removed. `max_length` counts the terminator, as the
    // RFC limits do (RFC 5321 §4.5.3.1.4: 512 octets including CRLF). A longer line is
    // Errc::Limit; its remaining bytes are skipped by the next read_line().
    Awaitable<Result<Line>> read_line(std::size_t max_length, Deadline deadline);

    // The bytes buffered so far, reading once first if there are none (streams such as SMTP
    // DATA, whose framing the caller decodes). The view lives until the next call on this
    // connection; consume() what was used, the rest is returned again.
    Awaitable<Result<std::string_view>> read_some(Deadline deadline);
    // As read_some, for octets already on their way (SMTP DATA after the 354, a BDAT chunk):
    // reads of up to 64 KiB, without first asking the socket whether any are waiting, so a
    // read waits holding its buffer. Not for a connection that may idle between commands.
    Awaitable<Result<std::string_view>> read_stream(Deadline deadline);
    void consume(std::size_t n);
    // Whether the peer has sent bytes not read yet (buffered here or waiting in the socket):
    // the pregreet test of SMTP (a client must wait for the greeting, RFC 5321 §3.1).
    bool has_pending_input();
    // Returns once a read would not have to wait for the peer: bytes buffered or (plaintext)
    // in the socket; over TLS or compression at once, as octets may wait inside either. Ends as
    // a read would on wake(), abort(), the deadline or a closed connection. While it waits the
    // connection holds no read buffer: what a session that idles for days (IMAP IDLE) awaits
    // instead of read_line(), whose frames would stay allocated meanwhile.
    Awaitable<Result<void>> wait_for_input(Deadline deadline);
    // Exactly n bytes (IMAP literals, BDAT chunks); the caller bounds n.
    Awaitable<Result<std::string>> read_exact(std::size_t n, Deadline deadline);

    // `bytes` must live until the write completes: co_await the call in the same expression.
    Awaitable<Result<void>> write(std::string_view bytes, Deadline deadline);
    Awaitable<Result<void>> write(std::string_view bytes);  // default write timeout

    // Server-side TLS handshake on this connection. Buffered plaintext is discarded first:
    // anything the client pipelined after STARTTLS must not be read as if it came over TLS.
    Awaitable<Result<void>> start_tls(Deadline deadline);

    // Client-side TLS handshake, for outbound sessions (an SMTP client's STARTTLS, RFC 3207 §4;
    // net/outbound.hpp builds the context). `server_name` is sent as SNI (RFC 6066 §3; not for
    // an IP literal) and is the name the certificate must match (RFC 6125 §6); whether a
    // failed check ends the handshake is the context's verify mode. As in start_tls(),
    // buffered plaintext is discarded first: it was not protected by the handshake.
    // With `dane` records (usable ones, net/dane.hpp) the chain is checked against them instead
    // of the trust anchors (RFC 7671 §5), and server_name is the TLSA base domain (RFC 7672
    // §3.2.2); the outcome is tls_dane_verified().
    Awaitable<Result<void>> start_tls_client(std::shared_ptr<asio::ssl::context> context,
                                             std::string server_name, Deadline deadline,
                                             std::vector<DaneRecord> dane = {});
    // After start_tls_client(): the server's chain and name verified against the context's
    // trust anchors, or its DANE records (known even when the context does not enforce it).
    bool tls_peer_verified() const;
    // After start_tls_client() with DANE records: one of them matched the chain.
    bool tls_dane_verified() const;

    // COMPRESS=DEFLATE (RFC 4978 §3): from now on the bytes read are raw DEFLATE, inflated
    // before framing, and every write is deflated and ends in a sync flush. The octets already
    // buffered came after the command that turned compression on, so they are compressed too:
    // they are inflated, never taken as plaintext. Errc::Invalid if compression is already on.
    Result<void> start_compression();
    bool is_compressed() const { return inflater_ != nullptr; }

    // Closes the socket without a TLS close_notify; idempotent.
    void close();

    // Graceful shutdown: cancels the pending operation; later reads fail with Errc::Closed
    // while writes still work, so a session can say goodbye ("421 4.3.2 shutting down").
    // Call it on the connection's executor.
    void abort();
    bool shutting_down() const { return aborted_; }
    // A graceful stop that spares a write in flight (the reply to a command just done): a
    // pending read is cancelled, later reads fail with Errc::Closed. On the executor.
    void stop_reading();

    // Interrupts the pending read, which then fails with Errc::TempFail ("woken"); with no read
    // pending, the next one fails at once. Buffered bytes stay. IMAP IDLE (RFC 2177) waits for
    // "DONE" and for mailbox changes at once this way. Call it on the connection's executor.
    void wake();
    // Whether a wake() ended the last read or is waiting for the next; clears both.
    bool take_wake();

    bool can_start_tls() const { return tls_context_ != nullptr && !tls_; }
    bool is_tls() const { return tls_ != nullptr; }
    std::string tls_description() const;  // "TLSv1.3 TLS_AES_256_GCM_SHA384", empty if plain
    std::size_t buffered_bytes() const { return buffer_.size() - begin_; }

    const asio::ip::tcp::endpoint& peer() const { return peer_; }
    std::string peer_ip() const;      // "192.0.2.1", "2001:db8::1"
    std::string peer_string() const;  // "192.0.2.1:5000", "[2001:db8::1]:5000"
    std::string local_string() const;  // the address the client connected to, same form

    asio::any_io_executor executor() { return socket_.get_executor(); }

    // Application bytes (after TLS, before compression) so far; readable from any thread
    // (harbor ports).
    std::uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
    std::uint64_t bytes_written() const { return bytes_written_.load(std::memory_order_relaxed); }

    static constexpr std::chrono::seconds default_write_timeout{120};

private:
    using TlsStream = asio::ssl::stream<Socket&>;

    struct TimerState;

    // Both sides of STARTTLS: the checks, and buffered plaintext dropped; then the handshake.
    Result<void> before_handshake();
    Awaitable<Result<void>> handshake(asio::ssl::stream_base::handshake_type type,
                                      Deadline deadline);
    Awaitable<Result<std::size_t>> read_into(asio::mutable_buffer buffer, Deadline deadline);
    // Appends one read to buffer_: a line's chunk, or a stream's larger one.
    enum class Fill { Line, Stream };
    Awaitable<Result<std::size_t>> fill(Deadline deadline, Fill kind = Fill::Line);
    Awaitable<Result<std::string_view>> read_buffered(Deadline deadline, Fill kind);
    Awaitable<Result<std::size_t>> fill_inflated(Deadline deadline);
    Result<void> interrupted_before_read();
    Awaitable<Result<void>> write_plain(std::string_view bytes, Deadline deadline);
    Awaitable<Result<void>> write_deflated(std::string_view bytes, Deadline deadline);
    Error failure(const boost::system::error_code& ec, std::string_view what) const;
    Awaitable<Result<void>> wait_readable(Deadline deadline);
    // Reads into the empty buffer_ what the plain socket holds now, at most read_chunk octets,
    // without waiting: the count, 0 if there was nothing (buffer_ is then left empty).
    Result<std::size_t> read_waiting();
    void arm_timer(Deadline deadline);
    void disarm_timer();
    static void start_timer_wait(const std::shared_ptr<TimerState>& state);
    void compact_buffer();

    Socket socket_;
    asio::ip::tcp::endpoint peer_;
    std::shared_ptr<TlsContext> tls_context_;
    std::shared_ptr<void> tls_snapshot_;  // keeps the ssl::context alive while tls_ uses it
    std::unique_ptr<TlsStream> tls_;
    std::shared_ptr<TimerState> timer_state_;
    std::atomic<std::uint64_t> bytes_read_{0};
    std::atomic<std::uint64_t> bytes_written_{0};
    bool aborted_ = false;
    bool dane_ = false;          // start_tls_client() was given DANE records
    bool wake_pending_ = false;  // wake() with no read in flight
    bool reading_ = false;
    bool woken_ = false;         // the last read ended by wake()
    bool skip_to_lf_ = false;
    std::string buffer_;  // plaintext (inflated when compressed) for the framing
    std::size_t begin_ = 0;
    std::size_t stream_chunk_ = 4096;     // the size of the next read_stream() fill
    std::unique_ptr<Inflater> inflater_;  // both set by start_compression()
    std::unique_ptr<Deflater> deflater_;
};

}  // namespace harbor::net
