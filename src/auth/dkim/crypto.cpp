// DKIM public-key operations: RFC 6376 §3.3.2 (rsa-sha256), RFC 8463 §3-§4 (ed25519-sha256),
// RFC 8301 §3.2 (RSA key sizes), over OpenSSL 3 EVP. RSA p= in the two forms publishers use
// (RFC 5280 §4.1 SubjectPublicKeyInfo, RFC 8017 §A.1.1 RSAPublicKey) is read here and handed
// to OpenSSL as numbers; any other form goes to OpenSSL's decoders.
// SECURITY: p= comes from DNS. The DER reader below is bounds-checked, accepts only definite
// minimal lengths and must consume its input whole (fuzz_dkim_key, crypto_test compares it with
// OpenSSL's decoders); the OpenSSL error queue is cleared after every failure so one bad key
// does not colour the next call.
#include "auth/dkim/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <optional>

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

// --- RSA public keys without OpenSSL's decoders --------------------------------------------
// OpenSSL 3's d2i_PUBKEY sets up its decoder chain on every call: 0.1-0.2 ms for an RSA-2048
// key, several times the RSA check itself (bench/dkim). The two forms that carry RSA keys in p= are
// fixed DER shapes, so they are read here and the numbers given to EVP_PKEY_fromdata (about 10 µs).

constexpr unsigned char der_integer = 0x02;     // X.690 §8.3, universal tag 2
constexpr unsigned char der_bit_string = 0x03;  // X.690 §8.6
constexpr unsigned char der_sequence = 0x30;    // X.690 §8.9, constructed

// AlgorithmIdentifier contents for rsaEncryption (1.2.840.113549.1.1.1) with the NULL
// parameters RFC 3279 §2.3.1 requires (the length is given: NULL's last octet is zero).
constexpr std::string_view rsa_encryption_algorithm(
    "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00", 13);

unsigned octet(char c)
{
    return static_cast<unsigned char>(c);
}

// Reads DER elements (X.690 §8.1) one after another from untrusted bytes.
class DerReader {
public:
    explicit DerReader(std::string_view input) : rest_(input) {}
    bool done() const { return rest_.empty(); }

    // The contents of the next element if its tag is `tag`. nullopt for another tag, a length
    // past the input, and lengths DER forbids (indefinite, or not in the fewest octets, X.690
    // §10.1); also for lengths over 65535, which no DKIM key needs.
    std::optional<std::string_view> read(unsigned char tag)
    {
        if (rest_.size() < 2 || octet(rest_[0]) != tag) {
            return std::nullopt;
        }
        std::size_t length = octet(rest_[1]);
        std::size_t header = 2;
        if (length == 0x81) {
            length = rest_.size() > 2 ? octet(rest_[2]) : 0;
            header = 3;
            if (length < 0x80) {
                return std::nullopt;  // short form was required (or the input ended)
            }
        } else if (length == 0x82) {
            length = rest_.size() > 3 ? octet(rest_[2]) << 8 | octet(rest_[3]) : 0;
            header = 4;
            if (length < 0x100) {
                return std::nullopt;
            }
        } else if (length >= 0x80) {
            return std::nullopt;
        }
        if (rest_.size() - header < length) {
            return std::nullopt;
        }
        const std::string_view contents = rest_.substr(header, length);
        rest_.remove_prefix(header + length);
        return contents;
    }

    // A positive INTEGER (X.690 §8.3) as its big-endian magnitude without the sign octet.
    // nullopt for zero, a negative value, or a redundant leading octet (§8.3.2).
    std::optional<std::string_view> read_positive_integer()
    {
        std::optional<std::string_view> contents = read(der_integer);
        if (!contents || contents->empty() || (octet(contents->front()) & 0x80) != 0) {
            return std::nullopt;
        }
        if (octet(contents->front()) == 0) {
            if (contents->size() == 1 || (octet((*contents)[1]) & 0x80) == 0) {
                return std::nullopt;
            }
            contents->remove_prefix(1);
        }
        return contents;
    }

private:
    std::string_view rest_;
};

struct RsaNumbers {
    std::string_view modulus;   // big-endian, first octet not zero
    std::string_view exponent;  // big-endian, first octet not zero
};

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1),
// filling the whole of `der`.
std::optional<RsaNumbers> read_rsa_public_key(std::string_view der)
{
    DerReader outer(der);
    const std::optional<std::string_view> sequence = outer.read(der_sequence);
    if (!sequence || !outer.done()) {
        return std::nullopt;
    }
    DerReader fields(*sequence);
    const std::optional<std::string_view> modulus = fields.read_positive_integer();
    const std::optional<std::string_view> exponent = fields.read_positive_integer();
    if (!modulus || !exponent || !fields.done()) {
        return std::nullopt;
    }
    return RsaNumbers{*modulus, *exponent};
}

// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT
// STRING } (RFC 5280 §4.1) for rsaEncryption: the BIT STRING, with no unused bits (X.690
// §8.6.2.2), holds an RSAPublicKey (RFC 3279 §2.3.1).
std::optional<RsaNumbers> read_rsa_subject_public_key_info(std::string_view der)
{
    DerReader outer(der);
    const std::optional<std::string_view> info = outer.read(der_sequence);
    if (!info || !outer.done()) {
        return std::nullopt;
    }
    DerReader fields(*info);
    const std::optional<std::string_view> algorithm = fields.read(der_sequence);
    const std::optional<std::string_view> key = fields.read(der_bit_string);
    if (!algorithm || *algorithm != rsa_encryption_algorithm || !key || !fields.done() ||
        key->empty() || key->front() != 0) {
        return std::nullopt;
    }
    return read_rsa_public_key(key->substr(1));
}

unsigned bit_length(std::string_view magnitude)
{
    unsigned bits = static_cast<unsigned>(magnitude.size()) * 8;
    for (unsigned top = octet(magnitude.front()); top != 0 && top < 0x80; top <<= 1) {
        --bits;
    }
    return bits;
}

struct BnFree {
    void operator()(BIGNUM* number) const { BN_free(number); }
};
struct ParamBuilderFree {
    void operator()(OSSL_PARAM_BLD* builder) const { OSSL_PARAM_BLD_free(builder); }
};
struct ParamsFree {
    void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};

Unexpected rsa_too_large(unsigned bits)
{
    return unexpected(Errc::Limit, "RSA key of " + std::to_string(bits) + " bits is larger than " +
                                       std::to_string(max_rsa_key_bits));
}

Result<PublicKey> rsa_key_from_numbers(const RsaNumbers& numbers)
{
    const unsigned bits = bit_length(numbers.modulus);
    if (bits > max_rsa_key_bits) {
        return rsa_too_large(bits);  // refused before OpenSSL copies it
    }
    const std::unique_ptr<BIGNUM, BnFree> modulus(
        BN_bin2bn(bytes_of(numbers.modulus), static_cast<int>(numbers.modulus.size()), nullptr));
    const std::unique_ptr<BIGNUM, BnFree> exponent(
        BN_bin2bn(bytes_of(numbers.exponent), static_cast<int>(numbers.exponent.size()), nullptr));
    const std::unique_ptr<OSSL_PARAM_BLD, ParamBuilderFree> builder(OSSL_PARAM_BLD_new());
    if (!modulus || !exponent || !builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
        return openssl_failure(Errc::Internal, "cannot hold the RSA key's numbers");
    }
    const std::unique_ptr<OSSL_PARAM, ParamsFree> params(OSSL_PARAM_BLD_to_param(builder.get()));
    const PkeyCtx context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return openssl_failure(Errc::Invalid, "p= is not a usable RSA public key");
    }
    return Key::adopt(key);
}

// Any other encoding OpenSSL's decoders accept (BER lengths, absent parameters, ...): slow,
// but it keeps Harbor accepting what it accepted before the reader above existed.
Result<Key> decode_rsa_public_key(std::string_view octets)
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
    return Key::adopt(key);
}

Result<PublicKey> parse_rsa_public_key(std::string_view octets)
{
    std::optional<RsaNumbers> numbers = read_rsa_subject_public_key_info(octets);
    if (!numbers) {
        numbers = read_rsa_public_key(octets);
    }
    Result<Key> key = numbers ? rsa_key_from_numbers(*numbers) : decode_rsa_public_key(octets);
    if (!key && key.error().code != Errc::Unsupported) {
        return key;
    }
    if (!key || key->type() != KeyType::Rsa) {  // RSA-PSS, EC, ... (Key::adopt: Unsupported)
        return unexpected(Errc::Invalid, "p= holds a key that is not RSA");
    }
    if (key->bits() > max_rsa_key_bits) {
        return rsa_too_large(key->bits());
    }
    return key;
}

}  // namespace

RsaKeyForm rsa_key_form(std::string_view octets)
{
    if (read_rsa_subject_public_key_info(octets)) {
        return RsaKeyForm::SubjectPublicKeyInfo;
    }
    return read_rsa_public_key(octets) ? RsaKeyForm::RsaPublicKey : RsaKeyForm::Other;
}

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
