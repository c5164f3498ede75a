// Fuzzes the DKIM key record parser (RFC 6376 §3.6.1, RFC 8463 §4.2) and the public-key
// decoding behind it (OpenSSL's DER parsers via parse_public_key): no crash, nothing past the
// limits, a revoked key has no octets, and whatever parses as a key has the type it claims.
// The input is also offered as a private key (PEM or a base64 Ed25519 seed). The RSA forms
// crypto.cpp reads with its own DER reader must give the key OpenSSL's decoders give.
// SECURITY: key records come from any DNS zone; this target checks their bounds.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/key_record.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

// What OpenSSL's own decoders make of an RSA p= that our reader took: the same key.
void check_against_openssl(std::string_view octets, const harbor::auth::dkim::PublicKey& ours)
{
    using harbor::auth::dkim::RsaKeyForm;
    const RsaKeyForm form = harbor::auth::dkim::rsa_key_form(octets);
    if (form == RsaKeyForm::Other) {
        return;  // parse_public_key asked OpenSSL itself
    }
    const auto* in = reinterpret_cast<const unsigned char*>(octets.data());
    const auto length = static_cast<long>(octets.size());
    EVP_PKEY* theirs = form == RsaKeyForm::SubjectPublicKeyInfo
                           ? d2i_PUBKEY(nullptr, &in, length)
                           : d2i_PublicKey(EVP_PKEY_RSA, nullptr, &in, length);
    check(theirs != nullptr);
    check(EVP_PKEY_eq(theirs, ours.get()) == 1);
    EVP_PKEY_free(theirs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace harbor::auth::dkim;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    KeyRecordLimits limits;
    limits.max_record = 2048;
    limits.max_key_octets = 1024;
    harbor::Result<KeyRecord> record = parse_key_record(text, limits);
    if (record) {
        check(size <= limits.max_record);
        check(record->revoked == record->public_key.empty());
        check(record->public_key.size() <= limits.max_key_octets);
        if (!record->revoked) {
            harbor::Result<PublicKey> key = parse_public_key(record->key_type, record->public_key);
            if (key) {
                check(key->type() == record->key_type);
                check(key->type() != KeyType::Rsa || key->bits() <= max_rsa_key_bits);
            }
        }
    } else {
        check(!record.error().detail.empty());
    }
    // The raw bytes as DER of either type, and as a private key.
    for (const KeyType type : {KeyType::Rsa, KeyType::Ed25519}) {
        harbor::Result<PublicKey> key = parse_public_key(type, text);
        if (key) {
            check(key->type() == type);
            if (type == KeyType::Rsa) {
                check_against_openssl(text, *key);
            }
        }
    }
    harbor::Result<PrivateKey> private_key = load_private_key(text);
    if (private_key) {
        check(!private_key->empty());
    }
    return 0;
}
