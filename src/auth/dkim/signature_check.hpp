// The DNS-free half of DKIM verification: given a parsed signature, its key record and the
// body hash under its c= and l=, RFC 6376 §6.1.2 steps 6-8 (is the key fit for it), then
// §6.1.3 (body hash, header hash, signature). ARC's AMS and AS verification (RFC 8617 §5.2)
// can call the same pieces: key_fits, header_hash_input, verify_digest.
#pragma once

#include <string_view>
#include <vector>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/digest.hpp"
#include "auth/dkim/key_record.hpp"
#include "auth/dkim/outcome.hpp"
#include "auth/dkim/signature.hpp"
#include "mime/header.hpp"

namespace harbor::auth::dkim {

struct Check {
    Outcome result = Outcome::PermError;
    std::string reason;
    bool partial_body = false;
};

// §6.1.2 steps 6-8 plus the key's own rules: h= must allow the hash, p= must not be empty,
// k= must match a=, p= must parse as that key type, RSA keys need `min_rsa_bits` (RFC 8301
// §3.2), t=s requires i= to be exactly d= (§3.6.1). On success `key_out` holds the key.
Check key_fits(const Signature& signature, const KeyRecord& record, unsigned min_rsa_bits,
               PublicKey& key_out);

// The whole of §6.1.3 for one signature: `field` is its DKIM-Signature field among `fields`
// (views into `message`), `body` the body hash computed under its c= and l=.
Check check_signature(std::string_view message, const std::vector<mime::HeaderField>& fields,
                      const mime::HeaderField& field, const Signature& signature,
                      const KeyRecord& record, const BodyHash& body, unsigned min_rsa_bits);

}  // namespace harbor::auth::dkim
