// The HTTP session loop: read one request (bounded, with deadlines), route it off the io
// thread, write the response, and keep the connection for the next one or close it. See
// http_session.hpp. RFC 9112 §9.3 (persistence), §9.6 (close), §9.5 (timeouts).
#include "http/http_session.hpp"

#include <exception>
#include <functional>
#include <string>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/connection.hpp"
#include "store/awaitable.hpp"

namespace harbor::http {
namespace {

using namespace std::chrono_literals;
using net::Awaitable;
using net::Connection;
using net::deadline_after;

constexpr auto goodbye_timeout = 2s;  // a last response to a client that may not read it
// After an error response the client may still be sending (a body we refused): read and drop
// up to this much for up to this long, so that closing does not reset the connection before
// the client has read our answer (RFC 9112 §9.6 on closing with unread input).
constexpr auto linger_timeout = 2s;
constexpr std::size_t max_linger_bytes = 1024 * 1024;

constexpr std::string_view requests_metric = "harbor_http_requests_total";
constexpr std::string_view requests_help = "HTTP requests answered, by status code.";

void count_response(int status)
{
    metrics::counter(requests_metric, requests_help, {{"code", std::to_string(status)}}).add();
}

enum class ReadEnd {
    Request,   // the parser is Done
    Invalid,   // the parser Failed: answer its status and close
    TimedOut,  // part of a request came, not all of it in time: 408 and close
    Closed,    // nothing (more) to do: the client left, went idle, or the server is stopping
};

struct Reader {
    Connection& connection;
    const HttpSettings& settings;
    std::string& pending;  // read and not parsed yet; at most the header limit + one read
};

// Reads until `parser` has a whole request or has refused it.
Awaitable<ReadEnd> read_request(Reader reader, RequestParser& parser)
{
    bool started = !reader.pending.empty();
    net::Deadline deadline =
        deadline_after(started ? reader.settings.request_timeout : reader.settings.idle_timeout);
    bool continue_sent = false;
    for (;;) {
        if (!reader.pending.empty()) {
            const std::size_t used = parser.feed(reader.pending);
            reader.pending.erase(0, used);
            if (parser.state() == ParseState::Done) {
                co_return ReadEnd::Request;
            }
            if (parser.state() == ParseState::Failed) {
                co_return ReadEnd::Invalid;
            }
            if (parser.wants_continue() && !continue_sent) {
                continue_sent = true;
                Result<void> sent = co_await reader.connection.write(continue_response, deadline);
                if (!sent) {
                    co_return ReadEnd::Closed;
                }
            }
        }
        Result<std::string_view> got = co_await reader.connection.read_some(deadline);
        if (!got) {
            const bool late = started && got.error().code == Errc::Timeout;
            co_return late ? ReadEnd::TimedOut : ReadEnd::Closed;
        }
        if (!started) {
            // RFC 9112 §9.5 lets a server close an idle connection; a request that has begun
            // must then be complete within its own deadline, however slowly it trickles in.
            started = true;
            deadline = deadline_after(reader.settings.request_timeout);
        }
        reader.pending.append(*got);
        reader.connection.consume(got->size());
    }
}

Awaitable<void> linger(Connection& connection)
{
    const net::Deadline deadline = deadline_after(linger_timeout);
    std::size_t drained = 0;
    while (drained < max_linger_bytes) {
        Result<std::string_view> got = co_await connection.read_some(deadline);
        if (!got) {
            co_return;
        }
        drained += got->size();
        connection.consume(got->size());
    }
}

// The last response of a connection that is not in a state to go on.
Awaitable<void> say_last(Connection& connection, int status)
{
    count_response(status);
    const std::string bytes = format_response(text_response(status), Framing{.keep_alive = false});
    Result<void> written = co_await connection.write(bytes, deadline_after(goodbye_timeout));
    if (written) {
        co_await linger(connection);
    }
}

}  // namespace

Result<HttpSettings> http_settings_from(const Config& config)
{
    Result<Site> site = site_from(config);
    HARBOR_TRY(site);
    HttpSettings settings;
    settings.site = std::move(*site);
    return settings;
}

HttpHandler::HttpHandler(store::Store& store, HttpSettings settings)
    : HttpHandler(std::make_unique<directory::Directory>(store), std::move(settings))
{
}

HttpHandler::HttpHandler(std::unique_ptr<directory::Directory> directory, HttpSettings settings)
    : directory_(std::move(directory)),
      settings_(std::move(settings)),
      router_(settings_.site,
              [directory = directory_.get()](std::string_view domain) {
                  return directory->is_local_domain(domain);
              }),
      pages_(2, "http-page")
{
    // Registered now so that the family is on /metrics from the first scrape.
    metrics::counter(requests_metric, requests_help, {{"code", "200"}});
}

HttpHandler::HttpHandler(HttpSettings settings, DomainCheck is_local_domain)
    : settings_(std::move(settings)),
      router_(settings_.site, std::move(is_local_domain)),
      pages_(2, "http-page")
{
    metrics::counter(requests_metric, requests_help, {{"code", "200"}});
}

HttpHandler::~HttpHandler() = default;

Awaitable<void> HttpHandler::run(Connection& connection, net::SessionContext& context)
{
    std::string pending;
    for (std::size_t served = 0; served < settings_.max_requests; ++served) {
        RequestParser parser(settings_.limits);
        const Reader reader{connection, settings_, pending};
        const ReadEnd end = co_await read_request(reader, parser);
        if (end == ReadEnd::Closed) {
            co_return;
        }
        if (end == ReadEnd::TimedOut) {
            co_await say_last(connection, 408);  // RFC 9110 §15.5.9
            co_return;
        }
        if (end == ReadEnd::Invalid) {
            log::debug("http.request.invalid", {{"cid", context.cid},
                                                {"status", std::to_string(parser.error_status())},
                                                {"error", parser.error()}});
            co_await say_last(connection, parser.error_status());
            co_return;
        }
        Request request = parser.take();
        request.peer = connection.peer().address();
        const Router& router = router_;
        std::function<Result<Response>()> page = [&router, &request]() -> Result<Response> {
            try {
                return router.route(request);
            } catch (const std::exception& e) {  // bad_alloc and the like: not the client's fault
                return unexpected(Errc::Internal, e.what());
            }
        };
        Result<Response> routed = co_await store::off_io_thread(pages_, std::move(page));
        if (!routed) {
            log::error("http.request.failed",
                       {{"cid", context.cid}, {"error", routed.error().to_string()}});
            routed = text_response(500);
        }
        const bool keep_alive = request.keep_alive && served + 1 < settings_.max_requests &&
                                !connection.shutting_down();
        Framing framing;
        framing.head = request.method == "HEAD";
        framing.keep_alive = keep_alive;
        const std::string bytes = format_response(*routed, framing);
        count_response(routed->status);
        log::debug("http.request", {{"cid", context.cid},
                                    {"method", request.method},
                                    {"path", request.path},
                                    {"status", std::to_string(routed->status)}});
        Result<void> written =
            co_await connection.write(bytes, deadline_after(settings_.write_timeout));
        if (!written || !keep_alive) {
            co_return;
        }
    }
}

Awaitable<void> HttpHandler::refuse(Connection& connection, net::SessionContext& /*context*/)
{
    count_response(503);
    const std::string bytes = format_response(text_response(503), Framing{.keep_alive = false});
    (void)co_await connection.write(bytes, deadline_after(goodbye_timeout));
}

}  // namespace harbor::http
