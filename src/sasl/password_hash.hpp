// Password storage with argon2id (RFC 9106) in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash, the format of the reference implementation).
// SECURITY: verify_password() parses stored strings with bounded parameters (a corrupt or hostile
// row cannot make us allocate gigabytes) and compares digests in constant time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::sasl {

// The OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes, 1 lane.
// Memory hardness is what makes GPU/ASIC guessing expensive; 19 MiB costs ~50 ms on one core,
// which a login can afford but an attacker with a stolen database pays per guess. One lane
// because each login already runs on its own thread and we do not want one login to use more.
struct Argon2Params {
    std::uint32_t passes = 2;          // t
    std::uint32_t memory_kib = 19456;  // m
    std::uint32_t lanes = 1;           // p
};

inline constexpr std::size_t argon2_salt_bytes = 16;  // RFC 9106 §3.1 recommends 16
inline constexpr std::size_t argon2_hash_bytes = 32;
// Longer passwords buy no security, only CPU time for whoever sends them.
inline constexpr std::size_t max_password_bytes = 4096;

// Hashes with a fresh random salt (OpenSSL RAND_bytes) and the default parameters.
// Errc::Invalid for a password over max_password_bytes; Errc::Internal if the RNG or
// libargon2 fails.
Result<std::string> hash_password(std::string_view plaintext);

// As above with a given salt and parameters: for known-answer tests and migrations.
Result<std::string> hash_password_with_salt(std::string_view plaintext, std::string_view salt,
                                            const Argon2Params& params = {});

// true if plaintext matches the PHC string, false if not (constant-time digest comparison).
// Errc::Invalid if phc is not a well-formed argon2id PHC string within our parameter bounds.
Result<bool> verify_password(std::string_view plaintext, std::string_view phc);

}  // namespace harbor::sasl
