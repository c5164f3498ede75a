// DKIM public-key operations: RFC 6376 §3.3.2 (rsa-sha256), RFC 8463 §3-§4 (ed25519-sha256),
// RFC 8301 §3.2 (RSA key sizes), over OpenSSL 3 EVP.
// SECURITY: DER from DNS goes to OpenSSL's decoders and must be consumed whole; the OpenSSL
// error queue is cleared after every failure so one bad key does not colour the next call.
#include "auth/dkim/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth/dkim/digest.hpp"
#include "auth/dkim/tag_list.hpp"
#include "core/base64.hpp"

namespace harbor::auth::dkim {

namespace {

constexpr std::size_t ed25519_key_octets = 32;  // RFC 8032 §5.1.5, RFC 8463 §4.2

const unsigned char* bytes_of(std::string_view text)
{
    return reinterpret_cast<const unsigned char*>(text.data());
}

Unexpected openssl_failure(Errc code, std::string what)
{
    ERR_clear_error();
    return unexpected(code, std::move(what));
}

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string bio_text(BIO* bio)
{
    char* data = nullptr;
    const long size = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));
    return size > 0 && data != nullptr ? std::string(data, static_cast<std::size_t>(size))
                                       : std::string();
}

// A PEM read must never prompt on a terminal for a passphrase: encrypted keys just fail.
int no_passphrase(char*, int, int, void*)
{
    return 0;
}

Result<PublicKey> parse_rsa_public_key(std::string_view octets)
{
    const long size = static_cast<long>(octets.size());
    const unsigned char* cursor = bytes_of(octets);
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, size);
    if (key == nullptr || cursor != bytes_of(octets) + octets.size()) {
        EVP_PKEY_free(key);
        ERR_clear_error();
        cursor = bytes_of(octets);
        key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, size);  // bare RSAPublicKey
        if (key == nullptr || cursor != bytes_of(octets) + octets.size()) {
            EVP_PKEY_free(key);
            return openssl_failure(Errc::Invalid, "p= is not an RSA public key");
        }
    }
    Result<Key> adopted = Key::adopt(key);
    if (!adopted || adopted->type() != KeyType::Rsa) {
        return unexpected(Errc::Invalid, "p= holds a key that is not RSA");
    }
    if (adopted->bits() > max_rsa_key_bits) {
        return unexpected(Errc::Limit, "RSA key of " + std::to_string(adopted->bits()) +
                                           " bits is larger than " +
                                           std::to_string(max_rsa_key_bits));
    }
    return adopted;
}

}  // namespace

Result<Key> Key::adopt(evp_pkey_st* raw)
{
    Key key;
    key.key_ = std::shared_ptr<evp_pkey_st>(raw, EVP_PKEY_free);
    switch (EVP_PKEY_get_base_id(raw)) {
        case EVP_PKEY_RSA:
            key.type_ = KeyType::Rsa;
            break;
        case EVP_PKEY_ED25519:
            key.type_ = KeyType::Ed25519;
            break;
        default:
            return unexpected(Errc::Unsupported, "key type other than RSA or Ed25519");
    }
    key.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(raw));
    return key;
}

Result<PublicKey> parse_public_key(KeyType type, std::string_view octets)
{
    if (type == KeyType::Rsa) {
        return parse_rsa_public_key(octets);
    }
    if (octets.size() != ed25519_key_octets) {
        return unexpected(Errc::Invalid, "p= is not a 32-octet Ed25519 key");
    }
    EVP_PKEY* key =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes_of(octets), octets.size());
    if (key == nullptr) {
        return openssl_failure(Errc::Invalid, "p= is not an Ed25519 key");
    }
    return Key::adopt(key);
}

Result<void> verify_digest(const PublicKey& key, std::string_view digest,
                           std::string_view signature)
{
    if (key.empty() || digest.size() != sha256_size) {
        return unexpected(Errc::Internal, "verify_digest without a key or a SHA-256 digest");
    }
    int verified = 0;
    if (key.type() == KeyType::Rsa) {
        const PkeyCtx context(EVP_PKEY_CTX_new(key.get(), nullptr));
        if (context == nullptr || EVP_PKEY_verify_init(context.get()) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING) != 1 ||
            EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha256()) != 1) {
            return openssl_failure(Errc::Internal, "RSA verification setup failed");
        }
        verified = EVP_PKEY_verify(context.get(), bytes_of(signature), signature.size(),
                                   bytes_of(digest), digest.size());
    } else {
        // RFC 8463 §3: Ed25519 signs the SHA-256 hash, so the digest is the "message".
        const MdCtx context(EVP_MD_CTX_new());
        if (context == nullptr ||
            EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
            return openssl_failure(Errc::Internal, "Ed25519 verification setup failed");
        }
        verified = EVP_DigestVerify(context.get(), bytes_of(signature), signature.size(),
                                    bytes_of(digest), digest.size());
    }
    if (verified != 1) {
        return openssl_failure(Errc::Invalid, "signature did not verify");
    }
    return ok();
}

Result<std::string> sign_digest(const PrivateKey& key, std::string_view digest)
{
    if (key.empty() || digest.size() != sha256_size) {
        return unexpected(Errc::Internal, "sign_digest without a key or a SHA-256 digest");
    }
    std::size_t size = 0;
    std::string signature;
    if (key.type() == KeyType::Rsa) {
        const PkeyCtx context(EVP_PKEY_CTX_new(key.get(), nullptr));
        if (context == nullptr || EVP_PKEY_sign_init(context.get()) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING) != 1 ||
            EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha256()) != 1 ||
            EVP_PKEY_sign(context.get(), nullptr, &size, bytes_of(digest), digest.size()) != 1) {
            return openssl_failure(Errc::Internal, "RSA signing setup failed");
        }
        signature.resize(size);
        if (EVP_PKEY_sign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                          bytes_of(digest), digest.size()) != 1) {
            return openssl_failure(Errc::Internal, "RSA signing failed");
        }
    } else {
        const MdCtx context(EVP_MD_CTX_new());
        if (context == nullptr ||
            EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
            EVP_DigestSign(context.get(), nullptr, &size, bytes_of(digest), digest.size()) != 1) {
            return openssl_failure(Errc::Internal, "Ed25519 signing setup failed");
        }
        signature.resize(size);
        if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                           bytes_of(digest), digest.size()) != 1) {
            return openssl_failure(Errc::Internal, "Ed25519 signing failed");
        }
    }
    signature.resize(size);
    return signature;
}

Result<PrivateKey> load_private_key(std::string_view text)
{
    while (!text.empty() && is_fws(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_fws(text.back())) {
        text.remove_suffix(1);
    }
    if (text.starts_with("-----BEGIN")) {
        const Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
        EVP_PKEY* key =
            bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr;
        if (key == nullptr) {
            return openssl_failure(Errc::Invalid, "not a PEM private key (or an encrypted one)");
        }
        return Key::adopt(key);
    }
    Result<std::string> seed = decode_base64(text);
    if (!seed || seed->size() != ed25519_key_octets) {
        return unexpected(Errc::Invalid, "neither a PEM private key nor a base64 Ed25519 seed");
    }
    EVP_PKEY* key =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes_of(*seed), seed->size());
    if (key == nullptr) {
        return openssl_failure(Errc::Invalid, "not an Ed25519 seed");
    }
    return Key::adopt(key);
}

Result<std::string> format_private_key_pem(const PrivateKey& key)
{
    const Bio bio(BIO_new(BIO_s_mem()));
    if (key.empty() || bio == nullptr ||
        PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1) {
        return openssl_failure(Errc::Internal, "cannot write the private key as PEM");
    }
    return bio_text(bio.get());
}

Result<std::string> format_key_record(const Key& key)
{
    if (key.empty()) {
        return unexpected(Errc::Internal, "format_key_record without a key");
    }
    std::string octets;
    if (key.type() == KeyType::Rsa) {
        unsigned char* der = nullptr;
        const int size = i2d_PUBKEY(key.get(), &der);
        if (size <= 0) {
            return openssl_failure(Errc::Internal, "cannot encode the RSA public key");
        }
        octets.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
        OPENSSL_free(der);
    } else {
        std::size_t size = ed25519_key_octets;
        octets.resize(size);
        if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(octets.data()),
                                        &size) != 1) {
            return openssl_failure(Errc::Internal, "cannot read the Ed25519 public key");
        }
        octets.resize(size);
    }
    return "v=DKIM1; k=" + std::string(key_type_name(key.type())) + "; p=" + encode_base64(octets);
}

Result<GeneratedKey> generate_key(KeyType type, unsigned rsa_bits)
{
    if (type == KeyType::Rsa && (rsa_bits < min_rsa_key_bits || rsa_bits > max_rsa_key_bits)) {
        return unexpected(Errc::Invalid, "RSA keys must have " + std::to_string(min_rsa_key_bits) +
                                             "-" + std::to_string(max_rsa_key_bits) + " bits");
    }
    EVP_PKEY* raw = type == KeyType::Rsa
                        ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{rsa_bits})
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (raw == nullptr) {
        return openssl_failure(Errc::Internal, "key generation failed");
    }
    Result<Key> key = Key::adopt(raw);
    HARBOR_TRY(key);
    Result<std::string> pem = format_private_key_pem(*key);
    HARBOR_TRY(pem);
    Result<std::string> record = format_key_record(*key);
    HARBOR_TRY(record);
    return GeneratedKey{std::move(*key), std::move(*pem), std::move(*record)};
}

Result<std::string> key_record_from_private(std::string_view text)
{
    Result<PrivateKey> key = load_private_key(text);
    HARBOR_TRY(key);
    return format_key_record(*key);
}

}  // namespace harbor::auth::dkim
