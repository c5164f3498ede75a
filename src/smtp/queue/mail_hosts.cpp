// See mail_hosts.hpp.
#include "smtp/queue/mail_hosts.hpp"

#include <algorithm>
#include <optional>

#include "core/ascii.hpp"

namespace harbor::smtp::queue {
MailHosts choose_mail_hosts(std::string_view domain, const Result<dns::AnswerMx>& answer,
                            std::span<const std::string> own_names, std::mt19937_64& random)
{
    const std::string name(domain);
    if (!answer) {
        // RFC 3463 X.4.3: the directory (DNS) failed; the next try may find it.
        return RouteFailure{false, "4.4.3",
                            "MX lookup of " + name + " failed: " + answer.error().detail};
    }
    if (answer->nxdomain()) {
        return RouteFailure{true, "5.1.2", "domain " + name + " does not exist"};
    }
    if (answer->nodata()) {
        return std::vector<MailHost>{MailHost{name, 0, true}};
    }
    std::vector<MailHost> hosts;
    for (const dns::Mx& mx : answer->records) {
        // A null MX among real ones breaks RFC 7505 §3; the real ones are still tried.
        if (!mx.host.empty()) {
            hosts.push_back(MailHost{mx.host, mx.preference, false});
        }
    }
    if (hosts.empty()) {
        // RFC 7505 §4.1: fail at once, with RFC 7504's 556 and 5.1.10.
        return RouteFailure{true, "5.1.10", "556 domain " + name + " accepts no mail (null MX)"};
    }
    // Shuffle first, then a stable sort: equal preferences stay in random order (§5.1).
    std::shuffle(hosts.begin(), hosts.end(), random);
    std::stable_sort(hosts.begin(), hosts.end(), [](const MailHost& a, const MailHost& b) {
        return a.preference < b.preference;
    });
    std::optional<std::uint16_t> own;
    for (const MailHost& host : hosts) {
        const bool ours = std::any_of(own_names.begin(), own_names.end(),
                                      [&](const std::string& n) { return iequals(n, host.name); });
        if (ours && (!own || host.preference < *own)) {
            own = host.preference;
        }
    }
    if (own) {
        std::erase_if(hosts, [&](const MailHost& host) { return host.preference >= *own; });
        if (hosts.empty()) {
            // We are the best MX of a domain that is not ours: a configuration loop.
            return RouteFailure{true, "5.4.6", "mail for " + name + " loops back to this server"};
        }
    }
    return hosts;
}

}  // namespace harbor::smtp::queue
