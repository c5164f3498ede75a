// Unit tests for Directory::resolve_recipient: accounts, sub-addresses (RFC 5233), aliases,
// groups, catch-all, cycles, limits and tri-state store failures. Accounts are created directly
// in the in-memory test store (no argon2 cost); resolution never looks at credentials.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "directory/directory.hpp"
#include "directory/memory_store_for_test.hpp"

namespace harbor::directory {
namespace {

using Op = MemoryStoreForTest::Op;

class ResolveTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        log::init(log::Level::Error, log::Format::Text);  // dangling targets log warnings
        org_ = *directory_.add_domain("example.org");
        net_ = *directory_.add_domain("example.net");
        ASSERT_TRUE(add_account(org_, "alice"));
        ASSERT_TRUE(add_account(org_, "Bob"));
        ASSERT_TRUE(add_account(net_, "carol"));
        Result<store::Account> disabled = add_account(org_, "dave");
        ASSERT_TRUE(disabled);
        store::AccountChanges changes;
        changes.disabled = true;
        ASSERT_TRUE(store_.update_account(disabled->id, changes));

        const std::pair<const char*, const char*> aliases[] = {
            {"info@example.org", "alice@example.org"},
            {"sales@example.org", "bob@example.org"},
            {"sales@example.org", "Partner@remote.test"},
            {"loop1@example.org", "loop2@example.org"},
            {"loop2@example.org", "loop1@example.org"},
            {"dangling@example.org", "ghost@example.org"},
            {"half@example.org", "ghost@example.org"},
            {"half@example.org", "alice@example.org"},
            {"@example.net", "carol@example.net"},
            {"literal@example.org", "user@[192.0.2.1]"},
        };
        for (const auto& [source, target] : aliases) {
            ASSERT_TRUE(directory_.add_alias(source, target)) << source;
        }
        ASSERT_TRUE(directory_.add_group("team@example.org"));
        ASSERT_TRUE(directory_.add_group("all@example.org"));
        for (const char* member : {"alice@example.org", "BOB@example.org", "sales@example.org"}) {
            ASSERT_TRUE(directory_.add_member("team@example.org", member));
        }
        for (const char* member : {"team@example.org", "alice@example.org", "x@example.net"}) {
            ASSERT_TRUE(directory_.add_member("all@example.org", member));
        }
    }

    Result<store::Account> add_account(const store::Domain& domain, const std::string& local)
    {
        store::Account account;
        account.domain = domain.id;
        account.local_part = local;
        account.address = local + "@" + domain.name;
        return store_.create_account(account);
    }

    MemoryStoreForTest store_;
    Directory directory_{store_};
    store::Domain org_;
    store::Domain net_;
};

struct Want {
    std::vector<std::string> accounts;  // addresses, in order
    std::vector<std::string> external;
};

struct ResolveCase {
    const char* name;
    std::string input;
    Want want;
};

std::vector<std::string> addresses_of(const Resolution& resolution)
{
    std::vector<std::string> out;
    for (const store::Account& account : resolution.accounts) {
        out.push_back(account.address);
    }
    return out;
}

TEST_F(ResolveTest, ResolvesToAccountsAndExternalAddresses)
{
    const ResolveCase cases[] = {
        {"account", "alice@example.org", {{"alice@example.org"}, {}}},
        {"account, other case", "ALICE@Example.ORG", {{"alice@example.org"}, {}}},
        {"account created with capitals", "bob@example.org", {{"Bob@example.org"}, {}}},
        {"sub-address", "alice+news@example.org", {{"alice@example.org"}, {}}},
        {"sub-address, empty tag", "alice+@example.org", {{"alice@example.org"}, {}}},
        {"disabled account still resolves", "dave@example.org", {{"dave@example.org"}, {}}},
        {"alias", "info@example.org", {{"alice@example.org"}, {}}},
        {"alias with sub-address", "info+x@example.org", {{"alice@example.org"}, {}}},
        {"alias to local and remote",
         "sales@example.org",
         {{"Bob@example.org"}, {"Partner@remote.test"}}},
        {"group",
         "team@example.org",
         {{"alice@example.org", "Bob@example.org"}, {"Partner@remote.test"}}},
        {"group via sub-address",
         "team+x@example.org",
         {{"alice@example.org", "Bob@example.org"}, {"Partner@remote.test"}}},
        {"nested group, deduplicated",
         "all@example.org",
         {{"alice@example.org", "Bob@example.org", "carol@example.net"}, {"Partner@remote.test"}}},
        {"catch-all", "anyone@example.net", {{"carol@example.net"}, {}}},
        {"account beats catch-all", "carol+x@example.net", {{"carol@example.net"}, {}}},
        {"dangling target skipped", "half@example.org", {{"alice@example.org"}, {}}},
        {"alias to address literal", "literal@example.org", {{}, {"user@[192.0.2.1]"}}},
        {"idn domain input", "alice@EXAMPLE.org", {{"alice@example.org"}, {}}},
    };
    for (const auto& c : cases) {
        Result<Resolution> resolution = directory_.resolve_recipient(c.input);
        ASSERT_TRUE(resolution) << c.name << ": " << resolution.error().to_string();
        EXPECT_EQ(addresses_of(*resolution), c.want.accounts) << c.name;
        EXPECT_EQ(resolution->external, c.want.external) << c.name;
    }
}

struct FailCase {
    const char* name;
    std::string input;
    Errc want;
    std::string want_detail;
};

TEST_F(ResolveTest, ReportsWhyNothingMatched)
{
    const FailCase cases[] = {
        {"unknown user", "nobody@example.org", Errc::NotFound, "no such recipient"},
        {"unknown user with tag", "nobody+x@example.org", Errc::NotFound, "no such recipient"},
        {"other domain", "alice@remote.test", Errc::NotFound, "not local"},
        {"address literal", "alice@[192.0.2.1]", Errc::NotFound, "not local"},
        {"alias loop", "loop1@example.org", Errc::NotFound, "no such recipient"},
        {"dangling alias", "dangling@example.org", Errc::NotFound, "no such recipient"},
        {"malformed", "alice@@example.org", Errc::Invalid, ""},
        {"empty", "", Errc::Invalid, ""},
    };
    for (const auto& c : cases) {
        Result<Resolution> resolution = directory_.resolve_recipient(c.input);
        ASSERT_FALSE(resolution) << c.name;
        EXPECT_EQ(resolution.error().code, c.want) << c.name;
        EXPECT_NE(resolution.error().detail.find(c.want_detail), std::string::npos)
            << c.name << ": " << resolution.error().detail;
    }
}

TEST_F(ResolveTest, DepthLimit)
{
    // hop0 -> hop1 -> ... -> hopN -> alice: fine up to max_expansion_depth hops.
    const int hops = max_expansion_depth + 1;
    for (int i = 0; i < hops; ++i) {
        const std::string target = (i + 1 == hops) ? std::string("alice@example.org")
                                                   : "hop" + std::to_string(i + 1) + "@example.org";
        ASSERT_TRUE(directory_.add_alias("hop" + std::to_string(i) + "@example.org", target));
    }
    const std::string ok_start =
        "hop" + std::to_string(hops - max_expansion_depth) + "@example.org";
    Result<Resolution> shallow = directory_.resolve_recipient(ok_start);
    ASSERT_TRUE(shallow) << shallow.error().to_string();
    EXPECT_EQ(addresses_of(*shallow), std::vector<std::string>{"alice@example.org"});

    Result<Resolution> deep = directory_.resolve_recipient("hop0@example.org");
    ASSERT_FALSE(deep);
    EXPECT_EQ(deep.error().code, Errc::Limit);
}

struct TempFailCase {
    const char* name;
    Op op;
    std::string input;
};

TEST_F(ResolveTest, StoreFailuresStayTempFail)
{
    // Every lookup on each path: a failure must never turn into "no such recipient".
    const TempFailCase cases[] = {
        {"domain lookup", Op::FindDomain, "alice@example.org"},
        {"account lookup", Op::FindAccount, "alice@example.org"},
        {"account lookup, unknown user", Op::FindAccount, "nobody@example.org"},
        {"alias lookup", Op::FindAliases, "info@example.org"},
        {"alias lookup, unknown user", Op::FindAliases, "nobody@example.org"},
        {"group lookup", Op::FindGroup, "team@example.org"},
        {"group lookup, unknown user", Op::FindGroup, "nobody@example.org"},
        {"catch-all lookup", Op::FindAliases, "anyone@example.net"},
        {"account lookup inside a group", Op::FindAccount, "team@example.org"},
    };
    for (const auto& c : cases) {
        store_.fail_for_test(c.op, Errc::TempFail);
        Result<Resolution> resolution = directory_.resolve_recipient(c.input);
        store_.clear_failures_for_test();
        ASSERT_FALSE(resolution) << c.name;
        EXPECT_EQ(resolution.error().code, Errc::TempFail) << c.name;
    }
}

TEST_F(ResolveTest, WideGroupHitsLimit)
{
    ASSERT_TRUE(directory_.add_group("huge@example.org"));
    for (std::size_t i = 0; i <= max_expanded_addresses; ++i) {
        ASSERT_TRUE(
            store_.add_group_member("huge@example.org", "m" + std::to_string(i) + "@remote.test"));
    }
    Result<Resolution> resolution = directory_.resolve_recipient("huge@example.org");
    ASSERT_FALSE(resolution);
    EXPECT_EQ(resolution.error().code, Errc::Limit);
}

}  // namespace
}  // namespace harbor::directory
