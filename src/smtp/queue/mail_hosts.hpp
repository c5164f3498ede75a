// The hosts that mail for a domain goes to, in the order to try them (RFC 5321 §5.1): the MX
// hosts by preference, equal preferences shuffled to spread the load; the domain itself when it
// has no MX (the implicit MX); nothing at all when it publishes a null MX (RFC 7505) or does not
// exist. Pure over the resolver's answer, so each rule is tested without DNS.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "dns/records.hpp"

namespace harbor::smtp::queue {

struct MailHost {
    std::string name;  // lower case, no trailing dot
    std::uint16_t preference = 0;
    bool implicit = false;  // the domain itself, for want of an MX (§5.1)
    friend bool operator==(const MailHost&, const MailHost&) = default;
};

// Why nothing can be tried: for good (the recipients bounce) or for now (the queue retries).
struct RouteFailure {
    bool permanent = false;
    std::string status;  // RFC 3463, "5.1.10"
    std::string text;    // for the log, last_reply and the DSN's diagnostic
};

using MailHosts = std::variant<std::vector<MailHost>, RouteFailure>;

// `answer` is the MX lookup of `domain`. `own_names` are this server's host names: where one
// of them is an MX, hosts of its preference or worse are dropped (§5.1), so mail never loops
// back to us.
MailHosts choose_mail_hosts(std::string_view domain, const Result<dns::AnswerMx>& answer,
                            std::span<const std::string> own_names, std::mt19937_64& random);

}  // namespace harbor::smtp::queue
