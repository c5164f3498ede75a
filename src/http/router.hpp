// The public pages of the HTTP listeners, by method and path: a request in, a response out,
// no socket (STYLE.md §8, Beast's handle_request). The pages:
//   GET  /                                             "Harbor", text/plain
//   GET  /.well-known/autoconfig/mail/config-v1.1.xml  Thunderbird autoconfig (client_config.hpp)
//   GET  /mail/config-v1.1.xml                         the same, as autoconfig.<domain> serves it
//   POST /autodiscover/autodiscover.xml (any case)     Outlook POX Autodiscover
//   GET  /.well-known/mta-sts.txt                      MTA-STS policy (RFC 8461 §3.2)
//   GET  /metrics                                      Prometheus text, for metrics_networks
// HEAD goes wherever GET does (RFC 9110 §9.3.2). Unknown paths get 404, a known path with the
// wrong method 405 with Allow (RFC 9110 §15.5.6), an unknown method 501 (RFC 9110 §9.1).
// SECURITY: the request is untrusted: addresses go through directory::parse_address, host
// names through normalize_domain, the Autodiscover body through its bounded scan, and every
// text that reaches a document is XML-escaped. No page says whether an account exists: only
// whether a domain is served here. /metrics is refused (403) to clients outside
// metrics_networks.
#pragma once

#include <functional>
#include <string_view>

#include "core/config.hpp"
#include "core/result.hpp"
#include "http/client_config.hpp"
#include "http/mta_sts_policy.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "net/cidr.hpp"

namespace harbor::http {

// Whether mail for `domain` (any case, U- or A-labels) is delivered here:
// directory::Directory::is_local_domain, or a fake in tests. Errc::TempFail (or any error but
// Invalid) when it cannot tell; Invalid for a name that is not a domain. May block.
using DomainCheck = std::function<Result<bool>(std::string_view domain)>;

// What the pages publish, from the Config.
struct Site {
    MailServers servers;
    MtaStsSettings mta_sts;
    bool metrics = true;
    net::NetworkList metrics_networks;  // empty: every client the listener admits
};

// Errc::Invalid naming the key for a bad http.metrics_networks entry or mta_sts_mx pattern.
Result<Site> site_from(const Config& config);

// Thread-safe when the DomainCheck is: one Router serves every session.
class Router {
public:
    Router(Site site, DomainCheck is_local_domain);

    // The response to `request`. May block on the domain check: run it off the io thread.
    // Never throws (an exception becomes 500).
    Response route(const Request& request) const;

    const Site& site() const { return site_; }

private:
    Site site_;
    DomainCheck is_local_domain_;
};

// The value of `name` in an application/x-www-form-urlencoded query ("a=1&emailaddress=
// u%40example.org"), percent-decoded; nullopt if absent. Errc::Invalid for a bad %-escape or
// a decoded control character. '+' stays '+': it is an address character (RFC 5233) and
// clients percent-encode a space anyway (DEVIATION from the form encoding's '+' for space).
Result<std::optional<std::string>> query_parameter(std::string_view query, std::string_view name);

}  // namespace harbor::http
