// Unit tests for sasl/server_exchange: mechanism names (RFC 4422 §3.1), PLAIN forms (RFC 4616
// §2), LOGIN's two steps, full SCRAM-SHA-256 exchanges against an independent test client (RFC
// 5802, RFC 7677), made-up credentials for unknown users, and calls out of order.
#include "sasl/server_exchange.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/base64.hpp"
#include "sasl/scram_client_for_test.hpp"

namespace harbor::sasl {
namespace {

using testing::ScramClientForTest;
using Kind = Step::Kind;

ExchangeSettings test_settings(SuccessData success_data = SuccessData::AsChallenge)
{
    ExchangeSettings settings;
    settings.mock_secret = "0123456789abcdef0123456789abcdef";
    settings.success_data = success_data;
    return settings;
}

std::string plain(std::string_view authzid, std::string_view authcid, std::string_view password)
{
    std::string message(authzid);
    message += '\0';
    message += authcid;
    message += '\0';
    message += password;
    return message;
}

// Derived once: PBKDF2 with 4096 iterations is too slow to repeat in every test.
const ScramCredentials& pencil_credentials()
{
    static const ScramCredentials credentials = [] {
        Result<ScramCredentials> made = make_scram_credentials("pencil pencil");
        EXPECT_TRUE(made);
        return *made;
    }();
    return credentials;
}

// The server-first-message's attributes (RFC 5802 §7: r=, s=, i=).
struct ServerFirst {
    std::string nonce;
    std::string salt;  // decoded
    std::string iterations;
};

ServerFirst split_server_first(const std::string& message)
{
    ServerFirst out;
    const std::size_t salt_at = message.find(",s=");
    const std::size_t iterations_at = message.find(",i=");
    EXPECT_EQ(message.rfind("r=", 0), 0u) << message;
    EXPECT_NE(salt_at, std::string::npos) << message;
    EXPECT_NE(iterations_at, std::string::npos) << message;
    if (salt_at == std::string::npos || iterations_at == std::string::npos) {
        return out;
    }
    out.nonce = message.substr(2, salt_at - 2);
    Result<std::string> salt =
        decode_base64(message.substr(salt_at + 3, iterations_at - salt_at - 3));
    EXPECT_TRUE(salt) << message;
    out.salt = salt ? *salt : std::string();
    out.iterations = message.substr(iterations_at + 3);
    return out;
}

// Runs a SCRAM exchange up to the server-first-message; the lookup answers with `lookup`.
Step start_scram(ServerExchange& exchange, ScramClientForTest& client,
                 const Result<ScramCredentials>& lookup)
{
    const Step first = exchange.step(client.client_first());
    EXPECT_EQ(first.kind, Kind::NeedScramCredentials) << first.error.to_string();
    return exchange.provide_scram_credentials(lookup);
}

TEST(SaslMechanism, ParsesNamesIgnoringCase)
{
    EXPECT_EQ(*parse_mechanism("PLAIN"), Mechanism::Plain);
    EXPECT_EQ(*parse_mechanism("plain"), Mechanism::Plain);
    EXPECT_EQ(*parse_mechanism("Login"), Mechanism::Login);
    EXPECT_EQ(*parse_mechanism("scram-sha-256"), Mechanism::ScramSha256);
    for (const std::string_view bad : {"", "CRAM-MD5", "PLAINX", "PLAI", "SCRAM-SHA-256-PLUS",
                                       "SCRAM-SHA-1", "PLAIN ", "XXXXXXXXXXXXXXXXXXXXXPLAIN"}) {
        Result<Mechanism> parsed = parse_mechanism(bad);
        ASSERT_FALSE(parsed) << bad;
        EXPECT_EQ(parsed.error().code, Errc::Unsupported) << bad;
    }
    const std::vector<std::string_view> names(mechanism_names().begin(), mechanism_names().end());
    EXPECT_EQ(names, (std::vector<std::string_view>{"SCRAM-SHA-256", "PLAIN", "LOGIN"}));
    for (const std::string_view name : names) {
        Result<Mechanism> parsed = parse_mechanism(name);
        ASSERT_TRUE(parsed) << name;
        EXPECT_EQ(mechanism_name(*parsed), name);
    }
}

TEST(SaslExchange, InitialChallenges)
{
    EXPECT_EQ(ServerExchange(Mechanism::Plain, test_settings()).initial_challenge(), "");
    EXPECT_EQ(ServerExchange(Mechanism::Login, test_settings()).initial_challenge(), "Username:");
    EXPECT_EQ(ServerExchange(Mechanism::ScramSha256, test_settings()).initial_challenge(), "");
}

struct PlainGoodCase {
    const char* name;
    std::string input;
    std::string want_authzid;
    std::string want_authcid;
    std::string want_password;
};

TEST(SaslPlain, AcceptsWellFormedMessages)
{
    const PlainGoodCase cases[] = {
        {"no authzid", plain("", "user@example.org", "pencil"), "", "user@example.org", "pencil"},
        {"authzid equal", plain("user@example.org", "user@example.org", "pencil"),
         "user@example.org", "user@example.org", "pencil"},
        {"authzid differs in case", plain("User@Example.org", "user@example.org", "pencil"),
         "User@Example.org", "user@example.org", "pencil"},
        {"utf-8 and spaces", plain("", "J\xc3\xbcrgen", "pen cil \xe2\x82\xac"), "",
         "J\xc3\xbcrgen", "pen cil \xe2\x82\xac"},
        {"longest fields",
         plain("", std::string(max_sasl_identity, 'u'), std::string(max_password_bytes, 'p')), "",
         std::string(max_sasl_identity, 'u'), std::string(max_password_bytes, 'p')},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        ServerExchange exchange(Mechanism::Plain, test_settings());
        const Step step = exchange.step(c.input);
        ASSERT_EQ(step.kind, Kind::NeedPasswordCheck) << step.error.to_string();
        EXPECT_EQ(step.authzid, c.want_authzid);
        EXPECT_EQ(step.authcid, c.want_authcid);
        EXPECT_EQ(step.password, c.want_password);

        const Step done = exchange.complete_password_check(ok());
        ASSERT_EQ(done.kind, Kind::Success);
        EXPECT_EQ(done.authcid, c.want_authcid);
        EXPECT_EQ(done.authzid, c.want_authzid);
        EXPECT_TRUE(done.additional_data.empty());
        EXPECT_TRUE(done.password.empty());
    }
}

struct BadCase {
    const char* name;
    std::string input;
    Errc want;
};

TEST(SaslPlain, RejectsMalformedMessages)
{
    const std::string big_name(max_sasl_identity + 1, 'u');
    const std::string big_password(max_password_bytes + 1, 'p');
    const BadCase cases[] = {
        {"empty", "", Errc::Invalid},
        {"no NUL", "userpencil", Errc::Invalid},
        {"one NUL", std::string("user\0pencil", 11), Errc::Invalid},
        {"empty authcid", plain("", "", "pencil"), Errc::Invalid},
        {"empty password", plain("", "user", ""), Errc::Invalid},
        {"all empty", plain("", "", ""), Errc::Invalid},
        {"third NUL", plain("", "user", std::string("pen\0cil", 7)), Errc::Invalid},
        {"control in authcid", plain("", "us\ter", "pencil"), Errc::Invalid},
        {"control in authzid", plain("a\x01", "user", "pencil"), Errc::Invalid},
        {"control in password", plain("", "user", "pen\ncil"), Errc::Invalid},
        {"invalid utf-8 authcid", plain("", "us\xff", "pencil"), Errc::Invalid},
        {"invalid utf-8 password", plain("", "user", "pen\xc3"), Errc::Invalid},
        {"authcid too long", plain("", big_name, "pencil"), Errc::Invalid},
        {"authzid too long", plain(big_name, "user", "pencil"), Errc::Invalid},
        {"password too long", plain("", "user", big_password), Errc::Invalid},
        {"response too long", std::string(max_client_response + 1, '\0'), Errc::Invalid},
        {"proxy authorization", plain("admin@example.org", "user@example.org", "pencil"),
         Errc::Permission},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        ServerExchange exchange(Mechanism::Plain, test_settings());
        const Step step = exchange.step(c.input);
        ASSERT_EQ(step.kind, Kind::Failure);
        EXPECT_EQ(step.error.code, c.want) << step.error.to_string();
        EXPECT_TRUE(step.password.empty());
        // The exchange is over: neither a retry nor a verdict can revive it.
        EXPECT_EQ(exchange.step(plain("", "user", "pencil")).error.code, Errc::Internal);
        EXPECT_EQ(exchange.complete_password_check(ok()).kind, Kind::Failure);
    }
}

// Every prefix of a good message: a clean failure until the password has a byte, then a
// password check for that shorter password.
TEST(SaslPlain, PrefixesFailCleanly)
{
    const std::string message = plain("user", "user", "pencil");
    const std::size_t password_at = message.rfind('\0') + 1;
    for (std::size_t length = 0; length <= message.size(); ++length) {
        ServerExchange exchange(Mechanism::Plain, test_settings());
        const Step step = exchange.step(message.substr(0, length));
        if (length <= password_at) {
            EXPECT_EQ(step.kind, Kind::Failure) << length;
            EXPECT_EQ(step.error.code, Errc::Invalid) << length;
        } else {
            EXPECT_EQ(step.kind, Kind::NeedPasswordCheck) << length;
            EXPECT_EQ(step.password, message.substr(password_at, length - password_at));
        }
    }
}

TEST(SaslPlain, PassesTheVerdictOn)
{
    ServerExchange wrong(Mechanism::Plain, test_settings());
    ASSERT_EQ(wrong.step(plain("", "user", "pencil")).kind, Kind::NeedPasswordCheck);
    const Step refused =
        wrong.complete_password_check(unexpected(Errc::Permission, "invalid credentials"));
    ASSERT_EQ(refused.kind, Kind::Failure);
    EXPECT_EQ(refused.error.code, Errc::Permission);
    EXPECT_EQ(refused.authcid, "user");

    ServerExchange unavailable(Mechanism::Plain, test_settings());
    ASSERT_EQ(unavailable.step(plain("", "user", "pencil")).kind, Kind::NeedPasswordCheck);
    const Step deferred =
        unavailable.complete_password_check(unexpected(Errc::TempFail, "store busy"));
    ASSERT_EQ(deferred.kind, Kind::Failure);
    EXPECT_EQ(deferred.error.code, Errc::TempFail);
}

TEST(SaslLogin, TwoSteps)
{
    ServerExchange exchange(Mechanism::Login, test_settings());
    const Step asked = exchange.step("user@example.org");
    ASSERT_EQ(asked.kind, Kind::Challenge) << asked.error.to_string();
    EXPECT_EQ(asked.challenge, "Password:");
    const Step check = exchange.step("pencil");
    ASSERT_EQ(check.kind, Kind::NeedPasswordCheck);
    EXPECT_EQ(check.authcid, "user@example.org");
    EXPECT_EQ(check.authzid, "");
    EXPECT_EQ(check.password, "pencil");
    // A response while the password is being checked is out of order.
    ServerExchange early(Mechanism::Login, test_settings());
    ASSERT_EQ(early.step("user").kind, Kind::Challenge);
    ASSERT_EQ(early.step("pencil").kind, Kind::NeedPasswordCheck);
    EXPECT_EQ(early.step("again").error.code, Errc::Internal);

    const Step done = exchange.complete_password_check(ok());
    ASSERT_EQ(done.kind, Kind::Success);
    EXPECT_EQ(done.authcid, "user@example.org");
    EXPECT_EQ(exchange.step("more").error.code, Errc::Internal);
}

TEST(SaslLogin, RejectsBadResponses)
{
    const BadCase user_cases[] = {
        {"empty user", "", Errc::Invalid},
        {"control in user", "us\ter", Errc::Invalid},
        {"NUL in user", std::string("us\0er", 5), Errc::Invalid},
        {"user too long", std::string(max_sasl_identity + 1, 'u'), Errc::Invalid},
    };
    for (const auto& c : user_cases) {
        SCOPED_TRACE(c.name);
        ServerExchange exchange(Mechanism::Login, test_settings());
        const Step step = exchange.step(c.input);
        ASSERT_EQ(step.kind, Kind::Failure);
        EXPECT_EQ(step.error.code, c.want);
    }
    const BadCase password_cases[] = {
        {"empty password", "", Errc::Invalid},
        {"control in password", "pen\rcil", Errc::Invalid},
        {"password too long", std::string(max_password_bytes + 1, 'p'), Errc::Invalid},
    };
    for (const auto& c : password_cases) {
        SCOPED_TRACE(c.name);
        ServerExchange exchange(Mechanism::Login, test_settings());
        ASSERT_EQ(exchange.step("user").kind, Kind::Challenge);
        const Step step = exchange.step(c.input);
        ASSERT_EQ(step.kind, Kind::Failure);
        EXPECT_EQ(step.error.code, c.want);
        EXPECT_EQ(step.authcid, "user");
    }
}

// The test client is checked against the RFC 7677 §3 example before it is trusted below.
TEST(ScramTestClient, ReproducesRfc7677Example)
{
    ScramClientForTest client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    EXPECT_EQ(client.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    Result<std::string> final_message = client.client_final(
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    ASSERT_TRUE(final_message);
    EXPECT_EQ(*final_message,
              "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
              "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    EXPECT_EQ(client.expected_server_final(), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

TEST(SaslScram, FullExchangeWithFinalChallenge)
{
    ServerExchange exchange(Mechanism::ScramSha256, test_settings(SuccessData::AsChallenge));
    ScramClientForTest client("user@example.org", "pencil pencil", "clientnonce123");
    const Step first = exchange.step(client.client_first());
    ASSERT_EQ(first.kind, Kind::NeedScramCredentials) << first.error.to_string();
    EXPECT_EQ(first.authcid, "user@example.org");

    const Step server_first = exchange.provide_scram_credentials(pencil_credentials());
    ASSERT_EQ(server_first.kind, Kind::Challenge) << server_first.error.to_string();
    Result<std::string> final_message = client.client_final(server_first.challenge);
    ASSERT_TRUE(final_message) << final_message.error().to_string();

    const Step server_final = exchange.step(*final_message);
    ASSERT_EQ(server_final.kind, Kind::Challenge) << server_final.error.to_string();
    EXPECT_EQ(server_final.challenge, client.expected_server_final());

    const Step done = exchange.step("");
    ASSERT_EQ(done.kind, Kind::Success) << done.error.to_string();
    EXPECT_EQ(done.authcid, "user@example.org");
    EXPECT_TRUE(done.additional_data.empty());
}

TEST(SaslScram, FullExchangeWithDataInOutcome)
{
    ServerExchange exchange(Mechanism::ScramSha256, test_settings(SuccessData::WithOutcome));
    ScramClientForTest client("user@example.org", "pencil pencil", "n0nce", "user@example.org");
    const Step server_first = start_scram(exchange, client, pencil_credentials());
    ASSERT_EQ(server_first.kind, Kind::Challenge);
    Result<std::string> final_message = client.client_final(server_first.challenge);
    ASSERT_TRUE(final_message);
    const Step done = exchange.step(*final_message);
    ASSERT_EQ(done.kind, Kind::Success) << done.error.to_string();
    EXPECT_EQ(done.additional_data, client.expected_server_final());
    EXPECT_EQ(done.authzid, "user@example.org");
}

TEST(SaslScram, NonEmptyAnswerToServerFinalFails)
{
    ServerExchange exchange(Mechanism::ScramSha256, test_settings(SuccessData::AsChallenge));
    ScramClientForTest client("user", "pencil pencil", "abc");
    const Step server_first = start_scram(exchange, client, pencil_credentials());
    ASSERT_EQ(server_first.kind, Kind::Challenge);
    ASSERT_EQ(exchange.step(*client.client_final(server_first.challenge)).kind, Kind::Challenge);
    const Step step = exchange.step("x");
    ASSERT_EQ(step.kind, Kind::Failure);
    EXPECT_EQ(step.error.code, Errc::Invalid);
}

TEST(SaslScram, WrongPasswordFailsAtProof)
{
    ServerExchange exchange(Mechanism::ScramSha256, test_settings());
    ScramClientForTest client("user", "pencil pencil!", "abc");
    const Step server_first = start_scram(exchange, client, pencil_credentials());
    ASSERT_EQ(server_first.kind, Kind::Challenge);
    const Step step = exchange.step(*client.client_final(server_first.challenge));
    ASSERT_EQ(step.kind, Kind::Failure);
    EXPECT_EQ(step.error.code, Errc::Permission);
    EXPECT_EQ(step.error.detail, "scram: invalid-proof");
}

// An unknown user sees the same kind of server-first-message as a known one (same nonce, salt
// and iteration shape, a salt that does not change between attempts) and fails exactly as a
// wrong password does.
TEST(SaslScram, UnknownUserLooksLikeKnownUser)
{
    ServerExchange known(Mechanism::ScramSha256, test_settings());
    ScramClientForTest known_client("mary@example.org", "pencil pencil", "abc");
    const Step known_first = start_scram(known, known_client, pencil_credentials());
    ASSERT_EQ(known_first.kind, Kind::Challenge);

    auto unknown_attempt = [](const std::string& name, const ExchangeSettings& settings) {
        ServerExchange exchange(Mechanism::ScramSha256, settings);
        ScramClientForTest client(name, "pencil pencil", "abc");
        const Step server_first =
            start_scram(exchange, client, unexpected(Errc::NotFound, "no such user"));
        EXPECT_EQ(server_first.kind, Kind::Challenge) << server_first.error.to_string();
        Result<std::string> final_message = client.client_final(server_first.challenge);
        EXPECT_TRUE(final_message);
        const Step outcome = exchange.step(final_message ? *final_message : std::string());
        EXPECT_EQ(outcome.kind, Kind::Failure);
        EXPECT_EQ(outcome.error.code, Errc::Permission);
        EXPECT_EQ(outcome.error.detail, "scram: invalid-proof");
        return server_first.challenge;
    };
    const std::string unknown = unknown_attempt("mike@example.org", test_settings());
    EXPECT_EQ(unknown.size(), known_first.challenge.size());
    const ServerFirst real = split_server_first(known_first.challenge);
    const ServerFirst made_up = split_server_first(unknown);
    EXPECT_EQ(made_up.nonce.size(), real.nonce.size());
    EXPECT_EQ(made_up.nonce.rfind("abc", 0), 0u);
    EXPECT_EQ(made_up.salt.size(), real.salt.size());
    EXPECT_EQ(made_up.iterations, real.iterations);

    // Stable per name (a salt that changed on every attempt would give the game away), also
    // for another spelling of the same address; different for another name or secret.
    EXPECT_EQ(split_server_first(unknown_attempt("mike@example.org", test_settings())).salt,
              made_up.salt);
    EXPECT_EQ(split_server_first(unknown_attempt("Mike@Example.ORG", test_settings())).salt,
              made_up.salt);
    EXPECT_NE(split_server_first(unknown_attempt("mika@example.org", test_settings())).salt,
              made_up.salt);
    ExchangeSettings other_secret = test_settings();
    other_secret.mock_secret = "another secret, another server..";
    EXPECT_NE(split_server_first(unknown_attempt("mike@example.org", other_secret)).salt,
              made_up.salt);
}

TEST(SaslScram, MockCredentialsNeedASecret)
{
    EXPECT_EQ(make_mock_scram_credentials("user", "", 4096).error().code, Errc::Internal);
    ExchangeSettings no_secret = test_settings();
    no_secret.mock_secret.clear();
    ServerExchange exchange(Mechanism::ScramSha256, no_secret);
    ScramClientForTest client("user", "pencil pencil", "abc");
    const Step step = start_scram(exchange, client, unexpected(Errc::NotFound, "no such user"));
    ASSERT_EQ(step.kind, Kind::Failure);
    EXPECT_EQ(step.error.code, Errc::Internal);
}

TEST(SaslScram, LookupFailureEndsExchange)
{
    ServerExchange exchange(Mechanism::ScramSha256, test_settings());
    ScramClientForTest client("user", "pencil pencil", "abc");
    const Step step = start_scram(exchange, client, unexpected(Errc::TempFail, "store busy"));
    ASSERT_EQ(step.kind, Kind::Failure);
    EXPECT_EQ(step.error.code, Errc::TempFail);
    EXPECT_EQ(step.authcid, "user");
}

TEST(SaslScram, RejectsBadClientFirst)
{
    const BadCase cases[] = {
        {"empty", "", Errc::Invalid},
        {"garbage", "hello", Errc::Invalid},
        {"channel binding", "p=tls-exporter,,n=user,r=abc", Errc::Unsupported},
        {"mandatory extension", "n,,m=x,n=user,r=abc", Errc::Unsupported},
        {"proxy authorization", "n,a=admin,n=user,r=abc", Errc::Permission},
        {"too long", "n,,n=user,r=" + std::string(max_client_response, 'a'), Errc::Invalid},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        ServerExchange exchange(Mechanism::ScramSha256, test_settings());
        const Step step = exchange.step(c.input);
        ASSERT_EQ(step.kind, Kind::Failure);
        EXPECT_EQ(step.error.code, c.want) << step.error.to_string();
        EXPECT_EQ(exchange.provide_scram_credentials(pencil_credentials()).error.code,
                  Errc::Internal);
    }
}

TEST(SaslExchange, CallsOutOfOrderFailCleanly)
{
    ServerExchange plain_exchange(Mechanism::Plain, test_settings());
    EXPECT_EQ(plain_exchange.complete_password_check(ok()).error.code, Errc::Internal);

    ServerExchange plain_scram(Mechanism::Plain, test_settings());
    ASSERT_EQ(plain_scram.step(plain("", "user", "pencil")).kind, Kind::NeedPasswordCheck);
    EXPECT_EQ(plain_scram.provide_scram_credentials(pencil_credentials()).error.code,
              Errc::Internal);
    EXPECT_EQ(plain_scram.complete_password_check(ok()).kind, Kind::Failure);

    ServerExchange no_first(Mechanism::ScramSha256, test_settings());
    EXPECT_EQ(no_first.provide_scram_credentials(pencil_credentials()).error.code, Errc::Internal);

    ServerExchange awaiting_keys(Mechanism::ScramSha256, test_settings());
    ASSERT_EQ(awaiting_keys.step("n,,n=user,r=abc").kind, Kind::NeedScramCredentials);
    EXPECT_EQ(awaiting_keys.step("c=biws,r=abc,p=AAAA").error.code, Errc::Internal);

    ServerExchange twice(Mechanism::ScramSha256, test_settings());
    ScramClientForTest client("user", "pencil pencil", "abc");
    ASSERT_EQ(start_scram(twice, client, pencil_credentials()).kind, Kind::Challenge);
    EXPECT_EQ(twice.provide_scram_credentials(pencil_credentials()).error.code, Errc::Internal);

    ServerExchange login_check(Mechanism::Login, test_settings());
    EXPECT_EQ(login_check.complete_password_check(ok()).error.code, Errc::Internal);
    EXPECT_EQ(login_check.step("user").kind, Kind::Failure);  // over after the first failure
}

}  // namespace
}  // namespace harbor::sasl
