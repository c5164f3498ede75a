#include "cli/format.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace harbor::cli {
namespace {

TEST(Format, Sizes)
{
    struct Case {
        const char* input;
        std::uint64_t want;
    };
    const Case good[] = {{"0", 0},
                         {"unlimited", 0},
                         {"1048576", 1048576},
                         {"512K", 512u << 10},
                         {"20M", 20u << 20},
                         {"2G", 2ull << 30},
                         {"1T", 1ull << 40}};
    for (const Case& c : good) {
        auto got = parse_size(c.input);
        ASSERT_TRUE(got) << c.input;
        EXPECT_EQ(*got, c.want) << c.input;
    }
    for (const char* bad : {"", "G", "12X", "-1", "1.5G", "99999999999999999999", "17179869184T"}) {
        EXPECT_FALSE(parse_size(bad)) << bad;
    }
    EXPECT_EQ(format_size(0), "unlimited");
    EXPECT_EQ(format_size(2ull << 30), "2G");
    EXPECT_EQ(format_size(1536), "1536");
}

TEST(Format, RolesRoundTrip)
{
    for (auto role : {store::Role::User, store::Role::DomainAdmin, store::Role::Admin}) {
        auto parsed = parse_role(role_name(role));
        ASSERT_TRUE(parsed);
        EXPECT_EQ(*parsed, role);
    }
    EXPECT_FALSE(parse_role("root"));
}

TEST(Format, AccountLine)
{
    store::Account account;
    account.address = "alice@example.org";
    account.rights.pop3 = false;
    account.quota_bytes = 2ull << 30;
    account.disabled = true;
    account.display_name = "Alice";
    EXPECT_EQ(format_account(account),
              "alice@example.org role=user quota=2G rights=imap,submission disabled "
              "name=\"Alice\"");
}

TEST(Format, UtcTimes)
{
    EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(1796286900), "2026-12-03T08:35:00Z");
    EXPECT_EQ(format_utc(-1), "1969-12-31T23:59:59Z");
}

TEST(Format, JsonReplacesInvalidUtf8)
{
    // A stored 8-bit Subject that is not UTF-8 must not abort the listing.
    const nlohmann::json value = {{"subject", std::string("caf\xE9 ok")}};
    EXPECT_EQ(format_json(value), "{\n  \"subject\": \"caf\xEF\xBF\xBD ok\"\n}");
}

TEST(Format, ZoneTxtCutsLongTextIntoCharacterStrings)
{
    EXPECT_EQ(format_zone_txt("example.org", "v=spf1 mx -all"),
              "example.org. IN TXT \"v=spf1 mx -all\"");
    EXPECT_EQ(format_zone_txt("x.example", "say \"hi\""), "x.example. IN TXT \"say \\\"hi\\\"\"");
    const std::string key = "p=" + std::string(300, 'A');
    EXPECT_EQ(format_zone_txt("s._domainkey.example.org", key),
              "s._domainkey.example.org. IN TXT ( \"p=" + std::string(253, 'A') + "\" \"" +
                  std::string(47, 'A') + "\" )");
}

}  // namespace
}  // namespace harbor::cli
