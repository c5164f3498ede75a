// The authentication stage of the inbound filter (DESIGN.md "flow of a message"): SPF for the
// client's MAIL FROM identity (RFC 7208 §2.4), asked at MAIL so that a configured SPF reject
// costs the sender a reply and us no data; DKIM (RFC 6376) and DMARC (RFC 7489) at the end of
// data with the ARC chain (RFC 8617 §5.2); and the Authentication-Results field that tells the
// mailbox what was found (RFC 8601).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/arc/validate.hpp"
#include "auth/dkim/outcome.hpp"
#include "auth/dmarc/author_domain.hpp"
#include "auth/dmarc/evaluate.hpp"
#include "auth/dmarc/public_suffix.hpp"
#include "auth/results/authentication_results.hpp"
#include "auth/spf/outcome.hpp"
#include "dns/lookups.hpp"
#include "mime/header.hpp"

namespace harbor::filter {

struct MailAuthSettings {
    std::string authserv_id;       // this server's name, first in Authentication-Results
    bool reject_spf_fail = false;  // an SPF fail of the MAIL FROM identity: 550 5.7.23
    // No DNS query starts after this long (RFC 7208 §4.6.4: "at least 20 seconds"), so a
    // slow zone holds a session for this plus one query timeout at most; then temperror.
    // DKIM and DMARC at the end of data have the same limit.
    std::chrono::seconds spf_time_limit{20};
    // A DMARC fail whose disposition is reject (RFC 7489 §6.6.4): 550 5.7.26. Quarantine
    // puts the message in Junk.
    bool reject_dmarc = true;
    // The Organizational Domains of DMARC (RFC 7489 §3.2); required for the end-of-data checks.
    std::shared_ptr<const auth::dmarc::PublicSuffixList> public_suffixes;
    mime::Limits header_limits;  // how much of an untrusted header is read
};

// What the end-of-data checks found in the message itself.
struct MessageFindings {
    std::vector<auth::dkim::SignatureResult> dkim;  // one per signature, top down
    auth::arc::ChainValidation arc;                 // the ARC chain as it arrived
    auth::dmarc::AuthorDomain author;               // the From: domain DMARC evaluates
    std::optional<auth::dmarc::Evaluation> dmarc;   // when the author domain was evaluable
    // From: names one of our own domains, yet neither an SPF pass nor an unweakened DKIM pass
    // is aligned with it (relaxed alignment, RFC 7489 §3.1): a message from outside that
    // claims to be ours. A mark for the filter's anti-spoofing rule (issue 8).
    bool spoofs_local_domain = false;

    // The DMARC disposition the domain asked for, after pct= (None when none applies).
    auth::dmarc::Policy disposition() const
    {
        return dmarc ? dmarc->disposition : auth::dmarc::Policy::None;
    }
};

// What the checks of one transaction found; empty parts were not checked.
struct MailAuthFindings {
    std::optional<auth::spf::Outcome> spf;
    bool spf_for_helo = false;  // the null reverse path: the HELO identity was checked
    // The HELO identity checked on its own beside a MAIL FROM (RFC 7208 §2.3).
    std::optional<auth::spf::Outcome> helo_spf;
    std::string client_ip;  // the connecting client, for ARC's smtp.remote-ip (RFC 8617 §6)
    std::optional<MessageFindings> message;

    bool checked() const { return spf.has_value(); }
};

// Whether a (canonical) domain is one of ours; asked from the checks' own threads.
using LocalDomainTest = std::function<bool(const std::string& domain)>;

class MailAuth {
public:
    // `lookups` must outlive this.
    MailAuth(dns::Lookups& lookups, MailAuthSettings settings);

    // check_host() for the MAIL FROM domain, or with a null reverse path for the HELO name
    // (RFC 7208 §2.4). A HELO that is an address literal has no domain: none.
    boost::asio::awaitable<auth::spf::Outcome> check_sender(boost::asio::ip::address client,
                                                            std::string helo,
                                                            std::string mail_from) const;

    // DKIM verification of every signature (RFC 6376 §6), ARC chain validation (RFC 8617
    // §5.2), the Author Domain (RFC 7489
    // §6.6.1), DMARC with the SPF result found at MAIL (§6.6.2), and the local-domain
    // spoofing mark. `message` starts at the message's own header (not our Received) and must
    // outlive the coroutine; so must `is_local`. Hashing a body is CPU work: run this on
    // executor(), not on an io thread.
    boost::asio::awaitable<MessageFindings> check_message(std::string_view message,
                                                          const MailAuthFindings& found,
                                                          LocalDomainTest is_local) const;

    // The Authentication-Results field (through its CRLF) for what was found.
    std::string results_field(const MailAuthFindings& findings, const std::string& mail_from) const;
    // Its resinfo part, folds kept ("spf=pass ...;\r\n\tdkim=..."): the text of the
    // ARC-Authentication-Results of a message we seal (RFC 8617 §4.1.1).
    std::string results_text(const MailAuthFindings& findings, const std::string& mail_from) const;

    const MailAuthSettings& settings() const { return settings_; }
    // Threads of their own for check_message, so a large body never holds an io thread.
    boost::asio::thread_pool::executor_type executor() const { return pool_.get_executor(); }

private:
    dns::Lookups& lookups_;
    MailAuthSettings settings_;
    mutable boost::asio::thread_pool pool_{2};
};

}  // namespace harbor::filter
