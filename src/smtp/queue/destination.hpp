// Where the mail for one domain goes, as addresses to connect to in order: the mail hosts of
// the domain (mail_hosts.hpp) each resolved to its IPv6 and IPv4 addresses (RFC 5321 §5.1: try
// every address of a host, then the next host), or the address of a domain literal
// ("[192.0.2.1]", "[IPv6:2001:db8::1]", RFC 5321 §4.1.3), or a route's host. A host none of whose
// lookups answered is skipped; the domain fails for now (4.4.3) only when no host had an address
// and a lookup failed, and for good (5.4.4) when every lookup said there is none.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dns/resolver.hpp"
#include "net/awaitable.hpp"
#include "smtp/queue/mail_hosts.hpp"

namespace harbor::smtp::queue {

struct Target {
    std::string host;  // the MX (or implicit MX) name, for SNI and the logs; the literal itself
    asio::ip::tcp::endpoint endpoint;
    // The address came from a DNSSEC-valid answer: only then does the host's TLSA lookup count
    // (RFC 7672 §2.2.2). False for literals and route hosts given as addresses.
    bool secure = false;
};

using Targets = std::variant<std::vector<Target>, RouteFailure>;

// `domain` is lower case, as the queue splits recipients by it.
net::Awaitable<Targets> resolve_targets(dns::Resolver& resolver, std::string domain,
                                        std::uint16_t port, std::vector<std::string> own_names,
                                        std::mt19937_64& random);

// The addresses of a route's host (`harbor route`): an IP address as it is, a name by its AAAA
// and A records (no MX: the route names the host itself). A route that leads nowhere fails for
// now (4.4.3), never for good: it is the administrator's to fix, not the sender's.
net::Awaitable<Targets> resolve_route_host(dns::Resolver& resolver, std::string host,
                                           std::uint16_t port);

// "mx.example.com [192.0.2.1]": who answered, as the queue records it.
std::string describe_target(const Target& target);

}  // namespace harbor::smtp::queue
