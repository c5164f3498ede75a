// The authentication stage of the inbound filter (DESIGN.md "flow of a message"): SPF for the
// client's MAIL FROM identity (RFC 7208 §2.4) and the Authentication-Results field that tells
// the mailbox what was found (RFC 8601). The SMTP server asks at MAIL, before any recipient,
// so that a configured SPF reject costs the sender a reply and us no data.
// Not yet here: DKIM, DMARC and ARC at the end of data (issue 8).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "auth/results/authentication_results.hpp"
#include "auth/spf/outcome.hpp"
#include "dns/lookups.hpp"

namespace harbor::filter {

struct MailAuthSettings {
    std::string authserv_id;       // this server's name, first in Authentication-Results
    bool reject_spf_fail = false;  // an SPF fail of the MAIL FROM identity: 550 5.7.23
    // No DNS query starts after this long (RFC 7208 §4.6.4: "at least 20 seconds"), so a
    // slow zone holds a session for this plus one query timeout at most; then temperror.
    std::chrono::seconds spf_time_limit{20};
};

// What the checks of one transaction found; empty parts were not checked.
struct MailAuthFindings {
    std::optional<auth::spf::Outcome> spf;
    bool spf_for_helo = false;  // the null reverse path: the HELO identity was checked

    bool checked() const { return spf.has_value(); }
};

class MailAuth {
public:
    // `lookups` must outlive this.
    MailAuth(dns::Lookups& lookups, MailAuthSettings settings);

    // check_host() for the MAIL FROM domain, or with a null reverse path for the HELO name
    // (RFC 7208 §2.4). A HELO that is an address literal has no domain: none.
    boost::asio::awaitable<auth::spf::Outcome> check_sender(boost::asio::ip::address client,
                                                            std::string helo,
                                                            std::string mail_from) const;

    // The Authentication-Results field (through its CRLF) for what was found.
    std::string results_field(const MailAuthFindings& findings, const std::string& mail_from) const;

    const MailAuthSettings& settings() const { return settings_; }

private:
    dns::Lookups& lookups_;
    MailAuthSettings settings_;
};

}  // namespace harbor::filter
