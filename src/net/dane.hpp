// DANE (RFC 6698, RFC 7671): TLSA records that say which certificate or key a TLS server must
// show. The SMTP client checks them on STARTTLS (RFC 7672); Connection::start_tls_client takes
// them and OpenSSL's DANE support does the matching.
#pragma once

#include <cstdint>
#include <vector>

namespace harbor::net {

// One TLSA record (RFC 6698 §2.1). Usages: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE;
// selectors: 0 whole certificate, 1 SubjectPublicKeyInfo; matching types: 0 exact, 1 SHA-256,
// 2 SHA-512.
struct DaneRecord {
    std::uint8_t usage = 0;
    std::uint8_t selector = 0;
    std::uint8_t matching_type = 0;
    std::vector<std::uint8_t> data;
};

// RFC 7672 §3.1.3: an SMTP client uses only DANE-TA(2) and DANE-EE(3) records; PKIX-TA(0) and
// PKIX-EE(1) are unusable (no common CA set among MTAs), as are unknown selectors and matching
// types. A record set with no usable record still makes TLS mandatory (§2.2).
inline bool dane_usable(const DaneRecord& record)
{
    return (record.usage == 2 || record.usage == 3) && record.selector <= 1 &&
           record.matching_type <= 2;
}

}  // namespace harbor::net
