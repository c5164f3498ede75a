// Unit tests for auth/dmarc/alignment and domain: RFC 7489 §3.1.1 / §3.1.2 strict and
// relaxed modes, the §3.1 examples, and canonical names (case, root dot, IDN).
#include "auth/dmarc/alignment.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/dmarc/domain.hpp"

namespace harbor::auth::dmarc {
namespace {

const PublicSuffixList& suffixes()
{
    static const PublicSuffixList list =
        PublicSuffixList::parse("com\norg\nuk\nco.uk\nnet\n*.ck\nxn--55qx5d.cn\ncn\n");
    return list;
}

struct Case {
    std::string authenticated;
    std::string from;
    bool strict;
    bool relaxed;
};

TEST(DmarcAlignment, StrictAndRelaxed)
{
    const std::vector<Case> cases = {
        // RFC 7489 §3.1.1: "foo.example.com" signs for "example.com": relaxed only.
        {"foo.example.com", "example.com", false, true},
        {"example.com", "foo.example.com", false, true},
        {"example.com", "example.com", true, true},
        {"EXAMPLE.com", "example.COM", true, true},   // case-insensitive
        {"example.com.", "example.com", true, true},  // the root dot
        {"a.example.com", "b.example.com", false, true},
        {"example.com", "example.net", false, false},
        {"example.co.uk", "other.co.uk", false, false},  // different registrants
        {"co.uk", "example.co.uk", false, false},
        {"mail.example.co.uk", "example.co.uk", false, true},
        {"a.b.c.ck", "x.b.c.ck", false, true},
        {"a.c.ck", "b.c.ck", false, false},  // *.ck: c.ck is a public suffix
        // U-label and A-label of one name (RFC 5890 §2.3.2.1).
        {"食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn", true, true},
        {"www.食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn", false, true},
        // Not domains: nothing aligns with them.
        {"", "example.com", false, false},
        {"example..com", "example.com", false, false},
        {".example.com", "example.com", false, false},
        {"[192.0.2.1]", "[192.0.2.1]", false, false},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(aligned(c.authenticated, c.from, AlignmentMode::Strict, suffixes()), c.strict)
            << c.authenticated << " / " << c.from;
        EXPECT_EQ(aligned(c.authenticated, c.from, AlignmentMode::Relaxed, suffixes()), c.relaxed)
            << c.authenticated << " / " << c.from;
    }
}

TEST(DmarcDomain, Canonical)
{
    EXPECT_EQ(canonical_domain("Mail.Example.COM.").value_or("?"), "mail.example.com");
    EXPECT_EQ(canonical_domain("BÜCHER.example").value_or("?"), "xn--bcher-kva.example");
    EXPECT_EQ(canonical_domain("xn--BCHER-kva.example").value_or("?"), "xn--bcher-kva.example");
    EXPECT_EQ(canonical_domain("under_score.example").value_or("?"), "under_score.example");
    // Longer than DNS allows, but still a name whose organisational domain has a policy.
    const std::string long_name = std::string(70, 'a') + ".example.com";
    EXPECT_EQ(canonical_domain(long_name).value_or("?"), long_name);
    const std::vector<std::string> bad_names = {"",
                                                ".",
                                                "..",
                                                "a..b",
                                                ".a",
                                                "a b",
                                                std::string("a\0b", 3),
                                                "a\tb",
                                                "[192.0.2.1]",
                                                std::string(max_domain_input + 1, 'a'),
                                                "\xff\xfe.example",
                                                "a.\xe3\x80\x82.b"};
    for (const std::string& bad : bad_names) {
        Result<std::string> result = canonical_domain(bad);
        ASSERT_FALSE(result.has_value()) << bad;
        EXPECT_EQ(result.error().code, Errc::Invalid);
    }
}

}  // namespace
}  // namespace harbor::auth::dmarc
