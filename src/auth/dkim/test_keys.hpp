// Test-only helpers for the DKIM tests: keys generated once per test binary, and a signer that
// writes any tag set (valid or not) so the verifier can be shown each §6.1 outcome.
#pragma once

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/digest.hpp"
#include "auth/dkim/header_hash.hpp"
#include "core/base64.hpp"

namespace harbor::auth::dkim::test {

inline const GeneratedKey& rsa_key()
{
    static const GeneratedKey key = *generate_key(KeyType::Rsa);
    return key;
}

inline const GeneratedKey& ed25519_key()
{
    static const GeneratedKey key = *generate_key(KeyType::Ed25519);
    return key;
}

// An RSA key of `bits`, below what generate_key allows (RFC 8301 tests).
inline PrivateKey small_rsa_key(unsigned bits)
{
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{bits});
    EXPECT_NE(raw, nullptr);
    return *Key::adopt(raw);
}

struct RawSignature {
    std::string tags;  // every tag before bh=, e.g. "v=1; a=rsa-sha256; d=...; s=...; h=from;"
    Canonicalization canonicalization;
    std::vector<std::string> headers;          // the names written in `tags` h=, for selection
    std::optional<std::uint64_t> body_length;  // the l= written in `tags`, if any
};

// `message` with a DKIM-Signature field on top made of raw.tags, bh= and b= (RFC 6376 §3.7).
inline std::string sign_raw(std::string_view message, const PrivateKey& key,
                            const RawSignature& raw)
{
    const mime::HeaderBlock block = mime::parse_header_block(message, 0, mime::Limits{});
    const std::string_view body = message.substr(block.length);
    const BodyHash body_hash = hash_body(raw.canonicalization.body, raw.body_length, body);
    const std::string field =
        "DKIM-Signature: " + raw.tags + " bh=" + encode_base64(body_hash.digest) + ";\r\n b=";
    const std::string input = header_hash_input(message, select_headers(block.fields, raw.headers),
                                                raw.canonicalization.header, field);
    Result<std::string> signature = sign_digest(key, sha256(input));
    EXPECT_TRUE(signature);
    return field + encode_base64(signature.value_or("")) + "\r\n" + std::string(message);
}

}  // namespace harbor::auth::dkim::test
