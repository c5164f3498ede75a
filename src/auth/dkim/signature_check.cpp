// Key fitness (RFC 6376 §6.1.2 steps 6-8, §3.6.1 t=s, RFC 8301 §3.2) and the computation of
// §6.1.3 for one signature.
// SECURITY: the header hash input is bounded by the header block (mime::Limits); the public key
// is parsed under max_rsa_key_bits before any RSA operation.
#include "auth/dkim/signature_check.hpp"

#include <openssl/crypto.h>

#include "auth/dkim/canonicalize.hpp"
#include "auth/dkim/header_hash.hpp"
#include "auth/dkim/public_key_cache.hpp"

namespace harbor::auth::dkim {

namespace {

Check verdict(Outcome result, std::string reason)
{
    return Check{result, std::move(reason), false};
}

bool equal_digests(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Check key_fits(const Signature& signature, const KeyRecord& record, unsigned min_rsa_bits,
               PublicKey& key_out)
{
    if (!record.allows(signature.algorithm)) {
        return verdict(Outcome::PermError, "inappropriate hash algorithm (key h=)");  // step 6
    }
    if (record.revoked) {
        return verdict(Outcome::PermError, "key revoked");  // step 7
    }
    if (record.key_type != key_type_of(signature.algorithm)) {
        return verdict(
            Outcome::PermError,
            "inappropriate key algorithm (k= " + std::string(key_type_name(record.key_type)) +
                " for a=" + std::string(algorithm_name(signature.algorithm)) + ")");  // step 8
    }
    if (record.strict_identity && !same_domain(signature.identity_domain(), signature.domain)) {
        return verdict(Outcome::PermError, "domain mismatch: the key's t=s forbids i= below d=");
    }
    // Parsed once per distinct p= for the whole process (public_key_cache.hpp).
    Result<PublicKey> key = default_public_key_cache().get(record.key_type, record.public_key);
    if (!key) {
        return verdict(Outcome::PermError, "key syntax error: " + key.error().detail);
    }
    if (key->type() == KeyType::Rsa && key->bits() < min_rsa_bits) {
        // RFC 8301 §3.2: "Verifiers MUST NOT consider signatures using RSA keys of less than
        // 1024 bits as valid signatures."
        return verdict(Outcome::Fail, "RSA key of " + std::to_string(key->bits()) +
                                          " bits is too small (RFC 8301)");
    }
    key_out = std::move(*key);
    return verdict(Outcome::Pass, "");
}

Check check_signature(std::string_view message, const std::vector<mime::HeaderField>& fields,
                      const mime::HeaderField& field, const Signature& signature,
                      const KeyRecord& record, const BodyHash& body, unsigned min_rsa_bits)
{
    PublicKey key;
    Check fit = key_fits(signature, record, min_rsa_bits, key);
    if (fit.result != Outcome::Pass) {
        return fit;
    }
    if (signature.body_length && *signature.body_length > body.canonical_length) {
        // §3.5 l=: "This value MUST NOT be larger than the actual number of octets in the
        // canonicalized message body."
        return verdict(Outcome::Fail, "l= is larger than the canonical body");
    }
    if (!equal_digests(body.digest, signature.body_hash)) {
        return verdict(Outcome::Fail, "body hash did not verify");  // §6.1.3 step 3
    }
    const std::vector<const mime::HeaderField*> selected =
        select_headers(fields, signature.signed_headers);
    const std::string stripped =
        remove_signature_value(without_line_end(raw_field(message, field)));
    const std::string input =
        header_hash_input(message, selected, signature.canonicalization.header, stripped);
    Result<void> verified = verify_digest(key, sha256(input), signature.signature);
    if (!verified) {
        return verdict(Outcome::Fail, "signature did not verify");  // §6.1.3 step 4
    }
    Check out = verdict(Outcome::Pass, "");
    out.partial_body = signature.body_length && *signature.body_length < body.canonical_length;
    return out;
}

}  // namespace harbor::auth::dkim
