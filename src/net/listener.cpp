// Accept loop, admission (connection caps), implicit TLS (RFC 8314 §3.3) and the per-session
// coroutine that logs net.accept / net.close and contains every failure of the session.
// SECURITY: a refused client costs no handshake; each session's exceptions stop at its top.
#include "net/listener.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <exception>
#include <future>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/cidr.hpp"
#include "net/connection.hpp"
#include "net/connection_limits.hpp"
#include "net/io_pool.hpp"
#include "net/session.hpp"
#include "net/session_tracker.hpp"
#include "net/tls_context.hpp"

namespace harbor::net {

struct Listener::State {
    ListenerConfig config;
    IoPool& pool;
    std::shared_ptr<TlsContext> tls;
    std::shared_ptr<SessionHandler> handler;
    SessionTracker& tracker;
    ListenerOptions options;
    ConnectionLimits limits;
    NetworkList allowed;  // empty: everyone (ListenerConfig::allowed_networks)
    asio::ip::tcp::acceptor acceptor;
    std::uint16_t port = 0;
    // Set when the accept loop has returned; Listener::stop() waits for it.
    std::promise<void> loop_ended;
    std::future<void> loop_ended_future = loop_ended.get_future();
    bool started = false;

    State(ListenerConfig c, IoPool& p, std::shared_ptr<TlsContext> t,
          std::shared_ptr<SessionHandler> h, SessionTracker& tr, ListenerOptions o)
        : config(std::move(c)),
          pool(p),
          tls(std::move(t)),
          handler(std::move(h)),
          tracker(tr),
          options(std::move(o)),
          limits(config.max_connections, config.max_connections_per_ip),
          acceptor(pool.at(0))
    {
    }
};

namespace {

// Gives back the connection slot and the tracker entry however the session ends, including
// when the pool is stopped and the coroutine frame is destroyed without finishing.
struct SessionGuard {
    ConnectionLimits* limits = nullptr;  // null when the connection was refused
    std::string ip;
    SessionTracker& tracker;
    std::uint64_t id;

    ~SessionGuard()
    {
        if (limits != nullptr) {
            limits->release(ip);
        }
        tracker.remove(id);
    }
};

metrics::Counter& accepted_counter(Protocol protocol)
{
    // One counter per protocol, looked up once: the accept path adds to it without a lock.
    static std::array<metrics::Counter*, 5> counters = [] {
        std::array<metrics::Counter*, 5> all{};
        for (Protocol p : {Protocol::Smtp, Protocol::Submission, Protocol::Imap, Protocol::Pop3,
                           Protocol::Http}) {
            all[static_cast<std::size_t>(p)] =
                &metrics::counter("harbor_connections_total", "Connections accepted.",
                                  {{"protocol", std::string(protocol_name(p))}});
        }
        return all;
    }();
    return *counters[static_cast<std::size_t>(protocol)];
}

// The session's bookkeeping as plain functions: in the coroutine, each log call's temporaries
// would take a slot of their own in its frame, allocated for as long as the connection lives.
SessionContext begin_session(const Listener::State& state, const Connection& connection,
                             Admission admission)
{
    const ListenerConfig& config = state.config;
    SessionContext context;
    context.cid = new_id();
    context.listener = config.name;
    context.protocol = config.protocol;
    context.tls_mode = config.tls;
    context.trusted_plaintext = config.trusted_plaintext;
    context.hostname = state.options.hostname;
    context.peer = connection.peer_string();
    context.admission = admission;
    log::info("net.accept",
              {{"cid", context.cid}, {"peer", context.peer}, {"listener", config.name}});
    accepted_counter(config.protocol).add();
    if (admission != Admission::Accepted) {
        log::warn("net.refused", {{"cid", context.cid},
                                  {"peer", context.peer},
                                  {"listener", config.name},
                                  {"reason", admission_name(admission)}});
    }
    return context;
}

SessionInfo session_info(const SessionContext& context, const Connection& connection)
{
    SessionInfo info;
    info.cid = context.cid;
    info.listener = context.listener;
    info.protocol = context.protocol;
    info.local = connection.local_string();
    info.peer = context.peer;
    return info;
}

// Whether the implicit TLS handshake succeeded, logged either way.
bool log_handshake(const SessionContext& context, const Result<void>& handshake,
                   const Connection& connection)
{
    if (!handshake) {
        log::info("net.tls.failed",
                  {{"cid", context.cid}, {"error", handshake.error().to_string()}});
        return false;
    }
    log::debug("net.tls", {{"cid", context.cid}, {"tls", connection.tls_description()}});
    return true;
}

void log_exception(const SessionContext& context, std::exception_ptr caught)
{
    std::string what = "unknown";
    try {
        std::rethrow_exception(std::move(caught));
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
    }
    log::error("net.session.exception", {{"cid", context.cid}, {"error", what}});
}

void log_closed(const SessionContext& context, Clock::time_point started)
{
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    log::info("net.close", {{"cid", context.cid},
                            {"peer", context.peer},
                            {"listener", context.listener},
                            {"ms", static_cast<std::int64_t>(millis)}});
}

Awaitable<void> run_session(std::shared_ptr<Listener::State> state,
                            std::shared_ptr<Connection> connection, Admission admission)
{
    SessionContext context = begin_session(*state, *connection, admission);
    const auto started = Clock::now();
    SessionGuard guard{
        admission == Admission::Accepted ? &state->limits : nullptr, connection->peer_ip(),
        state->tracker,
        state->tracker.add(connection, context.status, session_info(context, *connection))};
    std::exception_ptr caught;
    try {
        if (admission != Admission::Accepted) {
            if (state->config.tls != TlsMode::Implicit) {
                co_await state->handler->refuse(*connection, context);
            }
        } else if (state->config.tls == TlsMode::Implicit) {
            const Deadline deadline = deadline_after(state->options.handshake_timeout);
            Result<void> handshake = co_await connection->start_tls(deadline);
            if (log_handshake(context, handshake, *connection)) {
                co_await state->handler->run(*connection, context);
            }
        } else {
            co_await state->handler->run(*connection, context);
        }
    } catch (...) {
        caught = std::current_exception();
    }
    if (caught) {
        log_exception(context, std::move(caught));
    }
    connection->close();
    log_closed(context, started);
}

Awaitable<void> accept_loop(std::shared_ptr<Listener::State> state)
{
    for (;;) {
        asio::io_context& target = state->pool.next();
        auto [ec, socket] = co_await state->acceptor.async_accept(target, use_tuple);
        if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) {
            co_return;
        }
        if (ec) {
            // Typically EMFILE: back off briefly instead of spinning on a full fd table.
            log::warn("net.accept.failed",
                      {{"listener", state->config.name}, {"error", ec.message()}});
            asio::steady_timer pause(state->acceptor.get_executor(), std::chrono::milliseconds(50));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        // Nothing thrown while handing a connection over may end the accept loop.
        try {
            if (!state->allowed.empty()) {
                boost::system::error_code peer_ec;
                const asio::ip::tcp::endpoint peer = socket.remote_endpoint(peer_ec);
                if (peer_ec || !state->allowed.contains(peer.address())) {
                    // Not a client of this listener: closed before a byte is sent.
                    log::info("net.refused.network",
                              {{"listener", state->config.name},
                               {"peer", peer_ec ? std::string("?") : peer.address().to_string()}});
                    continue;
                }
            }
            // Sessions gather each reply into one write (IMAP, POP3 and SMTP pipelining), so
            // Nagle's algorithm only holds back the last piece of a large response until the
            // client's delayed ACK (up to 40 ms on Linux).
            boost::system::error_code nodelay_ec;
            socket.set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
            auto connection = std::make_shared<Connection>(std::move(socket), state->tls);
            Admission admission = state->limits.admit(connection->peer_ip());
            asio::co_spawn(target, run_session(state, std::move(connection), admission),
                           asio::detached);
        } catch (const std::exception& e) {
            log::error("net.accept.exception",
                       {{"listener", state->config.name}, {"error", e.what()}});
        }
    }
}

}  // namespace

std::string format_endpoint(const std::string& address, std::uint16_t port)
{
    if (address.find(':') != std::string::npos) {
        return "[" + address + "]:" + std::to_string(port);
    }
    return address + ":" + std::to_string(port);
}

Listener::Listener(ListenerConfig config, IoPool& pool, std::shared_ptr<TlsContext> tls,
                   std::shared_ptr<SessionHandler> handler, SessionTracker& tracker,
                   ListenerOptions options)
    : state_(std::make_shared<State>(std::move(config), pool, std::move(tls), std::move(handler),
                                     tracker, std::move(options)))
{
}

Listener::~Listener() = default;

void Listener::set_handler(std::shared_ptr<SessionHandler> handler)
{
    state_->handler = std::move(handler);
}

Result<void> Listener::bind()
{
    const ListenerConfig& config = state_->config;
    const std::string where =
        format_endpoint(config.address, config.port) + " (" + config.name + ")";
    boost::system::error_code ec;
    asio::ip::address address = asio::ip::make_address(config.address, ec);
    if (ec) {
        return unexpected(Errc::Invalid, "cannot listen on " + where + ": not an IP address");
    }
    Result<NetworkList> allowed = NetworkList::parse(config.allowed_networks);
    if (!allowed) {
        return unexpected(Errc::Invalid, "listener " + config.name +
                                             ": allowed_networks: " + allowed.error().detail);
    }
    state_->allowed = std::move(*allowed);
    if (config.tls != TlsMode::None && state_->tls == nullptr) {
        return unexpected(Errc::Invalid, "cannot listen on " + where + ": TLS needs a certificate");
    }
    asio::ip::tcp::endpoint endpoint(address, config.port);
    auto& acceptor = state_->acceptor;
    auto fail = [&](std::string_view step) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        return unexpected(Errc::Io,
                          "cannot listen on " + where + ": " + std::string(step) + ec.message());
    };
    acceptor.open(endpoint.protocol(), ec);
    if (ec) {
        return fail("");
    }
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (address.is_v6()) {
        // An IPv6 listener serves IPv6 only, so "0.0.0.0" and "::" can both be configured.
        acceptor.set_option(asio::ip::v6_only(true), ec);
    }
    acceptor.bind(endpoint, ec);
    if (ec) {
        return fail("");
    }
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return fail("listen: ");
    }
    state_->port = acceptor.local_endpoint(ec).port();
    return ok();
}

std::uint16_t Listener::port() const
{
    return state_->port;
}

const ListenerConfig& Listener::config() const
{
    return state_->config;
}

void Listener::start()
{
    state_->started = true;
    asio::co_spawn(state_->acceptor.get_executor(), accept_loop(state_),
                   [state = state_](const std::exception_ptr&) { state->loop_ended.set_value(); });
}

void Listener::stop()
{
    asio::post(state_->acceptor.get_executor(), [state = state_] {
        boost::system::error_code ignored;
        state->acceptor.close(ignored);
    });
    if (state_->started && state_->loop_ended_future.valid()) {
        // Bounded: if the io thread is wedged, shutdown goes on rather than hanging.
        state_->loop_ended_future.wait_for(std::chrono::seconds(5));
    }
}

}  // namespace harbor::net
