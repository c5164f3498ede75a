// Unit tests for sasl/scram_sha256: the RFC 7677 §3 example exchange, stored-credential format,
// and malformed or hostile client messages (RFC 5802 §7 grammar).
#include "sasl/scram_sha256.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/base64.hpp"

namespace harbor::sasl {
namespace {

// RFC 7677 §3: user "user", password "pencil".
constexpr std::string_view rfc_client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view rfc_salt_b64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr std::string_view rfc_server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view rfc_client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view rfc_server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

// Derived once: PBKDF2 with 4096 iterations is too slow to repeat in the mutation loops.
const ScramCredentials& rfc_credentials()
{
    static const ScramCredentials credentials = [] {
        Result<std::string> salt = decode_base64(rfc_salt_b64);
        EXPECT_TRUE(salt);
        Result<ScramCredentials> derived = derive_scram_credentials("pencil", *salt, 4096);
        EXPECT_TRUE(derived);
        return *derived;
    }();
    return credentials;
}

// Runs the first two steps of the RFC exchange and leaves the server awaiting client-final.
void start_rfc_exchange(ScramServer& server)
{
    Result<ScramClientFirst> first = server.receive_client_first(rfc_client_first);
    ASSERT_TRUE(first);
    Result<std::string> challenge = server.make_server_first(rfc_credentials(), rfc_server_nonce);
    ASSERT_TRUE(challenge);
}

TEST(Scram, Rfc7677ExampleExchange)
{
    ScramServer server;
    Result<ScramClientFirst> first = server.receive_client_first(rfc_client_first);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->username, "user");
    EXPECT_EQ(first->nonce, "rOprNGfwEbeRWgbNEkqO");
    EXPECT_EQ(first->gs2_header, "n,,");
    EXPECT_EQ(server.state(), ScramServer::State::AwaitingCredentials);

    Result<std::string> challenge = server.make_server_first(rfc_credentials(), rfc_server_nonce);
    ASSERT_TRUE(challenge);
    EXPECT_EQ(*challenge, rfc_server_first);

    Result<std::string> outcome = server.receive_client_final(rfc_client_final);
    ASSERT_TRUE(outcome) << outcome.error().to_string();
    EXPECT_EQ(*outcome, rfc_server_final);
    EXPECT_EQ(server.state(), ScramServer::State::Done);
}

TEST(Scram, StoredCredentialsRoundTrip)
{
    const ScramCredentials credentials = rfc_credentials();
    const std::string stored = format_scram_credentials(credentials);
    // StoredKey and ServerKey for "pencil" as computed independently from RFC 5802 §3.
    EXPECT_EQ(stored,
              "W22ZaJ0SNY7soEsUEjb6gQ==:4096:WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
              "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
    Result<ScramCredentials> parsed = parse_scram_credentials(stored);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, credentials);

    Result<ScramCredentials> random = make_scram_credentials("pencil");
    ASSERT_TRUE(random);
    EXPECT_EQ(random->salt.size(), scram_salt_bytes);
    EXPECT_NE(random->stored_key, credentials.stored_key);
}

struct StoredCase {
    const char* name;
    std::string input;
};

TEST(Scram, RejectsMalformedStoredCredentials)
{
    const std::string key = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=";
    const StoredCase cases[] = {
        {"empty", ""},
        {"three fields", "W22ZaJ0SNY7soEsUEjb6gQ==:4096:" + key},
        {"five fields", "W22ZaJ0SNY7soEsUEjb6gQ==:4096:" + key + ":" + key + ":" + key},
        {"empty salt", ":4096:" + key + ":" + key},
        {"bad salt", "W22Z*J0SNY7soEsUEjb6gQ==:4096:" + key + ":" + key},
        {"iterations too low", "W22ZaJ0SNY7soEsUEjb6gQ==:4095:" + key + ":" + key},
        {"iterations not a number", "W22ZaJ0SNY7soEsUEjb6gQ==:4k:" + key + ":" + key},
        {"iterations leading zero", "W22ZaJ0SNY7soEsUEjb6gQ==:04096:" + key + ":" + key},
        {"iterations huge", "W22ZaJ0SNY7soEsUEjb6gQ==:99999999999:" + key + ":" + key},
        {"short key", "W22ZaJ0SNY7soEsUEjb6gQ==:4096:AAAA:" + key},
    };
    for (const auto& c : cases) {
        Result<ScramCredentials> parsed = parse_scram_credentials(c.input);
        ASSERT_FALSE(parsed) << c.name;
        EXPECT_EQ(parsed.error().code, Errc::Invalid) << c.name;
    }
}

TEST(Scram, DeriveRejectsBadArguments)
{
    EXPECT_EQ(derive_scram_credentials("pencil", "", 4096).error().code, Errc::Invalid);
    EXPECT_EQ(derive_scram_credentials("pencil", "salt", 1).error().code, Errc::Invalid);
    EXPECT_EQ(derive_scram_credentials("pen\ncil", "salt", 4096).error().code, Errc::Invalid);
}

struct FirstCase {
    const char* name;
    std::string input;
    Errc want;
};

TEST(Scram, RejectsBadClientFirst)
{
    const FirstCase cases[] = {
        {"empty", "", Errc::Invalid},
        {"no gs2 header", "n=user,r=abc", Errc::Invalid},
        {"channel binding", "p=tls-unique,,n=user,r=abc", Errc::Unsupported},
        {"bad cbind flag", "x,,n=user,r=abc", Errc::Invalid},
        {"bad authzid", "n,b=admin,n=user,r=abc", Errc::Invalid},
        {"mandatory extension", "n,,m=ext,n=user,r=abc", Errc::Unsupported},
        {"missing nonce", "n,,n=user", Errc::Invalid},
        {"nonce before name", "n,,r=abc,n=user", Errc::Invalid},
        {"empty user", "n,,n=,r=abc", Errc::Invalid},
        {"empty nonce", "n,,n=user,r=", Errc::Invalid},
        {"nonce with space", "n,,n=user,r=a c", Errc::Invalid},
        {"nonce with non-ascii", "n,,n=user,r=a\xc3\xa9", Errc::Invalid},
        {"bad escape", "n,,n=us=2Der,r=abc", Errc::Invalid},
        {"bare equals", "n,,n=us=er,r=abc", Errc::Invalid},
        {"control char in name", "n,,n=us\x01er,r=abc", Errc::Invalid},
        {"nul in name", std::string("n,,n=us\0er,r=abc", 16), Errc::Invalid},
        {"c1 control in name",
         "n,,n=us\xc2\x9b"
         "er,r=abc",
         Errc::Invalid},
        {"invalid utf-8 in name",
         "n,,n=us\xff"
         "er,r=abc",
         Errc::Invalid},
        {"bad extension", "n,,n=user,r=abc,=x", Errc::Invalid},
        {"too long", "n,,n=user,r=" + std::string(max_scram_message, 'a'), Errc::Invalid},
    };
    for (const auto& c : cases) {
        ScramServer server;
        Result<ScramClientFirst> first = server.receive_client_first(c.input);
        ASSERT_FALSE(first) << c.name;
        EXPECT_EQ(first.error().code, c.want) << c.name;
        EXPECT_EQ(server.state(), ScramServer::State::Failed) << c.name;
    }
}

struct GoodFirstCase {
    const char* name;
    std::string input;
    std::string want_user;
    std::string want_authzid;
    std::string want_gs2;
};

TEST(Scram, ParsesClientFirstVariants)
{
    const GoodFirstCase cases[] = {
        {"plain", "n,,n=user,r=abc", "user", "", "n,,"},
        {"client could bind", "y,,n=user,r=abc", "user", "", "y,,"},
        {"authzid", "n,a=admin,n=user,r=abc", "user", "admin", "n,a=admin,"},
        {"escapes", "n,,n=a=2Cb=3Dc,r=abc", "a,b=c", "", "n,,"},
        {"utf-8 name", "n,,n=J\xc3\xbcrgen,r=abc", "J\xc3\xbcrgen", "", "n,,"},
        {"extension", "n,,n=user,r=abc,x=1", "user", "", "n,,"},
    };
    for (const auto& c : cases) {
        Result<ScramClientFirst> first = parse_scram_client_first(c.input);
        ASSERT_TRUE(first) << c.name << ": " << first.error().to_string();
        EXPECT_EQ(first->username, c.want_user) << c.name;
        EXPECT_EQ(first->authzid, c.want_authzid) << c.name;
        EXPECT_EQ(first->gs2_header, c.want_gs2) << c.name;
    }
}

struct FinalCase {
    const char* name;
    std::string input;
    Errc want;
};

TEST(Scram, RejectsBadClientFinal)
{
    const std::string nonce = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const std::string wrong_proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVA=";
    const FinalCase cases[] = {
        {"empty", "", Errc::Invalid},
        {"wrong proof", "c=biws," + nonce + "," + wrong_proof, Errc::Permission},
        {"missing proof", "c=biws," + nonce, Errc::Invalid},
        {"short proof", "c=biws," + nonce + ",p=AAAA", Errc::Invalid},
        {"proof not base64", "c=biws," + nonce + ",p=!!!!", Errc::Invalid},
        {"wrong nonce", "c=biws,r=rOprNGfwEbeRWgbNEkqO," + proof, Errc::Invalid},
        {"binding mismatch", "c=eSws," + nonce + "," + proof, Errc::Invalid},
        {"binding not base64", "c=bi,ws," + nonce + "," + proof, Errc::Invalid},
        {"missing binding", nonce + "," + proof, Errc::Invalid},
        {"fields swapped", nonce + ",c=biws," + proof, Errc::Invalid},
        {"extension after proof", "c=biws," + nonce + "," + proof + ",x=1", Errc::Invalid},
    };
    for (const auto& c : cases) {
        ScramServer server;
        start_rfc_exchange(server);
        Result<std::string> outcome = server.receive_client_final(c.input);
        ASSERT_FALSE(outcome) << c.name;
        EXPECT_EQ(outcome.error().code, c.want) << c.name << ": " << outcome.error().detail;
        EXPECT_EQ(server.state(), ScramServer::State::Failed) << c.name;
    }
}

TEST(Scram, WrongPasswordFailsProof)
{
    Result<std::string> salt = decode_base64(rfc_salt_b64);
    ASSERT_TRUE(salt);
    Result<ScramCredentials> other = derive_scram_credentials("pencil2", *salt, 4096);
    ASSERT_TRUE(other);
    ScramServer server;
    ASSERT_TRUE(server.receive_client_first(rfc_client_first));
    ASSERT_TRUE(server.make_server_first(*other, rfc_server_nonce));
    Result<std::string> outcome = server.receive_client_final(rfc_client_final);
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, Errc::Permission);
    EXPECT_EQ(outcome.error().detail, "scram: invalid-proof");
}

TEST(Scram, StepsOutOfOrderFail)
{
    ScramServer not_started;
    EXPECT_EQ(not_started.receive_client_final(rfc_client_final).error().code, Errc::Internal);

    ScramServer no_credentials;
    ASSERT_TRUE(no_credentials.receive_client_first(rfc_client_first));
    EXPECT_EQ(no_credentials.receive_client_final(rfc_client_final).error().code, Errc::Internal);

    ScramServer finished;
    start_rfc_exchange(finished);
    ASSERT_TRUE(finished.receive_client_final(rfc_client_final));
    EXPECT_FALSE(finished.receive_client_final(rfc_client_final));  // no replay on one exchange
    EXPECT_FALSE(finished.receive_client_first(rfc_client_first));
}

TEST(Scram, ServerNonceIsPrintable)
{
    Result<std::string> nonce = make_scram_nonce();
    ASSERT_TRUE(nonce);
    EXPECT_EQ(nonce->size(), 32u);
    EXPECT_EQ(nonce->find(','), std::string::npos);
    ScramServer server;
    ASSERT_TRUE(server.receive_client_first("n,,n=user,r=abc"));
    Result<std::string> challenge = server.make_server_first(rfc_credentials(), *nonce);
    ASSERT_TRUE(challenge);
    EXPECT_EQ(challenge->rfind("r=abc" + *nonce + ",s=", 0), 0u);
}

// Every prefix and single-byte mutations of the RFC messages: each step must fail cleanly or
// succeed, never crash (run under ASan/UBSan), and a mutated proof must never be accepted.
TEST(Scram, SurvivesPrefixesAndMutations)
{
    const std::string bytes = std::string(
        ",=\x00\xff\xc3"
        "apnrcv",
        11);
    const std::string first(rfc_client_first);
    for (std::size_t at = 0; at <= first.size(); ++at) {
        for (const char b : bytes) {
            std::string input = first.substr(0, at) + b;
            ScramServer server;
            Result<ScramClientFirst> parsed = server.receive_client_first(input);
            if (!parsed) {
                EXPECT_NE(parsed.error().code, Errc::Internal) << input;
            }
        }
    }
    const std::string final_message(rfc_client_final);
    for (std::size_t at = 0; at < final_message.size(); ++at) {
        for (const char b : bytes) {
            std::string input = final_message;
            input[at] = b;
            ScramServer server;
            start_rfc_exchange(server);
            Result<std::string> outcome = server.receive_client_final(input);
            // base64 is canonical, so any change to c=, r= or p= must fail; only a byte
            // replaced by itself leaves the message valid.
            if (outcome) {
                EXPECT_EQ(input, final_message);
            }
            ScramServer truncated;
            start_rfc_exchange(truncated);
            EXPECT_FALSE(truncated.receive_client_final(final_message.substr(0, at)));
        }
    }
}

}  // namespace
}  // namespace harbor::sasl
