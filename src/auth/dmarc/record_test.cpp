// Unit tests for auth/dmarc/record: RFC 7489 §6.3 tags, §6.4 grammar, the §6.6.3 step 6
// fallback to p=none, ignored syntax errors (§6.3), URI sizes, limits, and every prefix of
// every input (no crash, no partial garbage).
#include "auth/dmarc/record.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace harbor::auth::dmarc {
namespace {

TEST(DmarcRecord, RfcExamples)
{
    // RFC 7489 §B.2.1 - §B.2.4 (with the missing ";" after v=DMARC1 of erratum 5440 added).
    Result<Record> b21 = parse_record("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");
    ASSERT_TRUE(b21.has_value()) << b21.error().to_string();
    EXPECT_EQ(b21->policy, Policy::None);
    ASSERT_EQ(b21->aggregate_uris.size(), 1u);
    EXPECT_EQ(b21->aggregate_uris[0].uri, "mailto:dmarc-feedback@example.com");
    EXPECT_FALSE(b21->aggregate_uris[0].max_size.has_value());

    Result<Record> b23 = parse_record(
        "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; "
        "ruf=mailto:auth-reports@thirdparty.example.net");
    ASSERT_TRUE(b23.has_value());
    ASSERT_EQ(b23->failure_uris.size(), 1u);
    EXPECT_EQ(b23->failure_uris[0].uri, "mailto:auth-reports@thirdparty.example.net");

    Result<Record> b24 = parse_record(
        "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,"
        "mailto:tld-test@thirdparty.example.net!10m; pct=25");
    ASSERT_TRUE(b24.has_value());
    EXPECT_EQ(b24->policy, Policy::Quarantine);
    EXPECT_EQ(b24->percent, 25u);
    ASSERT_EQ(b24->aggregate_uris.size(), 2u);
    EXPECT_EQ(b24->aggregate_uris[1].uri, "mailto:tld-test@thirdparty.example.net");
    EXPECT_EQ(b24->aggregate_uris[1].max_size, std::optional<std::uint64_t>(10ull << 20));
    EXPECT_TRUE(b24->ignored_tags.empty());
}

TEST(DmarcRecord, Defaults)
{
    Result<Record> record = parse_record("v=DMARC1; p=reject");
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->policy, Policy::Reject);
    EXPECT_FALSE(record->subdomain_policy.has_value());
    EXPECT_EQ(record->policy_for_subdomain(), Policy::Reject);  // §6.3 sp: p applies
    EXPECT_EQ(record->dkim_alignment, AlignmentMode::Relaxed);
    EXPECT_EQ(record->spf_alignment, AlignmentMode::Relaxed);
    EXPECT_EQ(record->percent, 100u);
    EXPECT_EQ(record->failure_options, (FailureOptions{true, false, false, false}));
    EXPECT_EQ(record->report_format, "afrf");
    EXPECT_EQ(record->report_interval, 86400u);
    EXPECT_FALSE(record->policy_defaulted);
    EXPECT_TRUE(record->aggregate_uris.empty());
}

TEST(DmarcRecord, EveryTag)
{
    Result<Record> record = parse_record(
        "v=DMARC1;p=quarantine;sp=reject;adkim=s;aspf=s;pct=0;fo=1:d:s;rf=afrf;ri=3600;"
        "rua=mailto:a@example.com!1k, https://r.example/x?y=%2C ,mailto:b@example.com!7;"
        "ruf=mailto:f@example.com!2T");
    ASSERT_TRUE(record.has_value()) << record.error().to_string();
    EXPECT_EQ(record->policy, Policy::Quarantine);
    EXPECT_EQ(record->subdomain_policy, std::optional<Policy>(Policy::Reject));
    EXPECT_EQ(record->policy_for_subdomain(), Policy::Reject);
    EXPECT_EQ(record->dkim_alignment, AlignmentMode::Strict);
    EXPECT_EQ(record->spf_alignment, AlignmentMode::Strict);
    EXPECT_EQ(record->percent, 0u);
    EXPECT_EQ(record->failure_options, (FailureOptions{false, true, true, true}));
    EXPECT_EQ(record->report_interval, 3600u);
    ASSERT_EQ(record->aggregate_uris.size(), 3u);
    EXPECT_EQ(record->aggregate_uris[0], (ReportUri{"mailto:a@example.com", 1024}));
    EXPECT_EQ(record->aggregate_uris[1], (ReportUri{"https://r.example/x?y=%2C", std::nullopt}));
    EXPECT_EQ(record->aggregate_uris[2], (ReportUri{"mailto:b@example.com", 7}));
    ASSERT_EQ(record->failure_uris.size(), 1u);
    EXPECT_EQ(record->failure_uris[0].max_size, std::optional<std::uint64_t>(2ull << 40));
    EXPECT_TRUE(record->ignored_tags.empty());
}

TEST(DmarcRecord, WhitespaceAndCase)
{
    // WSP around "=" and ";" (§6.4); tag names and keywords are ABNF strings (RFC 5234 §2.3),
    // but "DMARC1" is spelled with %x codes: case-sensitive.
    Result<Record> record = parse_record("  v = DMARC1 ;\tP = Reject ; ADKIM=S ;  ");
    ASSERT_TRUE(record.has_value()) << record.error().to_string();
    EXPECT_EQ(record->policy, Policy::Reject);
    EXPECT_EQ(record->dkim_alignment, AlignmentMode::Strict);
    EXPECT_FALSE(parse_record("v=dmarc1; p=reject").has_value());
    EXPECT_FALSE(is_dmarc_record("v=dmarc1; p=reject"));
    EXPECT_TRUE(is_dmarc_record("V=DMARC1"));
}

TEST(DmarcRecord, NotDmarc)
{
    for (const std::string text :
         {"", "   ", "p=reject; v=DMARC1", "v=DMARC2; p=reject", "v=DMARC1p=reject", "v=spf1 -all",
          "x v=DMARC1; p=none", "v DMARC1; p=none", "\"v=DMARC1; p=none\""}) {
        EXPECT_FALSE(parse_record(text).has_value()) << text;
        EXPECT_FALSE(is_dmarc_record(text)) << text;
    }
    EXPECT_TRUE(is_dmarc_record("v=DMARC1"));
    EXPECT_TRUE(is_dmarc_record("v=DMARC1;"));
    EXPECT_FALSE(parse_record("v=DMARC1").has_value());  // no p=
}

TEST(DmarcRecord, PolicyFallbackToNone)
{
    // §6.6.3 step 6: no valid p= (or an invalid sp=) but a valid rua= URI: act as p=none.
    for (const std::string text :
         {"v=DMARC1; rua=mailto:r@example.com", "v=DMARC1; p=bogus; rua=mailto:r@example.com",
          "v=DMARC1; p=reject; sp=bogus; rua=mailto:r@example.com",
          "v=DMARC1; p=; rua=bad uri, mailto:r@example.com"}) {
        Result<Record> record = parse_record(text);
        ASSERT_TRUE(record.has_value()) << text;
        EXPECT_TRUE(record->policy_defaulted) << text;
        EXPECT_EQ(record->policy, Policy::None) << text;
        EXPECT_FALSE(record->subdomain_policy.has_value()) << text;
        ASSERT_EQ(record->aggregate_uris.size(), 1u) << text;
        EXPECT_EQ(record->aggregate_uris[0].uri, "mailto:r@example.com");
    }
    // Otherwise the record is not valid: DMARC does not apply.
    for (const std::string text :
         {"v=DMARC1; pct=100", "v=DMARC1; p=bogus", "v=DMARC1; p=none; sp=bogus",
          "v=DMARC1; p=reject; sp=bogus; ruf=mailto:r@example.com", "v=DMARC1; p=n",
          "v=DMARC1; p=reject ; sp=", "v=DMARC1; p=none reject",
          "v=DMARC1; p=bogus; rua=nocolon"}) {
        Result<Record> record = parse_record(text);
        ASSERT_FALSE(record.has_value()) << text;
        EXPECT_EQ(record.error().code, Errc::Invalid) << text;
    }
}

TEST(DmarcRecord, BadValuesKeepDefaults)
{
    // §6.3: "Syntax errors in the remainder of the record SHOULD be discarded in favor of
    // default values (if any) or ignored outright."
    struct Case {
        std::string tail;
        std::string ignored;
    };
    const std::vector<Case> cases = {
        {"adkim=x", "adkim"},
        {"aspf=relaxed", "aspf"},
        {"pct=101", "pct"},
        {"pct=-1", "pct"},
        {"pct=0100", "pct"},
        {"pct=", "pct"},
        {"fo=2", "fo"},
        {"fo=0:", "fo"},
        {"rf=iodef", "rf"},
        {"rf=afrf-", "rf"},
        {"ri=4294967296", "ri"},
        {"ri=1h", "ri"},
        {"rua=mailto:a@b!1x", "rua"},
        {"ruf=no-scheme", "ruf"},
        {"rua=x@y,z", "rua"},
        {"rua=1mailto:a", "rua"},
        {"rua=mailto:a%zz", "rua"},
        {"rua=mailto:a b", "rua"},
        {"p=none", "p"},
        {"bare", "bare"},
        {"=x", ""},
        {"1x=y", "1x"},
    };
    for (const Case& c : cases) {
        const std::string text = "v=DMARC1; p=reject; " + c.tail;
        Result<Record> record = parse_record(text);
        ASSERT_TRUE(record.has_value()) << text;
        EXPECT_EQ(record->policy, Policy::Reject) << text;  // a duplicate p= never wins
        EXPECT_EQ(record->dkim_alignment, AlignmentMode::Relaxed) << text;
        EXPECT_EQ(record->spf_alignment, AlignmentMode::Relaxed) << text;
        EXPECT_EQ(record->percent, 100u) << text;
        EXPECT_EQ(record->failure_options, FailureOptions{}) << text;
        EXPECT_EQ(record->report_interval, 86400u) << text;
        EXPECT_TRUE(record->aggregate_uris.empty()) << text;
        EXPECT_TRUE(record->failure_uris.empty()) << text;
        ASSERT_EQ(record->ignored_tags.size(), 1u) << text;
        EXPECT_EQ(record->ignored_tags[0], c.ignored) << text;
    }
    // Unknown tags are ignored without a note (§6.3 "unknown tags MUST be ignored").
    Result<Record> unknown = parse_record("v=DMARC1; p=reject; np=none; t=y; foo=bar baz");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_TRUE(unknown->ignored_tags.empty());
}

TEST(DmarcRecord, DuplicatesKeepTheFirst)
{
    Result<Record> record = parse_record("v=DMARC1; p=quarantine; pct=10; pct=90; v=DMARC1");
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->percent, 10u);
    EXPECT_EQ(record->ignored_tags, (std::vector<std::string>{"pct", "v"}));
    // A first p= that is invalid is not rescued by a later one.
    EXPECT_FALSE(parse_record("v=DMARC1; p=bogus; p=reject").has_value());
}

TEST(DmarcRecord, PolicyAnywhereAfterVersion)
{
    Result<Record> record = parse_record("v=DMARC1; rua=mailto:a@example.com; p=reject");
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->policy, Policy::Reject);
    EXPECT_FALSE(record->policy_defaulted);
}

TEST(DmarcRecord, UriSizes)
{
    const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
    struct Case {
        std::string uri;
        std::optional<std::uint64_t> size;
    };
    const std::vector<Case> cases = {
        {"mailto:a@b.example!0", 0},
        {"mailto:a@b.example!18446744073709551615", top},
        {"mailto:a@b.example!16777216t", top},  // 2^24 * 2^40 saturates
        {"mailto:a@b.example!16777215t", 16777215ull << 40},
        {"mailto:a@b.example!5G", 5ull << 30},
    };
    for (const Case& c : cases) {
        Result<Record> record = parse_record("v=DMARC1; p=none; rua=" + c.uri);
        ASSERT_TRUE(record.has_value()) << c.uri;
        ASSERT_EQ(record->aggregate_uris.size(), 1u) << c.uri;
        EXPECT_EQ(record->aggregate_uris[0].max_size, c.size) << c.uri;
    }
    for (const std::string uri :
         {"mailto:a@b.example!18446744073709551616", "mailto:a@b.example!", "mailto:a@b.example!k",
          "mailto:a@b.example!1kb", "mailto:a!b@c!1"}) {
        Result<Record> record = parse_record("v=DMARC1; p=none; rua=" + uri);
        ASSERT_TRUE(record.has_value()) << uri;
        EXPECT_TRUE(record->aggregate_uris.empty()) << uri;
    }
}

TEST(DmarcRecord, Limits)
{
    RecordLimits limits;
    limits.max_record = 64;
    limits.max_uris = 2;
    const std::string long_text = "v=DMARC1; p=none; rua=mailto:" + std::string(60, 'a');
    Result<Record> too_long = parse_record(long_text, limits);
    ASSERT_FALSE(too_long.has_value());
    EXPECT_EQ(too_long.error().code, Errc::Limit);

    Result<Record> many = parse_record("v=DMARC1; p=none; rua=m:a,m:b,m:c,m:d", limits);
    ASSERT_TRUE(many.has_value());
    EXPECT_EQ(many->aggregate_uris.size(), 2u);
    EXPECT_EQ(many->ignored_tags, (std::vector<std::string>{"rua"}));
}

TEST(DmarcRecord, EveryPrefixParsesOrFailsCleanly)
{
    const std::string full =
        "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=50; fo=0:1:d:s; rf=afrf; "
        "ri=86400; rua=mailto:a@example.com!10m,mailto:b@example.net; ruf=mailto:c@example.org";
    for (std::size_t n = 0; n <= full.size(); ++n) {
        const std::string prefix = full.substr(0, n);
        Result<Record> record = parse_record(prefix);
        if (record) {
            EXPECT_TRUE(prefix.find("p=") != std::string::npos) << prefix;
            EXPECT_LE(record->percent, 100u);
        }
    }
    Result<Record> record = parse_record(full);
    ASSERT_TRUE(record.has_value());
    EXPECT_TRUE(record->ignored_tags.empty());
    EXPECT_EQ(record->percent, 50u);
}

}  // namespace
}  // namespace harbor::auth::dmarc
