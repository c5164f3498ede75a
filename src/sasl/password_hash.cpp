// argon2id password hashing over libargon2; see password_hash.hpp.
// RFC 9106 (Argon2); PHC string format as written by libargon2's argon2_encode_string.
// SECURITY: stored strings are parsed strictly with bounded m/t/p; digests compared with
// CRYPTO_memcmp.
#include "sasl/password_hash.hpp"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <charconv>
#include <optional>

#include "core/base64.hpp"

namespace harbor::sasl {
namespace {

// Bounds for parameters read back from storage. They accept every hash we write and stronger
// ones, and refuse values that would let a corrupt row exhaust memory or CPU on each login.
constexpr std::uint32_t max_memory_kib = 1024 * 1024;  // 1 GiB
constexpr std::uint32_t max_passes = 64;
constexpr std::uint32_t max_lanes = 16;
constexpr std::size_t min_salt_bytes = 8;  // RFC 9106 §3.1: at least 8 bytes
constexpr std::size_t max_salt_bytes = 64;
constexpr std::size_t min_hash_bytes = 16;
constexpr std::size_t max_hash_bytes = 64;

struct Phc {
    Argon2Params params;
    std::string salt;
    std::string hash;
};

Unexpected malformed(std::string_view why)
{
    return unexpected(Errc::Invalid, "argon2id PHC string: " + std::string(why));
}

// Consumes `prefix` from the front of text; false if it is not there.
bool consume(std::string_view& text, std::string_view prefix)
{
    if (text.substr(0, prefix.size()) != prefix) {
        return false;
    }
    text.remove_prefix(prefix.size());
    return true;
}

// A decimal without sign or leading zeros, up to `stop` (not consumed).
std::optional<std::uint32_t> take_number(std::string_view& text, char stop)
{
    const std::size_t end = text.find(stop);
    const std::string_view digits = text.substr(0, end);
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) {
        return std::nullopt;
    }
    text.remove_prefix(digits.size());
    return value;
}

Result<Phc> parse_phc(std::string_view text)
{
    // $argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt-b64>$<hash-b64>  (base64 without padding)
    if (!consume(text, "$argon2id$")) {
        return malformed("not an argon2id string");
    }
    if (!consume(text, "v=19$")) {
        return malformed("unsupported version (want v=19)");
    }
    Phc phc;
    std::optional<std::uint32_t> m;
    std::optional<std::uint32_t> t;
    std::optional<std::uint32_t> p;
    if (!consume(text, "m=") || !(m = take_number(text, ',')) || !consume(text, ",t=") ||
        !(t = take_number(text, ',')) || !consume(text, ",p=") || !(p = take_number(text, '$')) ||
        !consume(text, "$")) {
        return malformed("bad parameter list");
    }
    if (*t < 1 || *t > max_passes || *p < 1 || *p > max_lanes || *m < 8 * *p ||
        *m > max_memory_kib) {
        return malformed("parameters out of range");
    }
    phc.params = Argon2Params{*t, *m, *p};

    const std::size_t dollar = text.find('$');
    if (dollar == std::string_view::npos) {
        return malformed("missing hash");
    }
    Result<std::string> salt = decode_base64(text.substr(0, dollar), Padding::Omitted);
    Result<std::string> hash = decode_base64(text.substr(dollar + 1), Padding::Omitted);
    if (!salt || !hash) {
        return malformed("bad base64 in salt or hash");
    }
    if (salt->size() < min_salt_bytes || salt->size() > max_salt_bytes ||
        hash->size() < min_hash_bytes || hash->size() > max_hash_bytes) {
        return malformed("salt or hash length out of range");
    }
    phc.salt = std::move(*salt);
    phc.hash = std::move(*hash);
    return phc;
}

Result<std::string> raw_argon2id(std::string_view plaintext, std::string_view salt,
                                 const Argon2Params& params, std::size_t length)
{
    std::string out(length, '\0');
    const int rc =
        argon2id_hash_raw(params.passes, params.memory_kib, params.lanes, plaintext.data(),
                          plaintext.size(), salt.data(), salt.size(), out.data(), out.size());
    if (rc != ARGON2_OK) {
        return unexpected(Errc::Internal,
                          std::string("argon2id_hash_raw: ") + argon2_error_message(rc));
    }
    return out;
}

}  // namespace

Result<std::string> hash_password_with_salt(std::string_view plaintext, std::string_view salt,
                                            const Argon2Params& params)
{
    if (plaintext.size() > max_password_bytes) {
        return unexpected(Errc::Invalid,
                          "password longer than " + std::to_string(max_password_bytes) + " bytes");
    }
    if (salt.size() < min_salt_bytes || salt.size() > max_salt_bytes) {
        return unexpected(Errc::Invalid, "argon2 salt length out of range");
    }
    Result<std::string> hash = raw_argon2id(plaintext, salt, params, argon2_hash_bytes);
    HARBOR_TRY(hash);
    return "$argon2id$v=19$m=" + std::to_string(params.memory_kib) +
           ",t=" + std::to_string(params.passes) + ",p=" + std::to_string(params.lanes) + "$" +
           encode_base64(salt, Padding::Omitted) + "$" + encode_base64(*hash, Padding::Omitted);
}

Result<std::string> hash_password(std::string_view plaintext)
{
    std::string salt(argon2_salt_bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
        1) {
        return unexpected(Errc::Internal, "RAND_bytes failed");
    }
    return hash_password_with_salt(plaintext, salt);
}

Result<bool> verify_password(std::string_view plaintext, std::string_view phc)
{
    Result<Phc> parsed = parse_phc(phc);
    HARBOR_TRY(parsed);
    if (plaintext.size() > max_password_bytes) {
        // Still a definite "no": no stored password can be this long.
        return false;
    }
    Result<std::string> computed =
        raw_argon2id(plaintext, parsed->salt, parsed->params, parsed->hash.size());
    HARBOR_TRY(computed);
    // Constant time, so the comparison leaks nothing about how many bytes matched.
    return CRYPTO_memcmp(computed->data(), parsed->hash.data(), parsed->hash.size()) == 0;
}

}  // namespace harbor::sasl
