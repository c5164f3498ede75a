// The DANE policy of a mail host (RFC 7672 §2.2, §3.1.3) from every kind of TLSA answer.
#include "smtp/queue/dane_policy.hpp"

#include <gtest/gtest.h>

namespace harbor::smtp::queue {
namespace {

const std::string name = "_25._tcp.mx.example.com";

dns::Tlsa tlsa(std::uint8_t usage, std::uint8_t selector, std::uint8_t matching_type)
{
    return dns::Tlsa{usage, selector, matching_type, std::vector<std::uint8_t>(32, 0xab)};
}

Result<dns::AnswerTlsa> answer(std::vector<dns::Tlsa> records, dns::Security security)
{
    dns::AnswerTlsa out;
    out.records = std::move(records);
    out.security = security;
    return out;
}

TEST(DanePolicy, NameHasPortAndProtocol)
{
    EXPECT_EQ(tlsa_name("mx.example.com", 25), name);
    EXPECT_EQ(tlsa_name("mx.example.com", 2525), "_2525._tcp.mx.example.com");
}

TEST(DanePolicy, SecureUsableRecordsAuthenticate)
{
    const DanePolicy policy = dane_policy_of(
        name, answer({tlsa(3, 1, 1), tlsa(2, 0, 2), tlsa(1, 1, 1)}, dns::Security::Secure));
    EXPECT_EQ(policy.kind, DanePolicy::Kind::Authenticate);
    ASSERT_EQ(policy.records.size(), 2u);  // PKIX-EE(1) is unusable (§3.1.3)
    EXPECT_EQ(policy.records[0].usage, 3);
    EXPECT_EQ(policy.records[0].data, std::vector<std::uint8_t>(32, 0xab));
    EXPECT_EQ(policy.records[1].usage, 2);
    EXPECT_EQ(policy.records[1].matching_type, 2);
}

TEST(DanePolicy, OnlyUnusableRecordsStillRequireTls)
{
    const DanePolicy policy = dane_policy_of(
        name, answer({tlsa(0, 0, 1), tlsa(1, 1, 1), tlsa(3, 2, 1), tlsa(3, 1, 3), tlsa(4, 1, 1)},
                     dns::Security::Secure));
    EXPECT_EQ(policy.kind, DanePolicy::Kind::Encrypt);
    EXPECT_TRUE(policy.records.empty());
}

TEST(DanePolicy, InsecureRecordsAreIgnored)
{
    const DanePolicy policy =
        dane_policy_of(name, answer({tlsa(3, 1, 1)}, dns::Security::Insecure));
    EXPECT_EQ(policy.kind, DanePolicy::Kind::None);
    EXPECT_TRUE(policy.records.empty());
}

TEST(DanePolicy, NoRecordsMeansNoDane)
{
    for (dns::Existence existence : {dns::Existence::NoData, dns::Existence::NxDomain}) {
        dns::AnswerTlsa none;
        none.existence = existence;
        none.security = dns::Security::Secure;  // a validated denial of existence
        EXPECT_EQ(dane_policy_of(name, none).kind, DanePolicy::Kind::None);
    }
}

TEST(DanePolicy, FailedOrBogusLookupMakesTheHostUnreachable)
{
    const Result<dns::AnswerTlsa> bogus = unexpected(Errc::TempFail, "bogus: signature expired");
    const DanePolicy policy = dane_policy_of(name, bogus);
    EXPECT_EQ(policy.kind, DanePolicy::Kind::Unreachable);
    EXPECT_NE(policy.reason.find(name), std::string::npos);
    EXPECT_NE(policy.reason.find("signature expired"), std::string::npos);
}

}  // namespace
}  // namespace harbor::smtp::queue
