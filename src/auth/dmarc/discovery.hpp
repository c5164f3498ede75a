// DMARC policy discovery (RFC 7489 §6.6.3): the TXT records at _dmarc.<From domain>, else at
// _dmarc.<Organizational Domain>, through dns::Lookups (so tests serve zones from memory).
// SECURITY: at most two TXT lookups per message; each record parsed with RecordLimits.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>

#include "auth/dmarc/public_suffix.hpp"
#include "auth/dmarc/record.hpp"
#include "dns/lookups.hpp"

namespace harbor::auth::dmarc {

enum class DiscoveryStatus {
    Found,            // one DMARC record; Discovery::record holds it
    NoRecord,         // no DMARC record at either name (NXDOMAIN, NODATA, only other TXT)
    MultipleRecords,  // more than one v=DMARC1 record at one name (§6.6.3 step 5)
    InvalidRecord,    // the one record fails parse_record (§6.6.3 step 6, no rua= fallback)
    TempError,        // a lookup failed (SERVFAIL, timeout, DNSSEC bogus): not "no record"
};

std::string_view discovery_status_name(DiscoveryStatus status);

struct Discovery {
    DiscoveryStatus status = DiscoveryStatus::NoRecord;
    Record record;              // when status is Found
    std::string record_domain;  // the domain whose _dmarc name gave the answer
    // The record came from the Organizational Domain of a From domain below it, so the
    // record's sp= applies (RFC 7489 §6.3 sp).
    bool from_organisational_domain = false;
    std::string detail;  // for the log: the DNS error or the parse error
};

// From a canonical From domain (domain.hpp). A name too long for DNS at either step is
// treated as having no record there (the Organizational Domain may still have one). `dns` and
// `suffixes` must outlive the coroutine.
boost::asio::awaitable<Discovery> discover_policy(dns::Lookups& dns,
                                                  const PublicSuffixList& suffixes,
                                                  std::string from_domain,
                                                  RecordLimits limits = {});

}  // namespace harbor::auth::dmarc
