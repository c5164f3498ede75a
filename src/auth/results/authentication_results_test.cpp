// Unit tests for auth/results: the field we write (RFC 8601 §2.2 grammar) and the fields from
// outside that claim our authserv-id (§5).
#include "auth/results/authentication_results.hpp"

#include <gtest/gtest.h>

namespace harbor::auth {
namespace {

TEST(AuthenticationResults, WritesOneResultPerFoldedLine)
{
    std::vector<ResultInfo> results = {
        {"spf", "pass", "", {{"smtp", "mailfrom", "alice@example.com"}}, ""},
        {"dkim",
         "pass",
         "",
         {{"header", "d", "example.com"}, {"header", "s", "sel1"}, {"header", "b", "aB/c+d=e"}},
         ""},
        {"dmarc",
         "fail",
         "no aligned identifier",
         {{"header", "from", "example.com"}},
         "p=reject dis=reject"},
    };
    EXPECT_EQ(authentication_results_field("mx.example.org", results),
              "Authentication-Results: mx.example.org;\r\n"
              "\tspf=pass smtp.mailfrom=alice@example.com;\r\n"
              "\tdkim=pass header.d=example.com header.s=sel1 header.b=\"aB/c+d=e\";\r\n"
              "\tdmarc=fail (p=reject dis=reject) reason=\"no aligned identifier\" "
              "header.from=example.com\r\n");
}

TEST(AuthenticationResults, NoResultIsNone)
{
    EXPECT_EQ(authentication_results_field("mx.example.org", {}),
              "Authentication-Results: mx.example.org; none\r\n");
}

TEST(AuthenticationResults, QuotesWhatIsNotATokenAndNeverBreaksTheLine)
{
    std::vector<ResultInfo> results = {{"spf",
                                        "fail",
                                        "say \"no\"\r\nX-Injected: 1",
                                        {{"smtp", "helo", "[192.0.2.1]"}},
                                        "a) (b\\\r\nX-Injected: 2"}};
    const std::string field = authentication_results_field("mx.example.org", results);
    EXPECT_EQ(field,
              "Authentication-Results: mx.example.org;\r\n"
              "\tspf=fail (a\\) \\(b\\\\  X-Injected: 2) reason=\"say \\\"no\\\"  X-Injected: 1\" "
              "smtp.helo=\"[192.0.2.1]\"\r\n");
}

TEST(AuthenticationResults, ReadsTheAuthservId)
{
    EXPECT_EQ(authserv_id_of(" mx.example.org; spf=pass"), "mx.example.org");
    EXPECT_EQ(authserv_id_of(" (comment (nested) \\) ) \r\n\tMX.Example.ORG 1; none"),
              "MX.Example.ORG");
    EXPECT_EQ(authserv_id_of(" \"mx.example.org\"; none"), "mx.example.org");
    EXPECT_EQ(authserv_id_of(" ; spf=pass"), "");
    EXPECT_EQ(authserv_id_of(""), "");
    EXPECT_EQ(authserv_id_of(" (unclosed"), "");
}

TEST(AuthenticationResults, FindsTheFieldsClaimingOurId)
{
    const std::string header =
        "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=evil.example\r\n"
        "Received: from a\r\n"
        "authentication-results: (forged) MX.EXAMPLE.ORG; dkim=pass\r\n"
        "Authentication-Results: mx.example.org.evil; dkim=pass\r\n"
        "Authentication-Results: other.example; dmarc=pass\r\n"
        "Subject: Authentication-Results: mx.example.org; none\r\n"
        "Authentication-Results \t:\r\n mx.example.org; dmarc=pass\r\n"
        "\r\n"
        "Authentication-Results: mx.example.org; in the body, not a field\r\n";
    const std::vector<FieldSpan> ours = results_claiming(header, "mx.example.org");
    ASSERT_EQ(ours.size(), 3u);
    EXPECT_EQ(ours[0].offset, 0u);
    EXPECT_EQ(header.substr(ours[1].offset, ours[1].length),
              "authentication-results: (forged) MX.EXAMPLE.ORG; dkim=pass\r\n");
    EXPECT_EQ(header.substr(ours[2].offset, ours[2].length),
              "Authentication-Results \t:\r\n mx.example.org; dmarc=pass\r\n");
}

TEST(AuthenticationResults, NoParserLimitHidesAForgedField)
{
    // Past any header-field limit of the MIME parser (1,000 fields): still found.
    std::string header;
    for (int i = 0; i < 5000; ++i) {
        header += "X-a: b\r\n";
    }
    const std::size_t offset = header.size();
    header += "Authentication-Results: mx.example.org; dkim=pass\r\n\r\nbody\r\n";
    const std::vector<FieldSpan> ours = results_claiming(header, "mx.example.org");
    ASSERT_EQ(ours.size(), 1u);
    EXPECT_EQ(ours[0].offset, offset);
}

}  // namespace
}  // namespace harbor::auth
