// The MTA-STS policy we serve (RFC 8461 §3.2) read back by the outbound side's parser
// (smtp/queue/mta_sts_policy.hpp): what Harbor publishes, Harbor (and so any sender) accepts.
#include "http/mta_sts_policy.hpp"

#include <gtest/gtest.h>

#include "smtp/queue/mta_sts_policy.hpp"

namespace harbor::http {
namespace {

using smtp::queue::parse_sts_policy;
using smtp::queue::StsMode;
using smtp::queue::StsPolicy;

TEST(MtaStsPolicy, RoundTripsThroughTheOutboundParser)
{
    struct Case {
        MtaStsSettings settings;
        StsMode mode;
        std::vector<std::string> mx;
    };
    const Case cases[] = {
        {{"enforce", {"mail.example.org", "*.mx.example.org"}, 86400},
         StsMode::Enforce,
         {"mail.example.org", "*.mx.example.org"}},
        {{"testing", {}, 604800}, StsMode::Testing, {"mail.example.org"}},  // the hostname
        {{"none", {"MX.Example.ORG"}, 1}, StsMode::None, {"mx.example.org"}},
        {{"enforce", {"a.example", "b.example", "c.example"}, 31'557'600},
         StsMode::Enforce,
         {"a.example", "b.example", "c.example"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.settings.mode);
        const std::string text = format_mta_sts_policy(c.settings, "mail.example.org");
        EXPECT_TRUE(text.starts_with("version: STSv1\r\n")) << text;  // §3.2: version first
        Result<StsPolicy> policy = parse_sts_policy(text);
        ASSERT_TRUE(policy.has_value()) << policy.error().to_string() << "\n" << text;
        EXPECT_EQ(policy->mode, c.mode);
        EXPECT_EQ(policy->mx, c.mx);
        EXPECT_EQ(policy->max_age, c.settings.max_age);
        // And the policy admits the MX it names (§4.1), the hostname by default.
        EXPECT_TRUE(smtp::queue::sts_allows_mx(*policy, c.mx.front()));
    }
}

TEST(MtaStsPolicy, PolicyHost)
{
    EXPECT_EQ(policy_domain_of("mta-sts.example.org"), "example.org");
    EXPECT_EQ(policy_domain_of("mta-sts.mta-sts.example.org"), "mta-sts.example.org");
    EXPECT_EQ(policy_domain_of("mta-sts."), std::nullopt);
    EXPECT_EQ(policy_domain_of("example.org"), std::nullopt);
    EXPECT_EQ(policy_domain_of("xmta-sts.example.org"), std::nullopt);
    EXPECT_EQ(policy_domain_of(""), std::nullopt);
}

}  // namespace
}  // namespace harbor::http
