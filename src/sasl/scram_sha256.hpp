// SCRAM-SHA-256 (RFC 5802, RFC 7677): stored credentials and the server side of the exchange as a
// pure state machine (no I/O, no randomness inside: the caller supplies the server nonce).
// SECURITY: client messages are untrusted; each is bounded by max_scram_message, parsed field by
// field, and the proof is checked with a constant-time comparison.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::sasl {

inline constexpr std::uint32_t scram_min_iterations = 4096;        // RFC 7677 §4
inline constexpr std::uint32_t scram_max_iterations = 10'000'000;  // bounds a login's CPU
inline constexpr std::size_t scram_salt_bytes = 16;
inline constexpr std::size_t max_scram_message = 4096;
inline constexpr std::size_t max_scram_username = 1024;

using ScramKey = std::array<unsigned char, 32>;  // SHA-256 output

// What the server stores instead of the password (RFC 5802 §3).
struct ScramCredentials {
    std::string salt;  // raw bytes
    std::uint32_t iterations = scram_min_iterations;
    ScramKey stored_key{};  // H(HMAC(SaltedPassword, "Client Key"))
    ScramKey server_key{};  // HMAC(SaltedPassword, "Server Key")
    friend bool operator==(const ScramCredentials&, const ScramCredentials&) = default;
};

// SaltedPassword = Hi(Normalize(password), salt, i) and the keys derived from it.
// DEVIATION(RFC 5802 §2.2, RFC 4013): Normalize() is not full SASLprep. The password is used as
// its UTF-8 bytes; ASCII control characters are refused. ASCII passwords are unaffected; a
// non-ASCII password only works with clients that send the same (e.g. NFC) form.
// Errc::Invalid for an empty salt, iterations out of range or a password with control characters.
Result<ScramCredentials> derive_scram_credentials(std::string_view password, std::string_view salt,
                                                  std::uint32_t iterations = scram_min_iterations);

// As above with a fresh random salt of scram_salt_bytes (OpenSSL RAND_bytes).
Result<ScramCredentials> make_scram_credentials(std::string_view password);

// The storage form "salt-b64:iterations:storedkey-b64:serverkey-b64" (store::Credentials).
std::string format_scram_credentials(const ScramCredentials& credentials);
Result<ScramCredentials> parse_scram_credentials(std::string_view text);

// A printable random nonce (RFC 5802 §5.1 "r="), 24 random bytes in base64.
Result<std::string> make_scram_nonce();

// client-first-message (RFC 5802 §7).
struct ScramClientFirst {
    std::string gs2_header;  // "n,," or "y,," or "n,a=authzid," — echoed in c= later
    std::string authzid;     // decoded; empty if absent
    std::string username;    // decoded saslname ("=2C" -> ',', "=3D" -> '=')
    std::string nonce;
    std::string bare;  // client-first-message-bare, part of AuthMessage
};
// Errc::Invalid for a syntax error or a forbidden character in a name, Errc::Unsupported for
// channel binding ("p=") or a mandatory extension ("m=").
Result<ScramClientFirst> parse_scram_client_first(std::string_view message);

// client-final-message (RFC 5802 §7).
struct ScramClientFinal {
    std::string channel_binding;  // decoded c=
    std::string nonce;
    std::string proof;          // decoded p=, raw bytes
    std::string without_proof;  // client-final-message-without-proof, part of AuthMessage
};
Result<ScramClientFinal> parse_scram_client_final(std::string_view message);

// The server side of one exchange:
//   ScramServer s;
//   auto first = s.receive_client_first(msg);      // -> username to look up
//   auto challenge = s.make_server_first(creds, *make_scram_nonce());
//   auto last = s.receive_client_final(msg2);      // -> "v=..." on success
// Each step fails with Errc::Invalid (syntax), Errc::Unsupported, Errc::Permission (wrong proof,
// detail "invalid-proof") or Errc::Internal when called out of order. After a failure the
// exchange is over.
class ScramServer {
public:
    enum class State {
        AwaitingClientFirst,
        AwaitingCredentials,
        AwaitingClientFinal,
        Done,
        Failed
    };

    Result<ScramClientFirst> receive_client_first(std::string_view message);

    // To avoid revealing whether a user exists, the caller passes made-up credentials for an
    // unknown user (derived from a server secret) and lets the proof fail.
    Result<std::string> make_server_first(const ScramCredentials& credentials,
                                          std::string_view server_nonce);

    // Verifies the proof; on success returns the server-final-message "v=<ServerSignature>".
    Result<std::string> receive_client_final(std::string_view message);

    State state() const { return state_; }
    const std::string& username() const { return client_first_.username; }
    // Non-empty when the client asks to act as another identity (RFC 5802 §5.1 "a="); the
    // caller must authorise that or refuse the exchange.
    const std::string& authzid() const { return client_first_.authzid; }

private:
    Unexpected fail(Errc code, std::string detail);

    State state_ = State::AwaitingClientFirst;
    ScramClientFirst client_first_;
    ScramCredentials credentials_;
    std::string server_first_;
    std::string combined_nonce_;
};

}  // namespace harbor::sasl
