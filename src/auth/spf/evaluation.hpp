// Internal to auth/spf: the state one check_host() shares across its includes and redirects
// (the §4.6.4 counters, the macro values, the validated names for %{p}), and the mechanisms
// that look up DNS (§5.3-5.7), kept out of check_host.cpp to keep each file one idea.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/spf/macro.hpp"
#include "auth/spf/outcome.hpp"
#include "auth/spf/record.hpp"
#include "dns/lookups.hpp"

namespace harbor::auth::spf::detail {

struct Evaluation {
    dns::Lookups& dns;
    MacroValues values;  // values.domain is set for the record being evaluated
    std::string default_explanation;
    unsigned dns_terms = 0;     // §4.6.4: at most max_dns_terms
    unsigned void_lookups = 0;  // §4.6.4: at most max_void_lookups
    // The client's validated names (§5.5), looked up the first time %{p} needs them.
    std::optional<std::vector<std::string>> validated_names;
};

// What one mechanism concluded: matched or not, or an error that ends check_host().
struct Match {
    bool matched = false;
    Status error = Status::None;  // TempError or PermError; None: no error
    std::string reason;

    static Match yes() { return {true, Status::None, {}}; }
    static Match no() { return {false, Status::None, {}}; }
    static Match failure(Status status, std::string why) { return {false, status, std::move(why)}; }
};

// A <target-name> DNS can be asked about: 1-253 octets, labels of 1-63 (RFC 1035 §2.3.4). A
// target that is not is treated as a name that does not exist (§4.3 by analogy; the suite's
// invalid-domain-* tests allow that or permerror).
bool valid_target_name(std::string_view name);

// Whether ip lies in network/prefix; false across address families.
bool in_network(const boost::asio::ip::address& ip, const boost::asio::ip::address& network,
                unsigned prefix);

// Counts a void lookup (§4.6.4); a PermError Match past the limit, else nullopt.
std::optional<Match> count_void_lookup(Evaluation& evaluation);

// ip4 / ip6 (§5.6).
Match match_ip(const Evaluation& evaluation, const Mechanism& mechanism);
// a (§5.3), mx (§5.4), ptr (§5.5), exists (§5.7) against an expanded, valid target.
boost::asio::awaitable<Match> match_a(Evaluation& evaluation, const Mechanism& mechanism,
                                      std::string target);
boost::asio::awaitable<Match> match_mx(Evaluation& evaluation, const Mechanism& mechanism,
                                       std::string target);
boost::asio::awaitable<Match> match_ptr(Evaluation& evaluation, std::string target);
boost::asio::awaitable<Match> match_exists(Evaluation& evaluation, std::string target);

// Looks up the validated names once per check (for %{p}); DNS errors leave the list empty.
boost::asio::awaitable<void> ensure_validated_names(Evaluation& evaluation);

// §7.3 p: the validated name equal to domain, else one under it, else the first, else
// "unknown".
std::string choose_validated_name(const std::vector<std::string>& names, std::string_view domain);

}  // namespace harbor::auth::spf::detail
