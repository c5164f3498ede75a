// The HTTP/1.1 server session (RFC 9112) of the http listeners: requests read through
// net::Connection (so the listener's TLS, connection limits and deadlines apply), parsed by
// http::RequestParser, answered by http::Router, with persistent connections (RFC 9112 §9.3)
// up to max_requests per connection, pipelined requests answered in order (§9.3.2), and
// 100 (Continue) for clients that wait for it (RFC 9110 §10.1.1).
// SECURITY: every byte is untrusted. A request must arrive whole within request_timeout of its
// first octet (slowloris), an idle connection is closed after idle_timeout; the header block
// and body are bounded (RequestLimits); a malformed request is answered (400, 413, 431, 501,
// 505) and the connection closed, so no byte after an unclear frame is read as a request.
// Pages that ask the directory run on the handler's own threads, never on the io thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "core/config.hpp"
#include "core/result.hpp"
#include "directory/directory.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "net/session.hpp"
#include "store/store.hpp"
#include "store/task_pool.hpp"

namespace harbor::http {

struct HttpSettings {
    Site site;
    RequestLimits limits;
    std::size_t max_requests = 100;            // per connection, then Connection: close
    std::chrono::seconds idle_timeout{30};     // waiting for a request's first octet
    std::chrono::seconds request_timeout{30};  // from a request's first octet to its last
    std::chrono::seconds write_timeout{30};
};

// site_from(config) with the default limits and timeouts.
Result<HttpSettings> http_settings_from(const Config& config);

class HttpHandler final : public net::SessionHandler {
public:
    // The pages ask the store's directory which domains are local; `store` must outlive the
    // handler.
    HttpHandler(store::Store& store, HttpSettings settings);
    // With any domain check (tests).
    HttpHandler(HttpSettings settings, DomainCheck is_local_domain);
    ~HttpHandler() override;

    net::Awaitable<void> run(net::Connection& connection, net::SessionContext& context) override;
    // 503 and close (RFC 9110 §15.6.4).
    net::Awaitable<void> refuse(net::Connection& connection, net::SessionContext& context) override;

private:
    HttpHandler(std::unique_ptr<directory::Directory> directory, HttpSettings settings);

    std::unique_ptr<directory::Directory> directory_;  // the first constructor's; may be null
    HttpSettings settings_;
    Router router_;
    store::TaskPool pages_;  // where the pages run (directory lookups block)
};

}  // namespace harbor::http
