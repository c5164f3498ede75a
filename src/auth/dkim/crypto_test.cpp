// Unit tests for RSA p= parsing (crypto.cpp): Harbor's DER reader against OpenSSL's decoders,
// which parse_public_key used alone before. Each case, and every one-bit flip and truncation of
// the two published forms, must get the same answer from both: the same key (EVP_PKEY_eq) or
// the same error code. The cases also pin which inputs take the reader (rsa_key_form).
#include "auth/dkim/crypto.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "auth/dkim/test_keys.hpp"

namespace harbor::auth::dkim {
namespace {

// --- A DER writer for building inputs (X.690 §8.1) ----------------------------------------

std::string der_length(std::size_t length)
{
    if (length < 0x80) {
        return std::string(1, static_cast<char>(length));
    }
    if (length < 0x100) {
        return std::string{'\x81', static_cast<char>(length)};
    }
    return std::string{'\x82', static_cast<char>(length >> 8), static_cast<char>(length & 0xff)};
}

std::string der(unsigned char tag, std::string_view contents)
{
    return static_cast<char>(tag) + der_length(contents.size()) + std::string(contents);
}

// The same element with its length in four octets: valid BER, not DER (X.690 §10.1).
std::string ber_long_length(unsigned char tag, std::string_view contents)
{
    const std::size_t n = contents.size();
    return std::string{static_cast<char>(tag),     '\x84', 0, 0, static_cast<char>(n >> 8),
                       static_cast<char>(n & 0xff)} +
           std::string(contents);
}

std::string integer(std::string_view magnitude)  // a positive INTEGER (X.690 §8.3)
{
    const bool sign_bit = !magnitude.empty() && (magnitude.front() & 0x80) != 0;
    return der(0x02, (sign_bit ? std::string(1, '\0') : std::string()) + std::string(magnitude));
}

std::string sequence(std::string_view contents)
{
    return der(0x30, contents);
}

const std::string rsa_encryption_oid("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 11);
const std::string rsa_pss_oid("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a", 11);
const std::string null_parameters("\x05\x00", 2);

std::string rsa_public_key(std::string_view n, std::string_view e)
{
    return sequence(integer(n) + integer(e));
}

std::string spki(std::string_view algorithm, std::string_view key, char unused_bits = 0)
{
    return sequence(sequence(algorithm) +
                    der(0x03, std::string(1, unused_bits) + std::string(key)));
}

std::string big_endian(const EVP_PKEY* key, const char* name)
{
    BIGNUM* number = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &number), 1);
    std::string out(static_cast<std::size_t>(BN_num_bytes(number)), '\0');
    BN_bn2bin(number, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(number);
    return out;
}

// --- The reference: parse_public_key as it was, OpenSSL's decoders only -------------------

struct Decoded {
    std::shared_ptr<EVP_PKEY> key;
    Errc error = Errc::Invalid;
};

Decoded decode_with_openssl(std::string_view octets)
{
    const auto* start = reinterpret_cast<const unsigned char*>(octets.data());
    const auto* end = start + octets.size();
    const long size = static_cast<long>(octets.size());
    const unsigned char* cursor = start;
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, size);
    if (key == nullptr || cursor != end) {
        EVP_PKEY_free(key);
        cursor = start;
        key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, size);
        if (key == nullptr || cursor != end) {
            EVP_PKEY_free(key);
            return {};
        }
    }
    Decoded out{std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free)};
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        return {};
    }
    if (EVP_PKEY_get_bits(key) > static_cast<int>(max_rsa_key_bits)) {
        return {nullptr, Errc::Limit};
    }
    return out;
}

// Whether parse_public_key agrees with the reference; the text says how it does not.
std::string disagreement(std::string_view octets)
{
    const Result<PublicKey> ours = parse_public_key(KeyType::Rsa, octets);
    const Decoded theirs = decode_with_openssl(octets);
    if (ours && theirs.key) {
        return EVP_PKEY_eq(ours->get(), theirs.key.get()) == 1 &&
                       static_cast<int>(ours->bits()) == EVP_PKEY_get_bits(theirs.key.get())
                   ? ""
                   : "different keys";
    }
    if (ours) {
        return "only Harbor accepts it";
    }
    if (theirs.key) {
        return "only OpenSSL accepts it: " + ours.error().to_string();
    }
    return ours.error().code == theirs.error ? "" : "different errors: " + ours.error().to_string();
}

struct Numbers {
    std::string n;
    std::string e;
};

const Numbers& test_numbers()
{
    static const Numbers numbers{big_endian(test::rsa_key().key.get(), OSSL_PKEY_PARAM_RSA_N),
                                 big_endian(test::rsa_key().key.get(), OSSL_PKEY_PARAM_RSA_E)};
    return numbers;
}

std::string published_spki()
{
    unsigned char* out = nullptr;
    const int size = i2d_PUBKEY(test::rsa_key().key.get(), &out);
    std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
    OPENSSL_free(out);
    return der;
}

TEST(DkimRsaKeys, WriterMatchesOpenSsl)
{
    const Numbers& k = test_numbers();
    EXPECT_EQ(spki(rsa_encryption_oid + null_parameters, rsa_public_key(k.n, k.e)),
              published_spki());
}

struct Case {
    const char* name;
    std::string octets;
    RsaKeyForm form;
    bool parses;
};

TEST(DkimRsaKeys, ReaderAgreesWithOpenSsl)
{
    const Numbers& k = test_numbers();
    const std::string algorithm = rsa_encryption_oid + null_parameters;
    const std::string bare = rsa_public_key(k.n, k.e);
    const std::string big(1024, '\xff');  // 8192 bits
    // OpenSSL's decoders are lenient (BER lengths, redundant or missing sign octets, unused
    // bits); what they accept, parse_public_key still accepts.
    const Case cases[] = {
        {"published SubjectPublicKeyInfo", published_spki(), RsaKeyForm::SubjectPublicKeyInfo,
         true},
        {"bare RSAPublicKey", bare, RsaKeyForm::RsaPublicKey, true},
        {"e = 3", spki(algorithm, rsa_public_key(k.n, "\x03")), RsaKeyForm::SubjectPublicKeyInfo,
         true},
        {"8192 bits", spki(algorithm, rsa_public_key(big, k.e)), RsaKeyForm::SubjectPublicKeyInfo,
         true},
        {"8193 bits", spki(algorithm, rsa_public_key('\x01' + big, k.e)),
         RsaKeyForm::SubjectPublicKeyInfo, false},
        {"parameters absent", spki(rsa_encryption_oid, bare), RsaKeyForm::Other, true},
        {"BER length", ber_long_length(0x30, sequence(algorithm) + der(0x03, '\0' + bare)),
         RsaKeyForm::Other, true},
        {"modulus with a redundant zero octet",
         spki(algorithm, sequence(der(0x02, std::string(2, '\0') + k.n) + integer(k.e))),
         RsaKeyForm::Other, true},
        {"negative modulus", spki(algorithm, sequence(der(0x02, k.n) + integer(k.e))),
         RsaKeyForm::Other, true},
        {"unused bits in the BIT STRING", spki(algorithm, bare, 1), RsaKeyForm::Other, true},
        {"RSA-PSS", spki(rsa_pss_oid, bare), RsaKeyForm::Other, false},
        {"a trailing octet", published_spki() + '\0', RsaKeyForm::Other, false},
        {"no exponent", spki(algorithm, sequence(integer(k.n))), RsaKeyForm::Other, false},
        {"empty", "", RsaKeyForm::Other, false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(rsa_key_form(c.octets), c.form);
        EXPECT_EQ(disagreement(c.octets), "");
        EXPECT_EQ(bool(parse_public_key(KeyType::Rsa, c.octets)), c.parses);
    }
    const Result<PublicKey> published = parse_public_key(KeyType::Rsa, published_spki());
    ASSERT_TRUE(published);
    EXPECT_EQ(EVP_PKEY_eq(published->get(), test::rsa_key().key.get()), 1);
    EXPECT_EQ(published->bits(), 2048u);
    const Result<PublicKey> too_big = parse_public_key(KeyType::Rsa, cases[4].octets);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, Errc::Limit);
}

// Every one-bit flip (low and high bit of each octet) and every truncation of both forms.
TEST(DkimRsaKeys, MutationsAgreeWithOpenSsl)
{
    const Numbers& k = test_numbers();
    std::size_t read_by_harbor = 0;
    for (const std::string& form : {published_spki(), rsa_public_key(k.n, k.e)}) {
        std::vector<std::string> inputs;
        for (std::size_t i = 0; i < form.size(); ++i) {
            for (const char bit : {'\x01', '\x80'}) {
                std::string flipped = form;
                flipped[i] = static_cast<char>(flipped[i] ^ bit);
                inputs.push_back(std::move(flipped));
            }
            inputs.push_back(form.substr(0, i));
        }
        for (const std::string& input : inputs) {
            read_by_harbor += rsa_key_form(input) != RsaKeyForm::Other;
            const std::string difference = disagreement(input);
            EXPECT_EQ(difference, "") << "input of " << input.size() << " octets";
        }
    }
    EXPECT_GT(read_by_harbor, 500u);  // flips inside n and e stay in the reader's shape
}

TEST(DkimRsaKeys, Ed25519KeysAreThe32RawOctets)
{
    unsigned char raw[32];
    std::size_t size = sizeof raw;
    ASSERT_EQ(EVP_PKEY_get_raw_public_key(test::ed25519_key().key.get(), raw, &size), 1);
    const std::string octets(reinterpret_cast<const char*>(raw), size);
    const Result<PublicKey> key = parse_public_key(KeyType::Ed25519, octets);
    ASSERT_TRUE(key);
    EXPECT_EQ(EVP_PKEY_eq(key->get(), test::ed25519_key().key.get()), 1);
    EXPECT_FALSE(parse_public_key(KeyType::Ed25519, octets + '\0'));
    EXPECT_FALSE(parse_public_key(KeyType::Rsa, octets));
}

}  // namespace
}  // namespace harbor::auth::dkim
