// The server side of one SASL authentication exchange (RFC 4422 §3) for PLAIN (RFC 4616), LOGIN
// (draft-murchison-sasl-login) and SCRAM-SHA-256 (RFC 5802, RFC 7677): a pure state machine that
// SMTP AUTH (RFC 4954), IMAP AUTHENTICATE and POP3 AUTH drive alike. It does no I/O and knows no
// directory: where credentials must be checked it returns a Need* step and the caller answers.
// SECURITY: client responses are untrusted and already base64-decoded by the caller; each is
// bounded by max_client_response, names by max_sasl_identity and passwords by max_password_bytes,
// and checked as SASL strings (UTF-8, no control characters). An unknown SCRAM user gets made-up
// credentials derived from a server secret, so the exchange looks the same and fails at the
// proof. Fuzzed by fuzz_sasl_exchange.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "sasl/password_hash.hpp"
#include "sasl/scram_sha256.hpp"
#include "sasl/verified_passwords.hpp"

namespace harbor::sasl {

enum class Mechanism { Plain, Login, ScramSha256 };

inline constexpr std::size_t max_mechanism_name = 20;                 // RFC 4422 §3.1
inline constexpr std::size_t max_sasl_identity = max_scram_username;  // authcid, authzid
// The largest decoded client response any mechanism needs: PLAIN's two names, two NULs and a
// password. Anything longer is refused before it is looked at.
inline constexpr std::size_t max_client_response = 2 * max_sasl_identity + 2 + max_password_bytes;

// Case-insensitive (protocols compare mechanism names as atoms; RFC 4422 §3.1 names are upper
// case). Errc::Unsupported for a name we do not offer, including a malformed one.
Result<Mechanism> parse_mechanism(std::string_view name);
std::string_view mechanism_name(Mechanism mechanism);  // "PLAIN", "LOGIN", "SCRAM-SHA-256"
// Every mechanism Harbor offers, strongest first (the order for EHLO and CAPABILITY).
std::span<const std::string_view> mechanism_names();

// How the SCRAM server-final-message ("v=...", RFC 5802 §3) reaches the client. RFC 4422 §3.6:
// a protocol that cannot carry additional data with the outcome (SMTP's 235 cannot, RFC 4954
// §4) sends it as one more challenge and requires an empty response.
enum class SuccessData { AsChallenge, WithOutcome };

struct ExchangeSettings {
    // Key for the made-up SCRAM salt of unknown users. At least 16 random bytes, and stable
    // across restarts: a salt that changes after a restart while real ones do not would tell.
    std::string mock_secret;
    SuccessData success_data = SuccessData::AsChallenge;
    // What make_scram_credentials() uses for real accounts, so made-up ones look the same.
    std::uint32_t mock_iterations = scram_min_iterations;
    // Passwords argon2 accepted lately, shared by every protocol's sessions; null: none kept.
    std::shared_ptr<VerifiedPasswords> verified_passwords;
};

// One step's outcome. Only the fields named for the kind are set.
struct Step {
    enum class Kind {
        Challenge,             // send `challenge` (raw bytes; the caller base64-encodes it)
        NeedPasswordCheck,     // verify authcid/password, then call complete_password_check()
        NeedScramCredentials,  // look up authcid's SCRAM keys, then provide_scram_credentials()
        Success,               // authenticated as authcid; `additional_data` with WithOutcome
        Failure,               // `error`; the exchange is over
    };
    Kind kind = Kind::Failure;
    std::string challenge;
    std::string additional_data;
    std::string authcid;   // the authentication identity, once known (also on Failure, for logs)
    std::string authzid;   // as the client sent it; empty or equal to authcid (no proxy auth)
    std::string password;  // NeedPasswordCheck only: drop it as soon as it has been checked
    Error error;
};

// One exchange per AUTH/AUTHENTICATE command:
//
//   ServerExchange exchange(*parse_mechanism(name), settings);
//   Step step = initial_response ? exchange.step(*initial_response)
//                                : Step{Challenge, exchange.initial_challenge()};
//   loop: Challenge -> send it, read the response, step(response)
//         NeedPasswordCheck -> Directory::authenticate() off the io thread, then
//                              complete_password_check()
//         NeedScramCredentials -> load and parse the account's Credentials::scram_sha256, then
//                              provide_scram_credentials()
//         Success / Failure -> done
//
// The protocol layer handles the client's "*" cancel (RFC 4954 §4, RFC 9051 §6.2.2) itself: it
// ends the exchange without calling step(). On Success the caller still applies is_allowed().
//
// Failures: Errc::Invalid for a malformed response, Errc::Permission for wrong credentials or a
// refused authzid, Errc::Unsupported for a SCRAM feature we lack (channel binding, "m="), the
// caller's own error (TempFail ...) passed back, Errc::Internal for a call out of order (a
// caller bug). After a Failure every call fails again.
class ServerExchange {
public:
    ServerExchange(Mechanism mechanism, ExchangeSettings settings);

    Mechanism mechanism() const { return mechanism_; }

    // What to send when the client gave no initial response (RFC 4422 §3.3): "Username:" for
    // LOGIN, empty for the client-first mechanisms PLAIN and SCRAM.
    std::string initial_challenge() const;

    // The client's next (decoded) response: the initial response or an answer to a challenge.
    Step step(std::string_view response);

    // After NeedPasswordCheck: success, or the check's error. Permission (wrong password,
    // unknown user) stays Permission; anything else (TempFail) is passed back unchanged.
    Step complete_password_check(const Result<void>& verdict);

    // After NeedScramCredentials: the account's keys, or Errc::NotFound for an unknown or
    // disabled account or one without SCRAM keys (made-up keys are used and the proof fails),
    // or another error (TempFail) that ends the exchange.
    Step provide_scram_credentials(const Result<ScramCredentials>& lookup);

private:
    enum class State {
        Start,
        AwaitingLoginPassword,
        AwaitingPasswordCheck,
        AwaitingScramCredentials,
        AwaitingScramFinal,
        AwaitingSuccessAck,
        Done,
        Failed,
    };

    Step step_plain(std::string_view response);
    Step step_login(std::string_view response);
    Step step_scram_first(std::string_view response);
    Step step_scram_final(std::string_view response);
    Step need_password_check(std::string authzid, std::string authcid, std::string password);
    Step succeed(std::string additional_data);
    Step fail(Errc code, std::string detail);
    Step fail(Error error);

    Mechanism mechanism_;
    ExchangeSettings settings_;
    State state_ = State::Start;
    std::string authcid_;
    std::string authzid_;
    ScramServer scram_;
    bool mock_credentials_ = false;
};

// The made-up credentials for an unknown SCRAM user: salt and keys are HMAC-SHA-256 of the
// (ASCII lower-cased) username under the secret, so the same name always gets the same salt.
// Exposed for tests. Errc::Internal if the secret is empty.
Result<ScramCredentials> make_mock_scram_credentials(std::string_view username,
                                                     std::string_view secret,
                                                     std::uint32_t iterations);

}  // namespace harbor::sasl
