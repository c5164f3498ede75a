// SHA-256 over OpenSSL EVP (the hash of rsa-sha256 and ed25519-sha256, RFC 6376 §3.3.2,
// RFC 8463 §3) and the body hash of RFC 6376 §3.7 step 1: canonicalized, cut at l=, hashed as
// the bytes stream in.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/dkim/canonicalize.hpp"

struct evp_md_ctx_st;

namespace harbor::auth::dkim {

constexpr std::size_t sha256_size = 32;

class Sha256 {
public:
    Sha256();
    void update(std::string_view bytes);
    std::string finish();  // 32 octets; the object is spent afterwards

private:
    struct Free {
        void operator()(evp_md_ctx_st* context) const;
    };
    std::unique_ptr<evp_md_ctx_st, Free> context_;
};

std::string sha256(std::string_view bytes);

struct BodyHash {
    std::string digest;                  // SHA-256 of the first `limit` canonical octets
    std::uint64_t canonical_length = 0;  // octets of the whole canonical body (l= or not)
};

// Body hash for one canonicalization and optional l=, fed in pieces.
class BodyHasher final : private CanonicalSink {
public:
    BodyHasher(Canon canon, std::optional<std::uint64_t> limit);
    BodyHasher(const BodyHasher&) = delete;
    BodyHasher& operator=(const BodyHasher&) = delete;

    void update(std::string_view bytes) { canonicalizer_.update(bytes); }
    BodyHash finish();

private:
    void write(std::string_view bytes) override;

    Sha256 hash_;
    std::optional<std::uint64_t> limit_;
    std::uint64_t length_ = 0;
    BodyCanonicalizer canonicalizer_;
};

BodyHash hash_body(Canon canon, std::optional<std::uint64_t> limit, std::string_view body);

}  // namespace harbor::auth::dkim
