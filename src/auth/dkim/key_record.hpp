// The DKIM key record (RFC 6376 §3.6.1; k=ed25519 from RFC 8463 §4.2): the TXT record at
// <selector>._domainkey.<domain> holding the public key and the constraints on its use.
// SECURITY: the record comes from DNS, so from anyone: capped by KeyRecordLimits, one linear
// pass, the key octets are only decoded here (OpenSSL parses them in crypto.cpp). Fuzzed by
// fuzz_dkim_key.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "auth/dkim/signature.hpp"
#include "core/result.hpp"

namespace harbor::auth::dkim {

struct KeyRecord {
    KeyType key_type = KeyType::Rsa;  // k=, default rsa
    std::string public_key;           // p= decoded: DER for rsa, 32 raw octets for ed25519
    bool revoked = false;             // p= was empty (§3.6.1 p=)
    bool allows_sha256 = true;        // h= absent, or it lists sha256
    bool allows_sha1 = true;          // h= absent, or it lists sha1
    bool email_service = true;        // s= absent, or it lists "*" or "email"
    bool testing = false;             // t=y: "MUST NOT treat ... differently from unsigned email"
    bool strict_identity = false;     // t=s: the i= domain must equal d= (no subdomain)
    std::string notes;                // n=, as published (qp-section, not decoded)

    // Whether this key may verify signatures made with `algorithm` (the key's h=).
    bool allows(Algorithm algorithm) const;
};

constexpr std::size_t default_max_key_record = 8192;  // bytes; an RSA-8192 p= is about 1.4 KB
constexpr std::size_t default_max_key_octets = 2048;  // p= decoded

struct KeyRecordLimits {
    std::size_t max_record = default_max_key_record;
    std::size_t max_key_octets = default_max_key_octets;
};

// Parses one key record (a TXT record's character-strings concatenated). Errors:
//   Errc::Invalid      tag-list syntax, v= not first or not "DKIM1", p= missing or not base64
//                      (RFC 6376 §6.1.2 step 5: "key syntax error");
//   Errc::Unsupported  k= names a key type Harbor does not know ("Unrecognized key types MUST
//                      be ignored": the record cannot be used);
//   Errc::Limit        the record or the key past `limits`.
// A revoked key (empty p=) and a key not meant for email (s=) parse: the verifier decides.
Result<KeyRecord> parse_key_record(std::string_view text, const KeyRecordLimits& limits = {});

}  // namespace harbor::auth::dkim
