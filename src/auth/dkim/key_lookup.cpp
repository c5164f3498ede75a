// DKIM key record retrieval, RFC 6376 §6.1.2 steps 1-5 and §3.6.2.
// SECURITY: one TXT query per call; the answer's records are parsed under KeyRecordLimits.
#include "auth/dkim/key_lookup.hpp"

#include "dns/names.hpp"

namespace harbor::auth::dkim {

boost::asio::awaitable<KeyLookup> lookup_key(dns::Lookups& dns, std::string name,
                                             KeyRecordLimits limits)
{
    KeyLookup out;
    if (!dns::is_queryable_name(name)) {
        out.reason = "no key for signature: " + name + " is not a DNS name";
        co_return out;
    }
    const std::string queried = name;
    Result<dns::AnswerTxt> answer = co_await dns.txt(std::move(name));
    if (!answer) {
        // A name the resolver refuses cannot hold a key; anything else may clear up later
        // (STYLE.md §10.4: lookups are tri-state, a failure is not "absent").
        out.status =
            answer.error().code == Errc::Invalid ? KeyStatus::PermError : KeyStatus::TempError;
        out.reason = "key unavailable: " + answer.error().to_string();
        co_return out;
    }
    if (answer->records.empty()) {
        out.reason = "no key for signature at " + queried;  // step 3: NXDOMAIN or NODATA
        co_return out;
    }
    for (const std::string& text : answer->records) {
        Result<KeyRecord> record = parse_key_record(text, limits);
        if (!record) {
            if (out.reason.empty()) {
                out.reason = record.error().detail;
            }
            continue;
        }
        if (!record->email_service) {
            // §3.6.1 s=: "Verifiers for a given service type MUST ignore this record if the
            // appropriate type is not listed".
            if (out.reason.empty()) {
                out.reason = "key record is not for email (s=)";
            }
            continue;
        }
        out.status = KeyStatus::Found;
        out.record = std::move(*record);
        out.reason.clear();
        co_return out;
    }
    co_return out;
}

}  // namespace harbor::auth::dkim
