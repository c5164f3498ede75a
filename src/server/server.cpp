// Server runtime: io threads, listeners, signals and the graceful stop (DESIGN.md,
// Concurrency). SIGINT/SIGTERM stop, SIGHUP reloads; the main thread does the slow parts
// (reload reads files, stop waits), so no io thread ever blocks.
#include "server/server.hpp"

#include <boost/asio/signal_set.hpp>

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <vector>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/io_pool.hpp"
#include "net/listener.hpp"
#include "net/session.hpp"
#include "net/session_tracker.hpp"
#include "net/tls_context.hpp"

namespace harbor::server {

struct Server::Impl {
    Config config;
    HandlerMap handlers;
    ServerOptions options;
    std::shared_ptr<net::TlsContext> tls;
    // Declaration order is destruction order in reverse: sessions dying with the pool still
    // reach the tracker, and listeners (acceptors) go before the contexts they live on.
    net::SessionTracker tracker;
    std::unique_ptr<net::IoPool> pool;
    std::vector<std::unique_ptr<net::Listener>> listeners;
    std::unique_ptr<asio::signal_set> signals;
    metrics::ScrapeHook active_sessions;
    ReloadHook reload_hook;

    std::mutex mutex;
    std::condition_variable wake;
    bool stop_requested = false;
    bool reload_requested = false;
    bool bound = false;
    bool started = false;

    ~Impl()
    {
        if (pool) {
            pool->stop();
            pool->join();
        }
    }

    void arm_signals()
    {
        signals->async_wait([this](const boost::system::error_code& ec, int signal_number) {
            if (ec) {
                return;
            }
            log::info("server.signal", {{"signal", signal_number}});
            std::lock_guard lock(mutex);
            if (signal_number == SIGHUP) {
                reload_requested = true;
            } else {
                stop_requested = true;
            }
            wake.notify_all();
            arm_signals();
        });
    }

    Result<void> reload_tls()
    {
        if (!tls) {
            log::warn("tls.reload.skipped", {{"reason", "no TLS configured"}});
            return unexpected(Errc::Unsupported, "no TLS configured");
        }
        auto reloaded = tls->reload();
        if (!reloaded) {
            log::error("tls.reload.failed", {{"error", reloaded.error().to_string()}});
            return reloaded;
        }
        log::info("tls.reloaded", {{"certificate", tls->certificate_file().string()}});
        return ok();
    }

    Result<ReloadReport> reload()
    {
        Result<ReloadReport> outcome = ReloadReport{};
        if (reload_hook) {
            outcome = reload_hook();
        }
        Result<void> certificate = reload_tls();
        if (outcome && !certificate && tls) {
            return unexpected(std::move(certificate).error());
        }
        return outcome;
    }

    // Stop accepting; sessions between commands end now, one receiving a message may finish
    // it; whatever still runs after the grace period is cut off.
    void shut_down()
    {
        log::info("server.stopping", {{"sessions", tracker.size()}});
        for (auto& listener : listeners) {
            listener->stop();
        }
        tracker.drain_all();
        if (!tracker.wait_idle(options.shutdown_grace)) {
            log::warn("server.stop.forced", {{"sessions", tracker.size()}});
            tracker.abort_all();
            // A cut-off session still says goodbye and lets go of its store work.
            (void)tracker.wait_idle(std::chrono::seconds(2));
        }
        pool->stop();
        pool->join();
        log::info("server.stopped");
    }
};

Server::Server(Config config, HandlerMap handlers, ServerOptions options)
    : impl_(std::make_unique<Impl>())
{
    impl_->config = std::move(config);
    impl_->handlers = std::move(handlers);
    impl_->options = options;
}

Server::~Server() = default;

const Config& Server::config() const
{
    return impl_->config;
}

Result<void> Server::bind()
{
    // Asio reports some setup failures (threads, sockets) as exceptions; they stop here.
    try {
        return bind_listeners();
    } catch (const std::exception& e) {
        return unexpected(Errc::Internal, std::string("server start: ") + e.what());
    }
}

void Server::set_handlers(HandlerMap handlers)
{
    impl_->handlers = std::move(handlers);
}

Result<void> Server::start()
{
    try {
        if (!impl_->bound) {
            HARBOR_TRY(bind_listeners());
        }
        return start_listening();
    } catch (const std::exception& e) {
        return unexpected(Errc::Internal, std::string("server start: ") + e.what());
    }
}

Result<void> Server::bind_listeners()
{
    Impl& s = *impl_;
    if (s.bound) {
        return unexpected(Errc::Invalid, "server already bound");
    }
    s.bound = true;
    for (const ListenerConfig& listener : s.config.listeners) {
        if (listener.tls != TlsMode::None && !s.config.tls) {
            return unexpected(Errc::Invalid, "listener " + listener.name + ": tls = " +
                                                 std::string(tls_mode_name(listener.tls)) +
                                                 " needs a [tls] certificate and key");
        }
    }
    if (s.config.tls) {
        auto tls = net::TlsContext::load(s.config.tls->certificate, s.config.tls->key);
        HARBOR_TRY(tls);
        s.tls = std::move(*tls);
    }

    s.pool = std::make_unique<net::IoPool>(s.options.threads);
    for (const ListenerConfig& config : s.config.listeners) {
        auto listener = std::make_unique<net::Listener>(
            config, *s.pool, config.tls == TlsMode::None ? nullptr : s.tls, nullptr, s.tracker,
            net::ListenerOptions{s.config.hostname, s.options.handshake_timeout});
        HARBOR_TRY(listener->bind());
        log::info("net.listen",
                  {{"listener", config.name},
                   {"address", net::format_endpoint(config.address, listener->port())},
                   {"protocol", protocol_name(config.protocol)},
                   {"tls", tls_mode_name(config.tls)}});
        s.listeners.push_back(std::move(listener));
    }
    return ok();
}

Result<void> Server::start_listening()
{
    Impl& s = *impl_;
    if (s.started) {
        return unexpected(Errc::Invalid, "server already started");
    }
    s.started = true;
    for (auto& listener : s.listeners) {
        const ListenerConfig& config = listener->config();
        auto handler = s.handlers.find(config.protocol);
        if (handler == s.handlers.end() || !handler->second) {
            return unexpected(Errc::Unsupported, "listener " + config.name +
                                                     ": no session handler for " +
                                                     std::string(protocol_name(config.protocol)));
        }
        listener->set_handler(handler->second);
    }
    s.active_sessions = metrics::ScrapeHook([&s] {
        for (Protocol p : {Protocol::Smtp, Protocol::Submission, Protocol::Imap, Protocol::Pop3,
                           Protocol::Http}) {
            metrics::gauge("harbor_connections_active", "Connections open now.",
                           {{"protocol", std::string(protocol_name(p))}})
                .set(static_cast<std::int64_t>(s.tracker.count(p)));
        }
    });
    if (s.options.handle_signals) {
        s.signals = std::make_unique<asio::signal_set>(s.pool->at(0), SIGINT, SIGTERM, SIGHUP);
        s.arm_signals();
    }
    for (auto& listener : s.listeners) {
        listener->start();
    }
    s.pool->start();
    log::info("server.started", {{"listeners", s.listeners.size()},
                                 {"threads", s.pool->size()},
                                 {"hostname", s.config.hostname}});
    return ok();
}

std::optional<std::uint16_t> Server::port(std::string_view listener) const
{
    for (const auto& l : impl_->listeners) {
        if (l->config().name == listener) {
            return l->port();
        }
    }
    return std::nullopt;
}

void Server::wait()
{
    Impl& s = *impl_;
    std::unique_lock lock(s.mutex);
    for (;;) {
        s.wake.wait(lock, [&] { return s.stop_requested || s.reload_requested; });
        if (s.stop_requested) {
            break;
        }
        s.reload_requested = false;
        lock.unlock();
        (void)s.reload();  // logged either way; a failed reload keeps what was there
        lock.lock();
    }
    lock.unlock();
    if (s.pool) {
        s.shut_down();
    }
}

void Server::request_stop()
{
    std::lock_guard lock(impl_->mutex);
    impl_->stop_requested = true;
    impl_->wake.notify_all();
}

void Server::request_reload()
{
    std::lock_guard lock(impl_->mutex);
    impl_->reload_requested = true;
    impl_->wake.notify_all();
}

Result<void> Server::reload_tls()
{
    return impl_->reload_tls();
}

Result<ReloadReport> Server::reload()
{
    return impl_->reload();
}

void Server::set_reload_hook(ReloadHook hook)
{
    impl_->reload_hook = std::move(hook);
}

std::vector<ListenerView> Server::listeners() const
{
    std::vector<ListenerView> views;
    for (const auto& listener : impl_->listeners) {
        const ListenerConfig& config = listener->config();
        views.push_back({config.name, config.protocol,
                         net::format_endpoint(config.address, listener->port()), config.tls});
    }
    return views;
}

std::vector<net::SessionView> Server::sessions() const
{
    return impl_->tracker.sessions();
}

std::size_t Server::session_count() const
{
    return impl_->tracker.size();
}

Result<void> Server::run()
{
    HARBOR_TRY(start());
    wait();
    return ok();
}

}  // namespace harbor::server
