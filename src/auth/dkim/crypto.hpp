// DKIM's public-key operations over OpenSSL EVP: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6376
// §3.3.2) and Ed25519 (RFC 8463 §3: PureEdDSA over the SHA-256 hash of the header hash input),
// public keys from p= (RFC 6376 §3.6.1, RFC 8463 §4.2), private keys from PEM, key generation.
// SECURITY: p= octets come from DNS; a bounds-checked DER reader (RSA) or OpenSSL parses them,
// the whole input must be consumed and RSA moduli are bounded before any operation
// (max_rsa_key_bits). Verification parses through public_key_cache.hpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/dkim/signature.hpp"
#include "core/result.hpp"

struct evp_pkey_st;

namespace harbor::auth::dkim {

constexpr unsigned min_rsa_key_bits = 1024;      // RFC 8301 §3.2: smaller keys are never valid
constexpr unsigned max_rsa_key_bits = 8192;      // verifiers MUST handle 1024-4096 (RFC 8301 §3.2)
constexpr unsigned default_rsa_key_bits = 2048;  // RFC 8301 §3.2: signers SHOULD use 2048

// An OpenSSL key, shared (EVP_PKEY is reference-counted and read-only once built).
class Key {
public:
    Key() = default;
    KeyType type() const { return type_; }
    unsigned bits() const { return bits_; }
    bool empty() const { return key_ == nullptr; }
    evp_pkey_st* get() const { return key_.get(); }

    // Takes ownership of `key` (an RSA or Ed25519 EVP_PKEY); Errc::Unsupported for other types.
    static Result<Key> adopt(evp_pkey_st* key);

private:
    std::shared_ptr<evp_pkey_st> key_;
    KeyType type_ = KeyType::Rsa;
    unsigned bits_ = 0;
};

using PublicKey = Key;
using PrivateKey = Key;

// p= octets as a public key of `type`: for rsa a DER SubjectPublicKeyInfo (what everyone
// publishes) or a bare RSAPublicKey (what RFC 6376 §3.6.1 literally names); for ed25519 the 32
// raw octets. Errc::Invalid when the octets do not parse or do not match `type`; Errc::Limit for
// an RSA key above max_rsa_key_bits.
Result<PublicKey> parse_public_key(KeyType type, std::string_view octets);

// The RSA p= forms parse_public_key reads itself (a fixed DER shape, keys built from their
// numbers) and the rest, which go to OpenSSL's decoders, about twenty times slower.
enum class RsaKeyForm {
    SubjectPublicKeyInfo,  // RFC 5280 §4.1, rsaEncryption with NULL parameters: what is published
    RsaPublicKey,          // RFC 8017 §A.1.1, what RFC 6376 §3.6.1 names
    Other,                 // BER, absent parameters, other algorithms, malformed: OpenSSL decides
};
RsaKeyForm rsa_key_form(std::string_view octets);

// Checks `signature` over the SHA-256 `digest` of the header hash input. Errc::Invalid when it
// does not verify.
Result<void> verify_digest(const PublicKey& key, std::string_view digest,
                           std::string_view signature);

// Signs the SHA-256 `digest` of the header hash input: PKCS #1 v1.5 for RSA, Ed25519 over the
// 32 digest octets for Ed25519. Errc::Internal if OpenSSL fails.
Result<std::string> sign_digest(const PrivateKey& key, std::string_view digest);

// A private key from PEM (PKCS #8 "PRIVATE KEY", PKCS #1 "RSA PRIVATE KEY") or, for Ed25519,
// the base64 of the 32-octet seed (the format of dkimpy's dknewkey). Errc::Invalid otherwise;
// Errc::Unsupported for key types other than RSA and Ed25519.
Result<PrivateKey> load_private_key(std::string_view text);

// The PKCS #8 PEM of a private key.
Result<std::string> format_private_key_pem(const PrivateKey& key);

// The key record to publish for a private key: "v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo>" or
// "v=DKIM1; k=ed25519; p=<32 octets>" (RFC 6376 §3.6.1, RFC 8463 §4.2).
Result<std::string> format_key_record(const Key& key);

// format_key_record of the key in a PEM (or Ed25519 seed) text: what a stored private key
// publishes.
Result<std::string> key_record_from_private(std::string_view text);

struct GeneratedKey {
    PrivateKey key;
    std::string private_key_pem;  // PKCS #8
    std::string key_record;       // the TXT record text for <selector>._domainkey.<domain>
};

// A fresh key: RSA of `rsa_bits` (default 2048) or Ed25519.
Result<GeneratedKey> generate_key(KeyType type, unsigned rsa_bits = default_rsa_key_bits);

}  // namespace harbor::auth::dkim
