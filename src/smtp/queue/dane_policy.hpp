// What DANE for SMTP (RFC 7672) asks of the connection to one mail host, from the host's TLSA
// records: nothing (no DNSSEC-valid records, so plain opportunistic TLS), TLS without
// authentication (every record unusable, §2.2), TLS whose certificate matches the records
// (§2.2, §3), or no connection at all (the lookup failed or was bogus, §2.2: the host is then
// "unreachable" and the queue tries the next one).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dns/records.hpp"
#include "net/dane.hpp"

namespace harbor::smtp::queue {

struct DanePolicy {
    enum class Kind { None, Encrypt, Authenticate, Unreachable };
    Kind kind = Kind::None;
    std::vector<net::DaneRecord> records;  // Authenticate: the usable ones
    std::string reason;                    // Unreachable: for the 4.7.5 reply
};

// "_25._tcp.mx.example.com" (RFC 7672 §2.2; RFC 6698 §3).
std::string tlsa_name(const std::string& host, std::uint16_t port);

// The policy from the TLSA lookup of `name`. Only a Secure answer counts (§2.2: insecure TLSA
// records are ignored); the caller looks up only for hosts whose address records were Secure.
DanePolicy dane_policy_of(const std::string& name, const Result<dns::AnswerTlsa>& answer);

}  // namespace harbor::smtp::queue
