// One HTTPS GET (RFC 9110 §9.3.1 over TLS, RFC 9112 framing), for the few things a mail server
// fetches from the web: MTA-STS policies (RFC 8461 §3.3). The caller resolves the host; the
// server's certificate must verify against the context's trust anchors and carry the host name
// (RFC 8461 §3.3: "valid for the Policy Host", RFC 6125). Redirects are not followed (§3.3):
// a 3xx is returned like any other status. Parsing is Boost.Beast's.
// SECURITY: the server is untrusted: the header is read up to 16 KiB and the body up to
// max_body, and the whole exchange ends by the deadline.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "net/awaitable.hpp"
#include "net/outbound.hpp"

namespace harbor::net {

struct HttpsResponse {
    unsigned status = 0;       // 200, 404, ...
    std::string content_type;  // the Content-Type field's value as sent ("" if none)
    std::string body;
};

// GET https://<host><target> from `remote`. `tls` must verify (TlsVerify::Peer). Errc::Timeout
// past the deadline, Errc::Io for connection and TLS failures, Errc::Invalid for a malformed
// or oversized response.
Awaitable<Result<HttpsResponse>> https_get(asio::any_io_executor executor,
                                           asio::ip::tcp::endpoint remote, std::string host,
                                           std::string target,
                                           std::shared_ptr<ClientTlsContext> tls,
                                           std::size_t max_body, Deadline deadline);

}  // namespace harbor::net
