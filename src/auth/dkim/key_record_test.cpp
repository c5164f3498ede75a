// Unit tests for auth/dkim/key_record: every tag of RFC 6376 §3.6.1 (v= first and exact, h=,
// k= with RFC 8463's ed25519, n=, p= empty means revoked, s=, t= flags) and the records of
// dkimpy's test data (bad k=, bad version, service type tlsrpt).
#include "auth/dkim/key_record.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace harbor::auth::dkim {
namespace {

const std::filesystem::path dkimpy_data =
    std::filesystem::path(HARBOR_TESTDATA_DIR) / "dkim-arc/dkimpy-tests/data";

std::string read_record(const std::string& name)
{
    std::ifstream in(dkimpy_data / name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string out = text.str();
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    return out;
}

constexpr std::string_view ed25519_p = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

TEST(DkimKeyRecord, Rfc8463Ed25519Record)
{
    Result<KeyRecord> record = parse_key_record("v=DKIM1; k=ed25519; p=" + std::string(ed25519_p));
    ASSERT_TRUE(record) << record.error().to_string();
    EXPECT_EQ(record->key_type, KeyType::Ed25519);
    EXPECT_EQ(record->public_key.size(), 32u);
    EXPECT_FALSE(record->revoked);
    EXPECT_TRUE(record->allows(Algorithm::Ed25519Sha256));
    EXPECT_TRUE(record->email_service);
    EXPECT_FALSE(record->testing);
    EXPECT_FALSE(record->strict_identity);
}

TEST(DkimKeyRecord, Defaults)
{
    // No v=, no k=: DKIM1 and rsa are the defaults (§3.6.1).
    Result<KeyRecord> record = parse_key_record("p=AAAA");
    ASSERT_TRUE(record) << record.error().to_string();
    EXPECT_EQ(record->key_type, KeyType::Rsa);
    EXPECT_TRUE(record->allows(Algorithm::RsaSha256));
    EXPECT_TRUE(record->allows(Algorithm::RsaSha1));
}

TEST(DkimKeyRecord, Tags)
{
    Result<KeyRecord> record = parse_key_record(
        "v=DKIM1; h=sha256:future; k=rsa; n=hello=20there; s=email:other; "
        "t=y:s:zz; p=AAAA; x_unknown=1");
    ASSERT_TRUE(record) << record.error().to_string();
    EXPECT_TRUE(record->allows(Algorithm::RsaSha256));
    EXPECT_FALSE(record->allows(Algorithm::RsaSha1));
    EXPECT_TRUE(record->email_service);
    EXPECT_TRUE(record->testing);
    EXPECT_TRUE(record->strict_identity);
    EXPECT_EQ(record->notes, "hello=20there");

    EXPECT_TRUE(parse_key_record("s=*; p=AAAA")->email_service);
    EXPECT_FALSE(parse_key_record("s=tlsrpt; p=AAAA")->email_service);
    EXPECT_FALSE(parse_key_record("h=sha512; p=AAAA")->allows(Algorithm::RsaSha256));
    // A folded p= (FWS anywhere in base64, §3.6.1 p= note).
    EXPECT_EQ(parse_key_record("p=AA\r\n AA")->public_key.size(), 3u);
}

TEST(DkimKeyRecord, RevokedKey)
{
    Result<KeyRecord> record = parse_key_record("v=DKIM1; k=rsa; p=");
    ASSERT_TRUE(record);
    EXPECT_TRUE(record->revoked);
    EXPECT_TRUE(parse_key_record("v=DKIM1; p= ;")->revoked);
}

TEST(DkimKeyRecord, Refusals)
{
    struct Case {
        std::string_view name;
        std::string text;
        Errc code;
    };
    const Case cases[] = {
        {"v not first", "k=rsa; v=DKIM1; p=AAAA", Errc::Invalid},
        {"v other", "v=DKIM1.0; p=AAAA", Errc::Invalid},  // "a string comparison"
        {"v lower case", "v=dkim1; p=AAAA", Errc::Invalid},
        {"no p", "v=DKIM1; k=rsa", Errc::Invalid},
        {"p not base64", "v=DKIM1; p=@@@@", Errc::Invalid},
        {"unknown k", "v=DKIM1; k=dsa; p=AAAA", Errc::Unsupported},
        {"duplicate", "v=DKIM1; p=AAAA; p=AAAA", Errc::Invalid},
        {"not a tag list", "hello world", Errc::Invalid},
        {"spf record", "v=spf1 -all", Errc::Invalid},
    };
    for (const Case& c : cases) {
        Result<KeyRecord> record = parse_key_record(c.text);
        ASSERT_FALSE(record) << c.name;
        EXPECT_EQ(record.error().code, c.code) << c.name << ": " << record.error().detail;
    }
    KeyRecordLimits limits;
    limits.max_record = 16;
    EXPECT_EQ(parse_key_record("v=DKIM1; p=AAAAAAAAAAAA", limits).error().code, Errc::Limit);
    limits = KeyRecordLimits{};
    limits.max_key_octets = 3;
    EXPECT_EQ(parse_key_record("p=AAAAAAAAAAAA", limits).error().code, Errc::Limit);
}

TEST(DkimKeyRecord, DkimpyRecords)
{
    Result<KeyRecord> good = parse_key_record(read_record("test.txt"));
    ASSERT_TRUE(good) << good.error().to_string();
    EXPECT_EQ(good->key_type, KeyType::Rsa);
    EXPECT_FALSE(good->public_key.empty());
    // test2.txt: no k= (rsa by default).
    Result<KeyRecord> implicit = parse_key_record(read_record("test2.txt"));
    ASSERT_TRUE(implicit);
    EXPECT_EQ(implicit->key_type, KeyType::Rsa);
    // badk.txt: k=ed25519-sha256 is no key type.
    Result<KeyRecord> bad_type = parse_key_record(read_record("badk.txt"));
    ASSERT_FALSE(bad_type);
    EXPECT_EQ(bad_type.error().code, Errc::Unsupported);
    // badversion.txt: "v=DKIM1: g=*" is a v= of "DKIM1: g=*".
    Result<KeyRecord> bad_version = parse_key_record(read_record("badversion.txt"));
    ASSERT_FALSE(bad_version);
    EXPECT_EQ(bad_version.error().code, Errc::Invalid);
    // test_bad.txt: the record parses; its key octets do not (crypto_test / vectors_test).
    EXPECT_TRUE(parse_key_record(read_record("test_bad.txt")));
    // test_tlsrpt.txt: s=tlsrpt, not a key for email.
    Result<KeyRecord> tlsrpt = parse_key_record(read_record("test_tlsrpt.txt"));
    ASSERT_TRUE(tlsrpt);
    EXPECT_FALSE(tlsrpt->email_service);
}

}  // namespace
}  // namespace harbor::auth::dkim
