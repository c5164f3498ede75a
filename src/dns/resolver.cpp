// Resolver over libunbound (resolver.hpp). libunbound resolves on its own thread and writes
// each finished query to a pipe (ub_fd); an Asio descriptor waits on that pipe on a strand and
// calls ub_process(), which runs our callback there. All ub_* calls and the table of pending
// queries live on that strand, so no lock is needed. The timeout is ours (a steady_timer per
// query, then ub_cancel), so a lookup's upper bound does not depend on libunbound's retries.
#include "dns/resolver.hpp"

#include <unbound.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <map>

namespace harbor::dns {
namespace {

constexpr int class_in = 1;  // RFC 1035 §3.2.4

std::string rcode_name(int rcode)
{
    switch (rcode) {  // RFC 1035 §4.1.1, RFC 6895 §2.3
        case 1:
            return "FORMERR";
        case 2:
            return "SERVFAIL";
        case 4:
            return "NOTIMP";
        case 5:
            return "REFUSED";
        default:
            return "RCODE " + std::to_string(rcode);
    }
}

Error ub_error(int err, std::string_view what)
{
    Errc code = err == UB_SYNTAX ? Errc::Invalid : Errc::TempFail;
    return Error{code, std::string(what) + ": " + ub_strerror(err)};
}

// What libunbound found, as an answer or a temporary failure.
Result<RawAnswer> to_raw_answer(int err, const ub_result* result)
{
    if (err != 0) {
        return unexpected(ub_error(err, "resolve"));
    }
    if (result->bogus) {
        // RFC 4035 §5.5: a bogus answer must not be used; the caller may try later.
        return unexpected(Errc::TempFail, std::string("DNSSEC bogus: ") +
                                              (result->why_bogus ? result->why_bogus : "?"));
    }
    RawAnswer raw;
    raw.ttl = std::chrono::seconds(result->ttl);
    raw.security = result->secure ? Security::Secure : Security::Insecure;
    if (result->rcode == 3) {  // NXDOMAIN
        raw.existence = Existence::NxDomain;
        return raw;
    }
    if (result->rcode != 0) {
        return unexpected(Errc::TempFail, "server answered " + rcode_name(result->rcode));
    }
    if (!result->havedata) {
        raw.existence = Existence::NoData;
        return raw;
    }
    for (int i = 0; result->data[i] != nullptr; ++i) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(result->data[i]);
        raw.rdata.emplace_back(bytes, bytes + result->len[i]);
    }
    return raw;
}

}  // namespace

class Resolver::Impl : public std::enable_shared_from_this<Impl> {
public:
    Impl(boost::asio::any_io_executor executor, ub_ctx* ctx, std::chrono::milliseconds timeout)
        : strand_(boost::asio::make_strand(std::move(executor))),
          ctx_(ctx),
          pipe_(strand_, ub_fd(ctx)),
          timeout_(timeout)
    {
    }

    ~Impl()
    {
        // The pipe belongs to libunbound, which closes it in ub_ctx_delete.
        pipe_.release();
        ub_ctx_delete(ctx_);
    }

    void start_reading()
    {
        pipe_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [self = shared_from_this()](boost::system::error_code ec) {
                             if (ec || self->closed_) {
                                 return;
                             }
                             ub_process(self->ctx_);  // runs on_result for each finished query
                             self->start_reading();
                         });
    }

    void start(std::string name, RrType type, detail::Done<RawAnswer> done)
    {
        boost::asio::post(strand_, [self = shared_from_this(), name = std::move(name), type,
                                    done = std::move(done)]() mutable {
            self->begin(name, type, std::move(done));
        });
    }

    // Completes every pending query with Errc::Closed; the Impl goes when its handlers have.
    void close()
    {
        boost::asio::post(strand_, [self = shared_from_this()] {
            self->closed_ = true;
            self->pipe_.cancel();
            auto pending = std::move(self->pending_);
            for (auto& [serial, query] : pending) {
                ub_cancel(self->ctx_, query->async_id);
                query->timer.cancel();
                if (query->done) {
                    query->done(unexpected(Errc::Closed, "resolver closed"));
                }
            }
        });
    }

private:
    struct Query {
        Impl* impl;
        std::uint64_t serial;
        int async_id = 0;
        boost::asio::steady_timer timer;
        detail::Done<RawAnswer> done;  // empty once completed by the timeout
    };

    void begin(const std::string& name, RrType type, detail::Done<RawAnswer> done)
    {
        if (closed_) {
            done(unexpected(Errc::Closed, "resolver closed"));
            return;
        }
        std::uint64_t serial = next_serial_++;
        auto owned = std::make_unique<Query>(
            Query{this, serial, 0, boost::asio::steady_timer(strand_), std::move(done)});
        Query* query = owned.get();
        pending_.emplace(serial, std::move(owned));
        int err = ub_resolve_async(ctx_, name.c_str(), static_cast<int>(type), class_in, query,
                                   &Impl::on_result, &query->async_id);
        if (err != 0) {
            auto failed = std::move(query->done);
            pending_.erase(serial);
            failed(unexpected(ub_error(err, "query " + name)));
            return;
        }
        query->timer.expires_after(timeout_);
        query->timer.async_wait([self = shared_from_this(), serial](boost::system::error_code ec) {
            if (!ec) {
                self->on_timeout(serial);
            }
        });
    }

    // libunbound's callback, from ub_process() on the strand. mydata is the Query, alive until
    // here: entries leave pending_ only here, after a successful ub_cancel, or in close().
    static void on_result(void* mydata, int err, ub_result* result)
    {
        auto* query = static_cast<Query*>(mydata);
        Impl* impl = query->impl;
        auto node = impl->pending_.extract(query->serial);
        Result<RawAnswer> answer = to_raw_answer(err, result);
        ub_resolve_free(result);
        if (node.empty() || !node.mapped()->done) {
            return;  // already completed by its timeout
        }
        node.mapped()->timer.cancel();
        node.mapped()->done(std::move(answer));
    }

    void on_timeout(std::uint64_t serial)
    {
        auto it = pending_.find(serial);
        if (it == pending_.end() || !it->second->done) {
            return;
        }
        auto done = std::move(it->second->done);
        it->second->done = nullptr;
        // If the cancel fails the answer is already on its way; on_result then drops it.
        if (ub_cancel(ctx_, it->second->async_id) == 0) {
            pending_.erase(it);
        }
        done(unexpected(Errc::TempFail,
                        "no answer within " + std::to_string(timeout_.count()) + " ms"));
    }

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    ub_ctx* ctx_;
    boost::asio::posix::stream_descriptor pipe_;
    std::chrono::milliseconds timeout_;
    std::map<std::uint64_t, std::unique_ptr<Query>> pending_;
    std::uint64_t next_serial_ = 0;
    bool closed_ = false;
};

Result<Resolver> Resolver::create(boost::asio::any_io_executor executor, ResolverSettings settings)
{
    if (settings.query_timeout <= std::chrono::milliseconds::zero()) {
        return unexpected(Errc::Invalid, "the query timeout must be positive");
    }
    std::unique_ptr<ub_ctx, decltype(&ub_ctx_delete)> ctx(ub_ctx_create(), &ub_ctx_delete);
    if (!ctx) {
        return unexpected(Errc::Internal, "ub_ctx_create failed");
    }
    auto check = [](int err, std::string what) -> Result<void> {
        if (err != 0) {
            return unexpected(Errc::Invalid, what + ": " + ub_strerror(err));
        }
        return ok();
    };
    // libunbound refuses to send to 127.0.0.0/8 and ::1 by default, but a forwarder on loopback
    // (a local caching resolver, 127.0.0.53) is the usual set-up for a mail server.
    HARBOR_TRY(check(ub_ctx_set_option(ctx.get(), "do-not-query-localhost:", "no"),
                     "do-not-query-localhost"));
    // libunbound answers the private-use reverse zones (RFC 6303: 10.in-addr.arpa, ...) itself
    // with NXDOMAIN; a gateway needs its internal DNS's PTR records, so ask the forwarder.
    HARBOR_TRY(
        check(ub_ctx_set_option(ctx.get(), "unblock-lan-zones:", "yes"), "unblock-lan-zones"));
    HARBOR_TRY(
        check(ub_ctx_set_option(ctx.get(), "insecure-lan-zones:", "yes"), "insecure-lan-zones"));
    if (settings.forwarders.empty()) {
        HARBOR_TRY(check(ub_ctx_resolvconf(ctx.get(), nullptr), "/etc/resolv.conf"));
    }
    for (const std::string& forwarder : settings.forwarders) {
        HARBOR_TRY(check(ub_ctx_set_fwd(ctx.get(), forwarder.c_str()), "forwarder " + forwarder));
    }
    for (const std::string& anchor : settings.trust_anchors) {
        HARBOR_TRY(check(ub_ctx_add_ta(ctx.get(), anchor.c_str()), "trust anchor " + anchor));
    }
    HARBOR_TRY(check(ub_ctx_async(ctx.get(), 1), "threaded mode"));
    if (ub_fd(ctx.get()) < 0) {
        return unexpected(Errc::Internal, "libunbound has no result pipe");
    }
    auto impl = std::make_shared<Impl>(std::move(executor), ctx.release(), settings.query_timeout);
    impl->start_reading();
    return Resolver(std::move(impl));
}

Resolver::Resolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Resolver& Resolver::operator=(Resolver&& other) noexcept
{
    if (this != &other) {
        if (impl_) {
            impl_->close();
        }
        impl_ = std::move(other.impl_);
    }
    return *this;
}

Resolver::~Resolver()
{
    if (impl_) {
        impl_->close();
    }
}

void Resolver::start_query(std::string name, RrType type, detail::Done<RawAnswer> done)
{
    impl_->start(std::move(name), type, std::move(done));
}

}  // namespace harbor::dns
