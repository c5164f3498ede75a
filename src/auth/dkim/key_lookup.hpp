// Fetching a DKIM key record (RFC 6376 §6.1.2 steps 1-5, §3.6.2): the TXT record at
// <selector>._domainkey.<domain>, through dns::Lookups. ARC uses the same records
// (RFC 8617 §5.2 step 5), so this is its key fetch too.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>

#include "auth/dkim/key_record.hpp"
#include "dns/lookups.hpp"

namespace harbor::auth::dkim {

enum class KeyStatus {
    Found,      // `record` holds the first usable key record
    TempError,  // the query failed to respond: "TEMPFAIL (key unavailable)" (step 2)
    PermError,  // no record ("no key for signature", step 3), or none usable ("key syntax
                // error", step 5, or a record whose s= excludes email)
};

struct KeyLookup {
    KeyStatus status = KeyStatus::PermError;
    KeyRecord record;
    std::string reason;  // why the status is not Found, for the log and A-R comments
};

// Looks up and parses the key record at `name` (Signature::key_name()). When several TXT
// records answer, the first that parses as a key record for email is used (step 4 leaves the
// choice to the verifier; RFC 6376 §3.6.2.2 calls several "undefined"). A name DNS cannot
// carry (over 253 octets or a label over 63) is PermError without a query. Suspends once.
boost::asio::awaitable<KeyLookup> lookup_key(dns::Lookups& dns, std::string name,
                                             KeyRecordLimits limits = {});

}  // namespace harbor::auth::dkim
