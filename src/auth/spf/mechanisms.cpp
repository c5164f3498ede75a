// The SPF mechanisms that compare the client with DNS data (RFC 7208 §5.3-5.7) and the
// validated-name lookup shared by ptr and %{p} (§5.5, §7.3).
#include <algorithm>

#include "auth/spf/check_host.hpp"
#include "auth/spf/evaluation.hpp"
#include "core/ascii.hpp"
#include "dns/names.hpp"

namespace harbor::auth::spf::detail {

namespace asio = boost::asio;

namespace {

struct HostAddresses {
    std::vector<asio::ip::address> addresses;  // empty: NODATA or NXDOMAIN (a void lookup)
};

// §5: "when <ip> is an IPv4 address, A records are fetched; when <ip> is an IPv6 address, AAAA
// records are fetched".
asio::awaitable<Result<HostAddresses>> lookup_addresses(dns::Lookups& dns, std::string name,
                                                        bool v4)
{
    HostAddresses out;
    if (v4) {
        Result<dns::AnswerA> answer = co_await dns.a(std::move(name));
        if (!answer) {
            co_return unexpected(std::move(answer).error());
        }
        for (const auto& address : answer->records) {
            out.addresses.emplace_back(address);
        }
    } else {
        Result<dns::AnswerAaaa> answer = co_await dns.aaaa(std::move(name));
        if (!answer) {
            co_return unexpected(std::move(answer).error());
        }
        for (const auto& address : answer->records) {
            out.addresses.emplace_back(address);
        }
    }
    co_return out;
}

Match dns_error(std::string_view what, std::string_view name, const Error& error)
{
    // §4.4 / §5: a DNS error other than NXDOMAIN ends check_host() with temperror.
    return Match::failure(Status::TempError, "DNS error looking up " + std::string(what) + " " +
                                                 std::string(name) + ": " + error.to_string());
}

// Whether name is target or a name under it (§5.5), in any case.
bool name_within(std::string_view name, std::string_view target)
{
    if (name.size() == target.size()) {
        return iequals(name, target);
    }
    return name.size() > target.size() && name[name.size() - target.size() - 1] == '.' &&
           iequals(name.substr(name.size() - target.size()), target);
}

bool contains_exactly(const HostAddresses& found, const asio::ip::address& ip)
{
    for (const auto& address : found.addresses) {
        if (address == ip) {
            return true;
        }
    }
    return false;
}

}  // namespace

bool valid_target_name(std::string_view name)
{
    return dns::is_queryable_name(name);
}

bool in_network(const asio::ip::address& ip, const asio::ip::address& network, unsigned prefix)
{
    if (ip.is_v4() != network.is_v4()) {
        return false;
    }
    const auto compare = [prefix](const auto& a, const auto& b) {
        for (std::size_t i = 0; i < a.size(); ++i) {
            const unsigned bits =
                prefix > i * 8 ? std::min(8u, prefix - static_cast<unsigned>(i * 8)) : 0u;
            const auto mask = static_cast<unsigned char>(0xff00u >> bits);
            if ((a[i] & mask) != (b[i] & mask)) {
                return false;
            }
        }
        return true;
    };
    if (ip.is_v4()) {
        return compare(ip.to_v4().to_bytes(), network.to_v4().to_bytes());
    }
    return compare(ip.to_v6().to_bytes(), network.to_v6().to_bytes());
}

std::optional<Match> count_void_lookup(Evaluation& evaluation)
{
    // §4.6.4: "SPF implementations SHOULD limit "void lookups" to two".
    if (++evaluation.void_lookups > max_void_lookups) {
        return Match::failure(Status::PermError, "more than " + std::to_string(max_void_lookups) +
                                                     " void DNS lookups");
    }
    return std::nullopt;
}

Match match_ip(const Evaluation& evaluation, const Mechanism& mechanism)
{
    // §5.6: an IPv4 client only matches ip4, an IPv6 one only ip6.
    const unsigned prefix =
        mechanism.kind == MechanismKind::Ip4 ? mechanism.cidr4 : mechanism.cidr6;
    return in_network(evaluation.values.ip, mechanism.network, prefix) ? Match::yes() : Match::no();
}

asio::awaitable<Match> match_a(Evaluation& evaluation, const Mechanism& mechanism,
                               std::string target)
{
    const bool v4 = evaluation.values.ip.is_v4();
    Result<HostAddresses> found = co_await lookup_addresses(evaluation.dns, target, v4);
    if (!found) {
        co_return dns_error(v4 ? "A" : "AAAA", target, found.error());
    }
    if (found->addresses.empty()) {
        if (auto over = count_void_lookup(evaluation)) {
            co_return *over;
        }
        co_return Match::no();
    }
    const unsigned prefix = v4 ? mechanism.cidr4 : mechanism.cidr6;
    for (const auto& address : found->addresses) {
        if (in_network(evaluation.values.ip, address, prefix)) {
            co_return Match::yes();
        }
    }
    co_return Match::no();
}

asio::awaitable<Match> match_mx(Evaluation& evaluation, const Mechanism& mechanism,
                                std::string target)
{
    Result<dns::AnswerMx> mx = co_await evaluation.dns.mx(target);
    if (!mx) {
        co_return dns_error("MX", target, mx.error());
    }
    if (mx->records.empty()) {
        // §5.4: no MX records, no match; never an implicit MX or an A lookup of the target.
        if (auto over = count_void_lookup(evaluation)) {
            co_return *over;
        }
        co_return Match::no();
    }
    const bool v4 = evaluation.values.ip.is_v4();
    const unsigned prefix = v4 ? mechanism.cidr4 : mechanism.cidr6;
    unsigned looked_up = 0;
    for (const dns::Mx& exchange : mx->records) {
        if (exchange.host.empty()) {
            continue;  // a null MX (RFC 7505) names no host
        }
        // §4.6.4: "the evaluation of each "MX" record MUST NOT result in querying more than 10
        // address records ... If this limit is exceeded, the "mx" mechanism MUST produce a
        // "permerror" result." Hosts are looked up in turn, so a match among the first 10
        // stands.
        if (++looked_up > max_mx_names) {
            co_return Match::failure(
                Status::PermError,
                "more than " + std::to_string(max_mx_names) + " MX names for " + target);
        }
        Result<HostAddresses> found = co_await lookup_addresses(evaluation.dns, exchange.host, v4);
        if (!found) {
            co_return dns_error(v4 ? "A" : "AAAA", exchange.host, found.error());
        }
        for (const auto& address : found->addresses) {
            if (in_network(evaluation.values.ip, address, prefix)) {
                co_return Match::yes();
            }
        }
    }
    co_return Match::no();
}

asio::awaitable<Match> match_ptr(Evaluation& evaluation, std::string target)
{
    Result<dns::AnswerPtr> names = co_await evaluation.dns.ptr(evaluation.values.ip);
    if (!names) {
        // §5.5: "If a DNS error occurs while doing the PTR RR lookup, then this mechanism fails
        // to match."
        co_return Match::no();
    }
    if (names->records.empty()) {
        if (auto over = count_void_lookup(evaluation)) {
            co_return *over;
        }
        co_return Match::no();
    }
    const bool v4 = evaluation.values.ip.is_v4();
    std::size_t looked_at = 0;
    for (const std::string& name : names->records) {
        // §4.6.4: at most 10 PTR names; "all records other than the first 10 MUST be ignored".
        if (++looked_at > max_ptr_names) {
            break;
        }
        // Only a name within the target can make this match, so only those are validated;
        // the outcome is that of validating all of them first (§5.5).
        if (!name_within(name, target)) {
            continue;
        }
        Result<HostAddresses> found = co_await lookup_addresses(evaluation.dns, name, v4);
        if (!found) {
            continue;  // §5.5: a DNS error skips that name
        }
        if (contains_exactly(*found, evaluation.values.ip)) {
            co_return Match::yes();
        }
    }
    co_return Match::no();
}

asio::awaitable<Match> match_exists(Evaluation& evaluation, std::string target)
{
    // §5.7: an A lookup "even when the connection type is IPv6"; any A record matches.
    Result<dns::AnswerA> answer = co_await evaluation.dns.a(target);
    if (!answer) {
        co_return dns_error("A", target, answer.error());
    }
    if (answer->records.empty()) {
        if (auto over = count_void_lookup(evaluation)) {
            co_return *over;
        }
        co_return Match::no();
    }
    co_return Match::yes();
}

asio::awaitable<void> ensure_validated_names(Evaluation& evaluation)
{
    if (evaluation.validated_names) {
        co_return;
    }
    std::vector<std::string> validated;
    Result<dns::AnswerPtr> names = co_await evaluation.dns.ptr(evaluation.values.ip);
    if (names) {
        const bool v4 = evaluation.values.ip.is_v4();
        std::size_t looked_at = 0;
        for (const std::string& name : names->records) {
            if (++looked_at > max_ptr_names) {
                break;
            }
            Result<HostAddresses> found = co_await lookup_addresses(evaluation.dns, name, v4);
            if (found && contains_exactly(*found, evaluation.values.ip)) {
                validated.push_back(name);
            }
        }
    }
    evaluation.validated_names = std::move(validated);
}

std::string choose_validated_name(const std::vector<std::string>& names, std::string_view domain)
{
    for (const std::string& name : names) {
        if (iequals(name, domain)) {
            return name;
        }
    }
    for (const std::string& name : names) {
        if (name_within(name, domain)) {
            return name;
        }
    }
    return names.empty() ? std::string("unknown") : names.front();
}

}  // namespace harbor::auth::spf::detail
