// Connection: bounded line framing, deadlines via one timer that cancels the socket, the
// in-place TLS upgrade and the DEFLATE layer above it. RFC 3207 §6 (discard pre-TLS data),
// RFC 5321 §4.5.3.1.4 (line limits), RFC 4978 §3 (COMPRESS).
// SECURITY: peer bytes are untrusted; the buffer never holds more than max_length + one chunk
// (a stream chunk for read_stream), inflated or not: the inflater produces at most one chunk per
// fill() and holds at most one chunk of compressed input.
#include "net/connection.hpp"
#include "net/listener.hpp"  // format_endpoint

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <tuple>

#include "net/tls_context.hpp"

namespace harbor::net {
namespace {

constexpr std::size_t read_chunk = 4096;
// A stream (SMTP DATA, BDAT) is read in pieces that double while reads fill them (and halve
// when a read fills less than half), up to this: a 100 KiB message took 25 reads of 4 KiB, each
// after an ioctl asking whether bytes were waiting; a 1 KiB one still takes one read of 4 KiB,
// without zeroing 64 KiB of buffer first.
constexpr std::size_t stream_chunk_max = 64 * 1024;
constexpr std::size_t deflated_write_chunk = 16 * 1024;

}  // namespace

// One timer per connection, re-armed lazily: an operation records its deadline, and the wait
// already pending is kept when it ends no later (deadlines mostly move later, as each read or
// write is given now + its timeout). When that wait ends before the deadline it re-arms itself.
// So a command's read and write cost no timer system call and no cancelled handler.
// The handler may run after the Connection is gone, so it reaches everything through this
// state, which dies with the Connection (and its timer with it).
struct Connection::TimerState {
    explicit TimerState(const asio::any_io_executor& executor) : timer(executor) {}

    asio::steady_timer timer;
    Socket* socket = nullptr;
    bool guarding = false;  // an operation is under `deadline`
    bool timed_out = false;
    Deadline deadline{};
    bool waiting = false;  // `timer` has a wait pending that ends at `expiry`
    Deadline expiry{};
    std::uint64_t wait_generation = 0;
};

Connection::Connection(Socket socket, std::shared_ptr<TlsContext> tls)
    : socket_(std::move(socket)),
      tls_context_(std::move(tls)),
      timer_state_(std::make_shared<TimerState>(socket_.get_executor()))
{
    timer_state_->socket = &socket_;
    boost::system::error_code ec;
    peer_ = socket_.remote_endpoint(ec);
}

Connection::~Connection()
{
    timer_state_->socket = nullptr;
    close();
}

void Connection::start_timer_wait(const std::shared_ptr<TimerState>& state)
{
    state->waiting = true;
    state->expiry = state->deadline;
    const std::uint64_t generation = ++state->wait_generation;
    // expires_at() cancels a pending wait; its handler then finds a newer generation.
    state->timer.expires_at(state->expiry);
    state->timer.async_wait(
        [weak = std::weak_ptr<TimerState>(state), generation](const boost::system::error_code& ec) {
            auto current = weak.lock();
            if (!current || current->wait_generation != generation) {
                return;
            }
            current->waiting = false;
            if (ec || !current->guarding || current->socket == nullptr) {
                return;
            }
            if (Clock::now() < current->deadline) {
                start_timer_wait(current);  // the operation now guarded has a later deadline
                return;
            }
            current->timed_out = true;
            boost::system::error_code ignored;
            current->socket->cancel(ignored);
        });
}

void Connection::arm_timer(Deadline deadline)
{
    TimerState& state = *timer_state_;
    state.timed_out = false;
    state.guarding = true;
    state.deadline = deadline;
    if (state.waiting && state.expiry <= deadline) {
        return;
    }
    start_timer_wait(timer_state_);
}

void Connection::disarm_timer()
{
    timer_state_->guarding = false;
}

Error Connection::failure(const boost::system::error_code& ec, std::string_view what) const
{
    if (timer_state_->timed_out) {
        return make_error(Errc::Timeout, std::string(what) + ": deadline passed");
    }
    if (aborted_) {
        return make_error(Errc::Closed, "server shutting down");
    }
    if (woken_) {
        return make_error(Errc::TempFail, std::string(what) + ": woken");
    }
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
        ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
        ec == asio::error::not_connected || ec == asio::error::bad_descriptor) {
        return make_error(Errc::Closed, std::string(what) + ": peer closed the connection");
    }
    if (ec == asio::error::operation_aborted) {
        return make_error(Errc::Closed, std::string(what) + ": cancelled");
    }
    return make_error(Errc::Io, std::string(what) + ": " + ec.message());
}

// A read ends at once after abort(), or after a wake() that came with no read in flight.
Result<void> Connection::interrupted_before_read()
{
    if (aborted_) {
        return unexpected(Errc::Closed, "server shutting down");
    }
    woken_ = false;
    if (wake_pending_) {
        wake_pending_ = false;
        woken_ = true;
        return unexpected(failure({}, "read"));
    }
    return ok();
}

Awaitable<Result<std::size_t>> Connection::read_into(asio::mutable_buffer buffer, Deadline deadline)
{
    if (Result<void> interrupted = interrupted_before_read(); !interrupted) {
        co_return unexpected(std::move(interrupted).error());
    }
    arm_timer(deadline);
    boost::system::error_code ec;
    std::size_t n = 0;
    reading_ = true;
    if (tls_) {
        std::tie(ec, n) = co_await tls_->async_read_some(buffer, use_tuple);
    } else {
        std::tie(ec, n) = co_await socket_.async_read_some(buffer, use_tuple);
    }
    reading_ = false;
    disarm_timer();
    bytes_read_.fetch_add(n, std::memory_order_relaxed);
    if (woken_ && n > 0) {
        // Bytes came before the cancel took effect: the wake is for the next read.
        woken_ = false;
        wake_pending_ = true;
    }
    if (ec && n == 0) {
        co_return unexpected(failure(ec, "read"));
    }
    co_return n;
}

Awaitable<Result<void>> Connection::wait_for_input(Deadline deadline)
{
    if (Result<void> interrupted = interrupted_before_read(); !interrupted) {
        co_return unexpected(std::move(interrupted).error());
    }
    boost::system::error_code unknown;
    if (tls_ || inflater_ || begin_ < buffer_.size() || socket_.available(unknown) > 0 || unknown) {
        co_return ok();  // a read may find octets without waiting (or will report the error)
    }
    co_return co_await wait_readable(deadline);
}

// The socket had nothing to read: wait without holding a read buffer.
Awaitable<Result<void>> Connection::wait_readable(Deadline deadline)
{
    std::string().swap(buffer_);
    begin_ = 0;
    arm_timer(deadline);
    reading_ = true;
    boost::system::error_code ec;
    std::tie(ec) = co_await socket_.async_wait(Socket::wait_read, use_tuple);
    reading_ = false;
    disarm_timer();
    if (ec) {
        co_return unexpected(failure(ec, "read"));
    }
    if (woken_) {
        // Readable before the cancel took effect: the wake is for the next read.
        woken_ = false;
        wake_pending_ = true;
    }
    co_return ok();
}

Result<std::size_t> Connection::read_waiting()
{
    // Read into the thread's own buffer: a socket with nothing waiting costs no allocation, and
    // a command costs a copy of its own length, not a zeroed chunk.
    thread_local std::array<char, read_chunk> landing;
    const ssize_t got =
        ::recv(socket_.native_handle(), landing.data(), landing.size(), MSG_DONTWAIT);
    const int error = errno;
    if (got > 0) {
        buffer_.assign(landing.data(), static_cast<std::size_t>(got));
        bytes_read_.fetch_add(buffer_.size(), std::memory_order_relaxed);
        return buffer_.size();
    }
    if (got == 0) {
        return unexpected(failure(asio::error::eof, "read"));
    }
    if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) {
        return 0;
    }
    return unexpected(
        failure(boost::system::error_code(error, boost::system::system_category()), "read"));
}

void Connection::compact_buffer()
{
    // Drop consumed bytes only once they dominate, so framing stays amortised O(n).
    if (begin_ > 0 && (begin_ == buffer_.size() || begin_ >= read_chunk)) {
        buffer_.erase(0, begin_);
        begin_ = 0;
    }
}

Awaitable<Result<std::size_t>> Connection::fill(Deadline deadline, Fill kind)
{
    compact_buffer();
    if (inflater_) {
        co_return co_await fill_inflated(deadline);
    }
    // A stream's bytes are on their way: its read waits holding the buffer, as the spool that
    // takes them holds its own anyway.
    const bool stream = kind == Fill::Stream;
    const std::size_t chunk = stream ? stream_chunk_ : read_chunk;
    if (!stream && !tls_ && buffer_.empty()) {
        // A client in mid-conversation has usually sent its next command already: one recv
        // takes it, with no FIONREAD before it. Only an empty socket makes the connection wait,
        // and an idle connection (a client between commands) waits without a buffer.
        if (Result<void> interrupted = interrupted_before_read(); !interrupted) {
            co_return unexpected(std::move(interrupted).error());
        }
        if (Result<std::size_t> waiting = read_waiting(); !waiting || *waiting > 0) {
            co_return waiting;
        }
        Result<void> ready = co_await wait_readable(deadline);
        if (!ready) {
            co_return unexpected(std::move(ready).error());
        }
    }
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + chunk);
    Result<std::size_t> n =
        co_await read_into(asio::buffer(buffer_.data() + old_size, chunk), deadline);
    buffer_.resize(old_size + (n ? *n : 0));
    if (stream && n) {
        if (*n == chunk) {
            stream_chunk_ = std::min(chunk * 2, stream_chunk_max);
        } else if (*n < chunk / 2) {
            stream_chunk_ = std::max(chunk / 2, read_chunk);
        }
    }
    co_return n;
}

// Appends at most one chunk of inflated octets to buffer_, however far the peer's octets
// expand, reading the socket only when the inflater has nothing left to work on. Octets the
// inflater still holds count as not yet read: a pending wake() or abort() comes first, as it
// would before a plain read took them from the socket.
Awaitable<Result<std::size_t>> Connection::fill_inflated(Deadline deadline)
{
    if (Result<void> interrupted = interrupted_before_read(); !interrupted) {
        co_return unexpected(std::move(interrupted).error());
    }
    std::string compressed;
    for (;;) {
        if (inflater_->has_pending()) {
            Result<std::size_t> produced = inflater_->inflate(buffer_, read_chunk);
            if (!produced) {
                co_return unexpected(std::move(produced).error());
            }
            if (*produced > 0) {
                co_return *produced;
            }
            if (inflater_->has_pending()) {
                // zlib made no progress on input it holds: never queue more behind it.
                co_return unexpected(Errc::Internal, "inflate made no progress");
            }
        }
        if (inflater_->finished()) {
            co_return unexpected(Errc::Closed, "read: peer ended the compressed stream");
        }
        compressed.resize(read_chunk);
        Result<std::size_t> n = co_await read_into(asio::buffer(compressed), deadline);
        if (!n) {
            co_return unexpected(std::move(n).error());
        }
        inflater_->add_input(std::string_view(compressed.data(), *n));
    }
}

Awaitable<Result<Line>> Connection::read_line(std::size_t max_length, Deadline deadline)
{
    for (;;) {
        if (skip_to_lf_) {
            std::size_t lf = buffer_.find('\n', begin_);
            if (lf == std::string::npos) {
                begin_ = buffer_.size();
            } else {
                begin_ = lf + 1;
                skip_to_lf_ = false;
            }
        }
        if (!skip_to_lf_) {
            std::string_view pending(buffer_.data() + begin_, buffer_.size() - begin_);
            // Only the first max_length bytes can hold a legal terminator.
            std::size_t lf = pending.substr(0, max_length).find('\n');
            if (lf != std::string_view::npos) {
                Line line;
                std::string_view text = pending.substr(0, lf);
                if (!text.empty() && text.back() == '\r') {
                    text.remove_suffix(1);
                } else {
                    line.bare_lf = true;
                }
                line.bare_cr = text.find('\r') != std::string_view::npos;
                line.text.assign(text);
                begin_ += lf + 1;
                co_return line;
            }
            if (pending.size() >= max_length) {
                // Drop the line through its LF (or all we have, and skip to the next LF as it
                // arrives): memory stays bounded and the session can answer "line too long"
                // and carry on with the next command (RFC 5321 §4.5.3.1.4).
                std::size_t end = pending.find('\n', max_length);
                if (end == std::string_view::npos) {
                    begin_ = buffer_.size();
                    skip_to_lf_ = true;
                } else {
                    begin_ += end + 1;
                }
                co_return unexpected(Errc::Limit,
                                     "line longer than " + std::to_string(max_length) + " octets");
            }
        }
        Result<std::size_t> n = co_await fill(deadline);
        if (!n) {
            co_return unexpected(std::move(n).error());
        }
    }
}

Awaitable<Result<std::string_view>> Connection::read_some(Deadline deadline)
{
    co_return co_await read_buffered(deadline, Fill::Line);
}

Awaitable<Result<std::string_view>> Connection::read_stream(Deadline deadline)
{
    co_return co_await read_buffered(deadline, Fill::Stream);
}

Awaitable<Result<std::string_view>> Connection::read_buffered(Deadline deadline, Fill kind)
{
    if (begin_ == buffer_.size()) {
        Result<std::size_t> got = co_await fill(deadline, kind);
        if (!got) {
            co_return unexpected(std::move(got).error());
        }
    }
    co_return std::string_view(buffer_).substr(begin_);
}

void Connection::consume(std::size_t n)
{
    begin_ += std::min(n, buffer_.size() - begin_);
}

bool Connection::has_pending_input()
{
    if (begin_ < buffer_.size() || (inflater_ && inflater_->has_pending())) {
        return true;
    }
    boost::system::error_code ec;
    const std::size_t waiting = socket_.available(ec);
    return !ec && waiting > 0;
}

Awaitable<Result<std::string>> Connection::read_exact(std::size_t n, Deadline deadline)
{
    std::string out;
    const std::size_t buffered = std::min(n, buffer_.size() - begin_);
    out.reserve(n);
    out.assign(buffer_, begin_, buffered);
    begin_ += buffered;
    std::size_t have = buffered;
    out.resize(n);
    while (have < n && inflater_) {
        // Inflated octets pass through buffer_, one bounded chunk at a time.
        Result<std::size_t> got = co_await fill(deadline);
        if (!got) {
            co_return unexpected(std::move(got).error());
        }
        const std::size_t take = std::min(n - have, buffer_.size() - begin_);
        out.replace(have, take, buffer_, begin_, take);
        begin_ += take;
        have += take;
    }
    while (have < n) {
        Result<std::size_t> got =
            co_await read_into(asio::buffer(out.data() + have, n - have), deadline);
        if (!got) {
            co_return unexpected(std::move(got).error());
        }
        have += *got;
    }
    co_return out;
}

Awaitable<Result<void>> Connection::write(std::string_view bytes, Deadline deadline)
{
    if (deflater_) {
        co_return co_await write_deflated(bytes, deadline);
    }
    co_return co_await write_plain(bytes, deadline);
}

// Deflates in bounded output chunks, each written before the next is made, so a large FETCH
// response is never held compressed in full; the last chunk ends in a sync flush.
Awaitable<Result<void>> Connection::write_deflated(std::string_view bytes, Deadline deadline)
{
    std::string chunk;
    for (;;) {
        chunk.clear();
        Result<Deflater::Step> step = deflater_->compress(bytes, chunk, deflated_write_chunk);
        if (!step) {
            co_return unexpected(std::move(step).error());
        }
        bytes.remove_prefix(step->consumed);
        if (!chunk.empty()) {
            Result<void> written = co_await write_plain(chunk, deadline);
            if (!written) {
                co_return written;
            }
        }
        if (step->flushed) {
            co_return ok();
        }
    }
}

Awaitable<Result<void>> Connection::write_plain(std::string_view bytes, Deadline deadline)
{
    arm_timer(deadline);
    boost::system::error_code ec;
    if (tls_) {
        std::tie(ec, std::ignore) =
            co_await asio::async_write(*tls_, asio::buffer(bytes), use_tuple);
    } else {
        std::tie(ec, std::ignore) =
            co_await asio::async_write(socket_, asio::buffer(bytes), use_tuple);
    }
    disarm_timer();
    if (ec) {
        co_return unexpected(failure(ec, "write"));
    }
    bytes_written_.fetch_add(bytes.size(), std::memory_order_relaxed);
    co_return ok();
}

Awaitable<Result<void>> Connection::write(std::string_view bytes)
{
    co_return co_await write(bytes, deadline_after(default_write_timeout));
}

Result<void> Connection::start_compression()
{
    if (inflater_) {
        return unexpected(Errc::Invalid, "compression already active");
    }
    inflater_ = std::make_unique<Inflater>();
    deflater_ = std::make_unique<Deflater>();
    // RFC 4978 §3: the client compresses from the first octet after the COMPRESS command, so
    // what it pipelined is compressed data (bounded, as the buffer always is).
    inflater_->add_input(std::string_view(buffer_).substr(begin_));
    buffer_.clear();
    begin_ = 0;
    skip_to_lf_ = false;
    return ok();
}

void Connection::close()
{
    disarm_timer();
    // A wait left pending by the lazy re-arming would keep the io_context busy until it ends.
    timer_state_->waiting = false;
    ++timer_state_->wait_generation;
    timer_state_->timer.cancel();
    boost::system::error_code ignored;
    if (socket_.is_open()) {
        socket_.shutdown(Socket::shutdown_both, ignored);
        socket_.close(ignored);
    }
}

void Connection::abort()
{
    aborted_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
}

void Connection::stop_reading()
{
    aborted_ = true;
    if (reading_) {
        boost::system::error_code ignored;
        socket_.cancel(ignored);
    }
}

void Connection::wake()
{
    if (!reading_) {
        wake_pending_ = true;
        return;
    }
    // The cancelled read completes with operation_aborted and no bytes; a TLS read loses
    // nothing either, since what the socket had delivered stays in the SSL input buffer.
    woken_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
}

bool Connection::take_wake()
{
    const bool woken = woken_ || wake_pending_;
    woken_ = false;
    wake_pending_ = false;
    return woken;
}

std::string Connection::peer_ip() const
{
    asio::ip::address address = peer_.address();
    // A v4 client on a dual-stack socket shows up as ::ffff:a.b.c.d; count it as a.b.c.d.
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    return address.to_string();
}

std::string Connection::peer_string() const
{
    return format_endpoint(peer_ip(), peer_.port());
}

std::string Connection::local_string() const
{
    boost::system::error_code ec;
    const asio::ip::tcp::endpoint local = socket_.local_endpoint(ec);
    if (ec) {
        return "?";
    }
    return format_endpoint(local.address().to_string(), local.port());
}

}  // namespace harbor::net
