// Unit tests for sasl/password_hash: argon2id PHC strings (RFC 9106), checked against
// libargon2's own encoder, and strict rejection of malformed stored strings.
// Most cases use cheap parameters; only a few pay the ~50 ms of the production cost.
#include "sasl/password_hash.hpp"

#include <argon2.h>
#include <gtest/gtest.h>

#include <string>

namespace harbor::sasl {
namespace {

const Argon2Params cheap{1, 64, 1};
const std::string salt16 = "0123456789abcdef";

// "$argon2id$v=19$m=64,t=1,p=1$<salt>$<hash>" for "secret" and salt16, made by libargon2.
std::string reference_phc(std::string_view password, const Argon2Params& params)
{
    char encoded[256] = {};
    const int rc = argon2id_hash_encoded(params.passes, params.memory_kib, params.lanes,
                                         password.data(), password.size(), salt16.data(),
                                         salt16.size(), argon2_hash_bytes, encoded, sizeof encoded);
    EXPECT_EQ(rc, ARGON2_OK);
    return encoded;
}

TEST(PasswordHash, DefaultParametersAndRandomSalt)
{
    Result<std::string> first = hash_password("correct horse battery");
    Result<std::string> second = hash_password("correct horse battery");
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_EQ(first->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *first;
    EXPECT_NE(*first, *second);  // a fresh salt each time

    Result<bool> good = verify_password("correct horse battery", *first);
    Result<bool> bad = verify_password("correct horse batterz", *first);
    ASSERT_TRUE(good);
    ASSERT_TRUE(bad);
    EXPECT_TRUE(*good);
    EXPECT_FALSE(*bad);
}

TEST(PasswordHash, MatchesLibargon2Encoder)
{
    Result<std::string> ours = hash_password_with_salt("secret", salt16, cheap);
    ASSERT_TRUE(ours);
    EXPECT_EQ(*ours, reference_phc("secret", cheap));

    const Argon2Params production{};
    Result<std::string> full = hash_password_with_salt("secret", salt16, production);
    ASSERT_TRUE(full);
    EXPECT_EQ(*full, reference_phc("secret", production));
}

struct VerifyCase {
    const char* name;
    std::string password;
    bool want;
};

TEST(PasswordHash, VerifiesOnlyTheRightPassword)
{
    const std::string phc = reference_phc("secret", cheap);
    const VerifyCase cases[] = {
        {"right", "secret", true},
        {"wrong", "Secret", false},
        {"prefix", "secre", false},
        {"longer", "secret ", false},
        {"empty", "", false},
        {"nul appended", std::string("secret\0", 7), false},
        {"over the length limit", std::string(max_password_bytes + 1, 'a'), false},
    };
    for (const auto& c : cases) {
        Result<bool> result = verify_password(c.password, phc);
        ASSERT_TRUE(result) << c.name;
        EXPECT_EQ(*result, c.want) << c.name;
    }
}

struct MalformedCase {
    const char* name;
    std::string phc;
};

TEST(PasswordHash, RejectsMalformedPhcStrings)
{
    const std::string good = reference_phc("secret", cheap);
    const std::string tail = good.substr(good.find("$", 20));  // "$salt$hash"
    const MalformedCase cases[] = {
        {"empty", ""},
        {"argon2i", "$argon2i$v=19$m=64,t=1,p=1" + tail},
        {"argon2d", "$argon2d$v=19$m=64,t=1,p=1" + tail},
        {"old version", "$argon2id$v=16$m=64,t=1,p=1" + tail},
        {"no version", "$argon2id$m=64,t=1,p=1" + tail},
        {"params reordered", "$argon2id$v=19$t=1,m=64,p=1" + tail},
        {"zero passes", "$argon2id$v=19$m=64,t=0,p=1" + tail},
        {"zero lanes", "$argon2id$v=19$m=64,t=1,p=0" + tail},
        {"memory below 8p", "$argon2id$v=19$m=7,t=1,p=1" + tail},
        {"memory too large", "$argon2id$v=19$m=4194304,t=1,p=1" + tail},
        {"memory overflow", "$argon2id$v=19$m=99999999999,t=1,p=1" + tail},
        {"leading zero", "$argon2id$v=19$m=064,t=1,p=1" + tail},
        {"negative", "$argon2id$v=19$m=-64,t=1,p=1" + tail},
        {"missing hash", "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg"},
        {"padded salt",
         "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$AAAAAAAAAAAAAAAAAAAAAA"},
        {"short salt", "$argon2id$v=19$m=64,t=1,p=1$MDEy$AAAAAAAAAAAAAAAAAAAAAA"},
        {"short hash", "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAA"},
        {"trailing garbage", good + "$x"},
        {"bcrypt", "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"},
    };
    for (const auto& c : cases) {
        Result<bool> result = verify_password("secret", c.phc);
        ASSERT_FALSE(result) << c.name;
        EXPECT_EQ(result.error().code, Errc::Invalid) << c.name;
    }
}

TEST(PasswordHash, RejectsOverlongPasswordAndBadSalt)
{
    Result<std::string> long_password =
        hash_password_with_salt(std::string(max_password_bytes + 1, 'x'), salt16, cheap);
    ASSERT_FALSE(long_password);
    EXPECT_EQ(long_password.error().code, Errc::Invalid);

    Result<std::string> short_salt = hash_password_with_salt("secret", "abc", cheap);
    ASSERT_FALSE(short_salt);
    EXPECT_EQ(short_salt.error().code, Errc::Invalid);
}

}  // namespace
}  // namespace harbor::sasl
