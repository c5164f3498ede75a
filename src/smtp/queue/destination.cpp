// Resolving a destination domain to addresses. See destination.hpp.
#include "smtp/queue/destination.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <optional>

namespace harbor::smtp::queue {
namespace {

// "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3); nullopt for anything else.
std::optional<asio::ip::address> domain_literal(std::string_view domain)
{
    if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') {
        return std::nullopt;
    }
    std::string_view inner = domain.substr(1, domain.size() - 2);
    const bool v6 =
        inner.size() > 5 && (inner.substr(0, 5) == "IPv6:" || inner.substr(0, 5) == "ipv6:");
    if (v6) {
        inner.remove_prefix(5);
    }
    boost::system::error_code ec;
    asio::ip::address address = asio::ip::make_address(std::string(inner), ec);
    if (ec || address.is_v6() != v6) {
        return std::nullopt;
    }
    return address;
}

// The AAAA then A records of `host` as targets; `failure` names the last lookup that failed.
net::Awaitable<std::vector<Target>> host_addresses(dns::Resolver& resolver, const std::string& host,
                                                   std::uint16_t port, std::string& failure)
{
    std::vector<Target> targets;
    Result<dns::AnswerAaaa> v6 = co_await resolver.async_aaaa(host, asio::use_awaitable);
    Result<dns::AnswerA> v4 = co_await resolver.async_a(host, asio::use_awaitable);
    if (v6) {
        for (const auto& address : v6->records) {
            targets.push_back(Target{host, {address, port}, v6->security == dns::Security::Secure});
        }
    } else {
        failure = "AAAA lookup of " + host + " failed: " + v6.error().detail;
    }
    if (v4) {
        for (const auto& address : v4->records) {
            targets.push_back(Target{host, {address, port}, v4->security == dns::Security::Secure});
        }
    } else {
        failure = "A lookup of " + host + " failed: " + v4.error().detail;
    }
    co_return targets;
}

}  // namespace

std::string describe_target(const Target& target)
{
    return target.host + " [" + target.endpoint.address().to_string() + "]";
}

net::Awaitable<Targets> resolve_targets(dns::Resolver& resolver, std::string domain,
                                        std::uint16_t port, std::vector<std::string> own_names,
                                        std::mt19937_64& random)
{
    if (std::optional<asio::ip::address> literal = domain_literal(domain)) {
        co_return std::vector<Target>{Target{domain, asio::ip::tcp::endpoint(*literal, port)}};
    }
    if (!domain.empty() && domain.front() == '[') {
        co_return RouteFailure{true, "5.1.2", "bad address literal " + domain};
    }
    Result<dns::AnswerMx> mx = co_await resolver.async_mx(domain, asio::use_awaitable);
    MailHosts hosts = choose_mail_hosts(domain, mx, own_names, random);
    if (auto* failure = std::get_if<RouteFailure>(&hosts)) {
        co_return std::move(*failure);
    }
    std::vector<Target> targets;
    std::string lookup_failure;
    for (const MailHost& host : std::get<std::vector<MailHost>>(hosts)) {
        std::vector<Target> found =
            co_await host_addresses(resolver, host.name, port, lookup_failure);
        targets.insert(targets.end(), found.begin(), found.end());
    }
    if (!targets.empty()) {
        co_return targets;
    }
    if (!lookup_failure.empty()) {
        co_return RouteFailure{false, "4.4.3", lookup_failure};  // RFC 3463 X.4.3
    }
    // RFC 3463 X.4.4: no host of the domain has an address.
    co_return RouteFailure{true, "5.4.4", "no address for the mail hosts of " + domain};
}

net::Awaitable<Targets> resolve_route_host(dns::Resolver& resolver, std::string host,
                                           std::uint16_t port)
{
    boost::system::error_code ec;
    asio::ip::address address = asio::ip::make_address(host, ec);
    if (!ec) {
        co_return std::vector<Target>{Target{host, asio::ip::tcp::endpoint(address, port)}};
    }
    if (std::optional<asio::ip::address> literal = domain_literal(host)) {
        co_return std::vector<Target>{Target{host, asio::ip::tcp::endpoint(*literal, port)}};
    }
    std::string failure;
    std::vector<Target> targets = co_await host_addresses(resolver, host, port, failure);
    if (!targets.empty()) {
        co_return targets;
    }
    if (failure.empty()) {
        failure = "route host " + host + " has no address";
    }
    co_return RouteFailure{false, "4.4.3", failure};
}

}  // namespace harbor::smtp::queue
