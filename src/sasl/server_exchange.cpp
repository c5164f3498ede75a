// SASL server exchanges: mechanism names (RFC 4422 §3.1), PLAIN (RFC 4616 §2), LOGIN
// (draft-murchison-sasl-login §2) and SCRAM-SHA-256 (RFC 5802 §3, §5; RFC 7677) over ScramServer.
// SECURITY: every response is bounded (max_client_response) and every name and password passes
// check_sasl_string(); an unknown SCRAM user gets keyed made-up credentials, never an early "no".
#include "sasl/server_exchange.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "core/ascii.hpp"
#include "core/assert.hpp"
#include "sasl/sasl_string.hpp"

namespace harbor::sasl {
namespace {

constexpr std::array<std::string_view, 3> offered_mechanisms = {"SCRAM-SHA-256", "PLAIN", "LOGIN"};

// draft-murchison-sasl-login §2 suggests "User Name" and "Password"; clients ignore the text
// (§1), and "Username:" / "Password:" is what deployed servers send and old clients expect.
constexpr std::string_view login_username_challenge = "Username:";
constexpr std::string_view login_password_challenge = "Password:";

// A name (authcid or authzid): non-empty, bounded, a SASL string.
Result<void> check_identity(std::string_view name, std::string_view what)
{
    if (name.empty()) {
        return unexpected(Errc::Invalid, "sasl: empty " + std::string(what));
    }
    if (name.size() > max_sasl_identity) {
        return unexpected(Errc::Invalid, "sasl: " + std::string(what) + " too long");
    }
    if (Result<void> checked = check_sasl_string(name); !checked) {
        return unexpected(Errc::Invalid,
                          "sasl: " + std::string(what) + ": " + checked.error().detail);
    }
    return ok();
}

Result<void> check_password(std::string_view password)
{
    if (password.empty()) {
        return unexpected(Errc::Invalid, "sasl: empty password");
    }
    if (password.size() > max_password_bytes) {
        return unexpected(Errc::Invalid, "sasl: password too long");
    }
    // The password policy refuses control characters, so no stored password has one; the
    // detail would echo an offset into the password, so it is dropped.
    if (!check_sasl_string(password)) {
        return unexpected(Errc::Invalid, "sasl: password is not a valid SASL string");
    }
    return ok();
}

// We authenticate an identity and authorise only that identity: an authzid naming someone else
// is proxy authorisation (RFC 4422 §3.4.1), which Harbor does not offer. Names are compared
// ignoring ASCII case because the directory looks accounts up that way.
bool is_own_authzid(std::string_view authzid, std::string_view authcid)
{
    return authzid.empty() || iequals(authzid, authcid);
}

ScramKey keyed_digest(std::string_view secret, std::string_view label, std::string_view name)
{
    std::string data(label);
    data += '\0';
    for (const char c : name) {
        data += ascii_lower(c);
    }
    ScramKey out{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
    return out;
}

}  // namespace

Result<Mechanism> parse_mechanism(std::string_view name)
{
    if (name.size() <= max_mechanism_name) {
        if (iequals(name, "PLAIN")) {
            return Mechanism::Plain;
        }
        if (iequals(name, "LOGIN")) {
            return Mechanism::Login;
        }
        if (iequals(name, "SCRAM-SHA-256")) {
            return Mechanism::ScramSha256;
        }
    }
    return unexpected(Errc::Unsupported, "sasl: mechanism not offered");
}

std::string_view mechanism_name(Mechanism mechanism)
{
    switch (mechanism) {
        case Mechanism::Plain:
            return "PLAIN";
        case Mechanism::Login:
            return "LOGIN";
        case Mechanism::ScramSha256:
            return "SCRAM-SHA-256";
    }
    HARBOR_UNREACHABLE();
    return {};
}

std::span<const std::string_view> mechanism_names()
{
    return offered_mechanisms;
}

Result<ScramCredentials> make_mock_scram_credentials(std::string_view username,
                                                     std::string_view secret,
                                                     std::uint32_t iterations)
{
    if (secret.empty()) {
        return unexpected(Errc::Internal, "sasl: no secret for made-up SCRAM credentials");
    }
    ScramCredentials credentials;
    const ScramKey salt = keyed_digest(secret, "harbor scram mock salt", username);
    // Real salts are scram_salt_bytes long (make_scram_credentials); a different length would
    // tell the two apart.
    credentials.salt.assign(reinterpret_cast<const char*>(salt.data()), scram_salt_bytes);
    credentials.iterations = iterations;
    credentials.stored_key = keyed_digest(secret, "harbor scram mock stored key", username);
    credentials.server_key = keyed_digest(secret, "harbor scram mock server key", username);
    return credentials;
}

ServerExchange::ServerExchange(Mechanism mechanism, ExchangeSettings settings)
    : mechanism_(mechanism), settings_(std::move(settings))
{
}

std::string ServerExchange::initial_challenge() const
{
    // RFC 4422 §3.3: a client-first mechanism without an initial response gets an empty
    // challenge; LOGIN is server-first.
    return mechanism_ == Mechanism::Login ? std::string(login_username_challenge) : std::string();
}

Step ServerExchange::step(std::string_view response)
{
    if (state_ == State::Failed || state_ == State::Done) {
        return fail(Errc::Internal, "sasl: exchange already over");
    }
    if (response.size() > max_client_response) {
        return fail(Errc::Invalid, "sasl: response too long");
    }
    switch (state_) {
        case State::Start:
            if (mechanism_ == Mechanism::Plain) {
                return step_plain(response);
            }
            if (mechanism_ == Mechanism::Login) {
                return step_login(response);
            }
            return step_scram_first(response);
        case State::AwaitingLoginPassword:
            return step_login(response);
        case State::AwaitingScramFinal:
            return step_scram_final(response);
        case State::AwaitingSuccessAck:
            // RFC 4422 §3.6: the response to additional data sent as a challenge must be empty.
            if (!response.empty()) {
                return fail(Errc::Invalid, "sasl: expected an empty response");
            }
            return succeed({});
        default:
            return fail(Errc::Internal, "sasl: client response out of order");
    }
}

// message = [authzid] UTF8NUL authcid UTF8NUL passwd   (RFC 4616 §2)
Step ServerExchange::step_plain(std::string_view response)
{
    const std::size_t first_nul = response.find('\0');
    if (first_nul == std::string_view::npos) {
        return fail(Errc::Invalid, "sasl: PLAIN response has no NUL separators");
    }
    const std::size_t second_nul = response.find('\0', first_nul + 1);
    if (second_nul == std::string_view::npos) {
        return fail(Errc::Invalid, "sasl: PLAIN response needs two NUL separators");
    }
    const std::string_view authzid = response.substr(0, first_nul);
    const std::string_view authcid = response.substr(first_nul + 1, second_nul - first_nul - 1);
    const std::string_view password = response.substr(second_nul + 1);
    if (!authzid.empty()) {
        if (Result<void> checked = check_identity(authzid, "authzid"); !checked) {
            return fail(std::move(checked).error());
        }
    }
    if (Result<void> checked = check_identity(authcid, "authcid"); !checked) {
        return fail(std::move(checked).error());
    }
    // A third NUL lands in the password, where check_password() refuses it as a control.
    if (Result<void> checked = check_password(password); !checked) {
        return fail(std::move(checked).error());
    }
    return need_password_check(std::string(authzid), std::string(authcid), std::string(password));
}

// draft-murchison-sasl-login §2: the user name answers the first challenge, the password the
// second. LOGIN has no authzid.
Step ServerExchange::step_login(std::string_view response)
{
    if (state_ == State::Start) {
        if (Result<void> checked = check_identity(response, "user name"); !checked) {
            return fail(std::move(checked).error());
        }
        authcid_ = std::string(response);
        state_ = State::AwaitingLoginPassword;
        Step next;
        next.kind = Step::Kind::Challenge;
        next.challenge = std::string(login_password_challenge);
        next.authcid = authcid_;
        return next;
    }
    if (Result<void> checked = check_password(response); !checked) {
        return fail(std::move(checked).error());
    }
    return need_password_check({}, authcid_, std::string(response));
}

Step ServerExchange::step_scram_first(std::string_view response)
{
    Result<ScramClientFirst> first = scram_.receive_client_first(response);
    if (!first) {
        return fail(std::move(first).error());
    }
    authcid_ = first->username;
    authzid_ = first->authzid;
    // RFC 5802 §5.1 "a=": the server must refuse an authzid it does not authorise.
    if (!is_own_authzid(authzid_, authcid_)) {
        return fail(Errc::Permission, "sasl: proxy authorization not supported");
    }
    state_ = State::AwaitingScramCredentials;
    Step next;
    next.kind = Step::Kind::NeedScramCredentials;
    next.authcid = authcid_;
    next.authzid = authzid_;
    return next;
}

Step ServerExchange::provide_scram_credentials(const Result<ScramCredentials>& lookup)
{
    if (state_ != State::AwaitingScramCredentials) {
        return fail(Errc::Internal, "sasl: SCRAM credentials out of order");
    }
    ScramCredentials credentials;
    if (lookup) {
        credentials = *lookup;
    } else if (lookup.error().code == Errc::NotFound) {
        // An unknown user gets a salt and iteration count like a real one and fails at the
        // proof, as a wrong password does: a different answer here (an error, or a random salt
        // that changes on every attempt) would let anyone enumerate accounts.
        Result<ScramCredentials> mock =
            make_mock_scram_credentials(authcid_, settings_.mock_secret, settings_.mock_iterations);
        if (!mock) {
            return fail(std::move(mock).error());
        }
        credentials = std::move(*mock);
        mock_credentials_ = true;
    } else {
        return fail(lookup.error());
    }
    Result<std::string> nonce = make_scram_nonce();
    if (!nonce) {
        return fail(std::move(nonce).error());
    }
    Result<std::string> server_first = scram_.make_server_first(credentials, *nonce);
    if (!server_first) {
        return fail(std::move(server_first).error());
    }
    state_ = State::AwaitingScramFinal;
    Step next;
    next.kind = Step::Kind::Challenge;
    next.challenge = std::move(*server_first);
    next.authcid = authcid_;
    next.authzid = authzid_;
    return next;
}

Step ServerExchange::step_scram_final(std::string_view response)
{
    Result<std::string> server_final = scram_.receive_client_final(response);
    if (!server_final) {
        return fail(std::move(server_final).error());
    }
    // Made-up keys have no password behind them; should a proof ever match one, it still fails.
    if (mock_credentials_) {
        return fail(Errc::Permission, "scram: invalid-proof");
    }
    if (settings_.success_data == SuccessData::AsChallenge) {
        state_ = State::AwaitingSuccessAck;
        Step next;
        next.kind = Step::Kind::Challenge;
        next.challenge = std::move(*server_final);
        next.authcid = authcid_;
        next.authzid = authzid_;
        return next;
    }
    return succeed(std::move(*server_final));
}

Step ServerExchange::need_password_check(std::string authzid, std::string authcid,
                                         std::string password)
{
    authcid_ = std::move(authcid);
    authzid_ = std::move(authzid);
    if (!is_own_authzid(authzid_, authcid_)) {
        return fail(Errc::Permission, "sasl: proxy authorization not supported");
    }
    state_ = State::AwaitingPasswordCheck;
    Step next;
    next.kind = Step::Kind::NeedPasswordCheck;
    next.authcid = authcid_;
    next.authzid = authzid_;
    next.password = std::move(password);  // the exchange keeps no copy
    return next;
}

Step ServerExchange::complete_password_check(const Result<void>& verdict)
{
    if (state_ != State::AwaitingPasswordCheck) {
        return fail(Errc::Internal, "sasl: password check out of order");
    }
    if (!verdict) {
        return fail(verdict.error());
    }
    return succeed({});
}

Step ServerExchange::succeed(std::string additional_data)
{
    state_ = State::Done;
    Step done;
    done.kind = Step::Kind::Success;
    done.additional_data = std::move(additional_data);
    done.authcid = authcid_;
    done.authzid = authzid_;
    return done;
}

Step ServerExchange::fail(Errc code, std::string detail)
{
    return fail(Error{code, std::move(detail)});
}

Step ServerExchange::fail(Error error)
{
    state_ = State::Failed;
    Step failed;
    failed.kind = Step::Kind::Failure;
    failed.authcid = authcid_;
    failed.authzid = authzid_;
    failed.error = std::move(error);
    return failed;
}

}  // namespace harbor::sasl
