// The MTA-STS TXT record (RFC 8461 §3.1), policy file (§3.2) and MX matching (§4.1).
#include "smtp/queue/mta_sts_policy.hpp"

#include <gtest/gtest.h>

namespace harbor::smtp::queue {
namespace {

std::optional<std::string> id_of(std::vector<std::string> records)
{
    return parse_sts_record_id(records);
}

TEST(MtaStsRecord, TheIdOfTheOneStsRecord)
{
    EXPECT_EQ(id_of({"v=STSv1; id=20160831085700Z;"}), "20160831085700Z");
    EXPECT_EQ(id_of({"v=STSv1;id=abc"}), "abc");
    EXPECT_EQ(id_of({"v=STSv1 ;  id=abc ; ext-1=value.x"}), "abc");
    // Other TXT records at the name are not policy announcements (§3.1).
    EXPECT_EQ(id_of({"google-site-verification=xyz", "v=STSv1; id=abc"}), "abc");
}

TEST(MtaStsRecord, NoneOrSeveralOrBrokenMeansNoPolicy)
{
    EXPECT_EQ(id_of({}), std::nullopt);
    EXPECT_EQ(id_of({"v=spf1 -all"}), std::nullopt);
    EXPECT_EQ(id_of({"v=STSv1; id=a", "v=STSv1; id=b"}), std::nullopt);  // not exactly one
    EXPECT_EQ(id_of({"v=STSv1"}), std::nullopt);                         // no "v=STSv1;"
    EXPECT_EQ(id_of({"v=STSv1;"}), std::nullopt);                        // no id
    EXPECT_EQ(id_of({"v=STSv10; id=a"}), std::nullopt);
    EXPECT_EQ(id_of({"v=STSv1; id="}), std::nullopt);
    EXPECT_EQ(id_of({"v=STSv1; id=" + std::string(33, 'a')}), std::nullopt);  // 1*32
    EXPECT_EQ(id_of({"v=STSv1; id=a-b"}), std::nullopt);                      // ALPHA / DIGIT
    EXPECT_EQ(id_of({"v=STSv1; id=a; bad field"}), std::nullopt);
    EXPECT_EQ(id_of({"v=STSv1; id=a; x=a=b"}), std::nullopt);  // "=" not in an ext value
    EXPECT_EQ(id_of({"v=STSv1; id=a; _x=1"}), std::nullopt);   // ext name starts alnum
}

TEST(MtaStsPolicy, TheRfcExample)
{
    // §3.2's example, with CRLF and LF line ends mixed as the grammar allows.
    const Result<StsPolicy> policy = parse_sts_policy(
        "version: STSv1\r\nmode: enforce\nmx: mail.example.com\r\nmx: *.example.net\n"
        "mx: backupmx.example.com\nmax_age: 604800\n");
    ASSERT_TRUE(policy.has_value()) << policy.error().to_string();
    EXPECT_EQ(policy->mode, StsMode::Enforce);
    EXPECT_EQ(policy->max_age, 604800u);
    EXPECT_EQ(policy->mx, (std::vector<std::string>{"mail.example.com", "*.example.net",
                                                    "backupmx.example.com"}));
}

TEST(MtaStsPolicy, ModesAgeAndUnknownKeys)
{
    const Result<StsPolicy> testing = parse_sts_policy(
        "version: STSv1\nmode: testing\nmx: MX.Example.COM\nfoo: bar\n"
        "max_age: 9999999999\n");
    ASSERT_TRUE(testing.has_value()) << testing.error().to_string();
    EXPECT_EQ(testing->mode, StsMode::Testing);
    EXPECT_EQ(testing->max_age, max_policy_age);  // capped at about a year
    EXPECT_EQ(testing->mx, std::vector<std::string>{"mx.example.com"});
    const Result<StsPolicy> none = parse_sts_policy("version: STSv1\nmode: none\nmax_age: 0");
    ASSERT_TRUE(none.has_value()) << none.error().to_string();
    EXPECT_EQ(none->mode, StsMode::None);
    EXPECT_TRUE(none->mx.empty());
}

TEST(MtaStsPolicy, BrokenPoliciesAreRefused)
{
    for (const char* text : {
             "",
             "mode: enforce\nmx: a.example\nmax_age: 1\n",                   // no version
             "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n",   // unknown version
             "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n",    // unknown mode
             "version: STSv1\nmode: enforce\nmx: a.example\n",               // no max_age
             "version: STSv1\nmode: enforce\nmax_age: 1\n",                  // no mx
             "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n",  // not digits
             "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901\n",  // 1*10
             "version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1\n",           // empty label
             "version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1\n",
             "version: STSv1\nmode: enforce\nmx: a_b.example\nmax_age: 1\n",
             "version: STSv1\nmode: enforce\nmx a.example\nmax_age: 1\n",  // no colon
         }) {
        EXPECT_FALSE(parse_sts_policy(text).has_value()) << text;
    }
    std::string big = "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\n";
    big += std::string(max_policy_size, ' ');
    EXPECT_FALSE(parse_sts_policy(big).has_value());
    std::string many = "version: STSv1\nmode: enforce\nmax_age: 1\n";
    for (std::size_t i = 0; i <= max_mx_patterns; ++i) {
        many += "mx: mx" + std::to_string(i) + ".example\n";
    }
    EXPECT_FALSE(parse_sts_policy(many).has_value());
}

TEST(MtaStsPolicy, MxMatchingExactAndOneLabelWildcard)
{
    StsPolicy policy;
    policy.mode = StsMode::Enforce;
    policy.mx = {"mail.example.com", "*.example.net"};
    EXPECT_TRUE(sts_allows_mx(policy, "mail.example.com"));
    EXPECT_TRUE(sts_allows_mx(policy, "MAIL.Example.Com"));
    EXPECT_TRUE(sts_allows_mx(policy, "mx1.example.net"));
    EXPECT_FALSE(sts_allows_mx(policy, "example.net"));        // §4.1: one label, not none
    EXPECT_FALSE(sts_allows_mx(policy, "a.mx1.example.net"));  // nor two
    EXPECT_FALSE(sts_allows_mx(policy, "mail.example.com.evil.example"));
    EXPECT_FALSE(sts_allows_mx(policy, "xmail.example.com"));
    EXPECT_FALSE(sts_allows_mx(policy, ""));
}

}  // namespace
}  // namespace harbor::smtp::queue
