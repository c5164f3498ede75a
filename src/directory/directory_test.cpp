// Unit tests for directory/directory: domains, accounts, password policy, authentication,
// aliases and groups over the in-memory test store (memory_store_for_test.hpp).
// Each add_user/authenticate costs one argon2id run (~50 ms), so tables here stay short.
#include "directory/directory.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/log.hpp"
#include "directory/memory_store_for_test.hpp"
#include "sasl/password_hash.hpp"
#include "sasl/scram_sha256.hpp"

namespace harbor::directory {
namespace {

using Op = MemoryStoreForTest::Op;

class DirectoryTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        log::init(log::Level::Error, log::Format::Text);  // keep test output readable
        ASSERT_TRUE(directory_.add_domain("example.org"));
        ASSERT_TRUE(directory_.add_domain("example.net"));
    }

    MemoryStoreForTest store_;
    Directory directory_{store_};
};

TEST_F(DirectoryTest, Domains)
{
    Result<store::Domain> idn = directory_.add_domain(
        "B\xc3\xbc"
        "cher.Example");
    ASSERT_TRUE(idn);
    EXPECT_EQ(idn->name, "xn--bcher-kva.example");
    EXPECT_EQ(directory_.add_domain("EXAMPLE.org").error().code, Errc::Exists);
    EXPECT_EQ(directory_.add_domain("bad..domain").error().code, Errc::Invalid);
    EXPECT_EQ(directory_.add_domain("[192.0.2.1]").error().code, Errc::Invalid);

    Result<std::vector<store::Domain>> domains = directory_.list_domains();
    ASSERT_TRUE(domains);
    EXPECT_EQ(domains->size(), 3u);
    EXPECT_TRUE(*directory_.is_local_domain("xn--bcher-kva.example"));
    EXPECT_FALSE(*directory_.is_local_domain("remote.test"));

    ASSERT_TRUE(
        directory_.remove_domain("b\xc3\xbc"
                                 "cher.example"));
    EXPECT_FALSE(*directory_.is_local_domain("xn--bcher-kva.example"));
    EXPECT_EQ(directory_
                  .remove_domain("b\xc3\xbc"
                                 "cher.example")
                  .error()
                  .code,
              Errc::NotFound);

    ASSERT_TRUE(directory_.add_group("list@example.net"));
    EXPECT_EQ(directory_.remove_domain("example.net").error().code, Errc::Exists);

    store_.fail_for_test(Op::FindDomain, Errc::TempFail);
    EXPECT_EQ(directory_.is_local_domain("example.org").error().code, Errc::TempFail);
}

struct AddUserCase {
    const char* name;
    std::string address;
    std::string password;
    std::optional<Errc> want_error;
    std::string want_detail;
};

TEST_F(DirectoryTest, AddUser)
{
    ASSERT_TRUE(directory_.add_user("alice@example.org", "correct horse"));
    ASSERT_TRUE(directory_.add_group("team@example.org"));
    ASSERT_TRUE(directory_.add_alias("info@example.org", "alice@example.org"));

    const AddUserCase cases[] = {
        {"eight characters", "bob@example.org", "12345678", std::nullopt, ""},
        {"utf-8 password counts characters", "carol@example.net", "P\xc3\xa4\xc3\x9fw\xc3\xb6rt!",
         std::nullopt, ""},
        {"duplicate, other case", "ALICE@example.org", "another password", Errc::Exists, "account"},
        {"group has the address", "team@example.org", "another password", Errc::Exists, "group"},
        {"alias has the address", "info@example.org", "another password", Errc::Exists, "alias"},
        {"unknown domain", "dave@remote.test", "another password", Errc::NotFound,
         "not a local domain"},
        {"bad address", "dave@@example.org", "another password", Errc::Invalid, ""},
        {"address literal", "dave@[192.0.2.1]", "another password", Errc::Invalid, "literal"},
        {"sub-address separator", "dave+x@example.org", "another password", Errc::Invalid,
         "sub-address"},
        {"empty password", "dave@example.org", "", Errc::Invalid, "empty"},
        {"seven characters", "dave@example.org", "1234567", Errc::Invalid, "shorter than 8"},
        {"password is the local part", "davedave@example.org", "DaveDave", Errc::Invalid,
         "equals the address"},
        {"password is the address", "dave@example.org", "dave@example.org", Errc::Invalid,
         "equals the address"},
        {"control character", "dave@example.org", "pass\nword123", Errc::Invalid, "control"},
        {"overlong password", "dave@example.org", std::string(5000, 'x'), Errc::Invalid,
         "longer than"},
    };
    for (const auto& c : cases) {
        Result<store::Account> account = directory_.add_user(c.address, c.password);
        if (!c.want_error) {
            ASSERT_TRUE(account) << c.name << ": " << account.error().to_string();
            continue;
        }
        ASSERT_FALSE(account) << c.name;
        EXPECT_EQ(account.error().code, *c.want_error) << c.name;
        EXPECT_NE(account.error().detail.find(c.want_detail), std::string::npos)
            << c.name << ": " << account.error().detail;
    }
}

TEST_F(DirectoryTest, StoresBothCredentialForms)
{
    Result<store::Account> account =
        directory_.add_user("Alice@example.org", "correct horse", store::Role::Admin, "Alice A.");
    ASSERT_TRUE(account);
    EXPECT_EQ(account->address, "Alice@example.org");  // case kept
    EXPECT_EQ(account->local_part, "Alice");
    EXPECT_EQ(account->display_name, "Alice A.");
    EXPECT_EQ(account->role, store::Role::Admin);

    Result<bool> verified =
        sasl::verify_password("correct horse", account->credentials.password_hash);
    ASSERT_TRUE(verified);
    EXPECT_TRUE(*verified);

    Result<sasl::ScramCredentials> scram =
        sasl::parse_scram_credentials(account->credentials.scram_sha256);
    ASSERT_TRUE(scram);
    Result<sasl::ScramCredentials> again =
        sasl::derive_scram_credentials("correct horse", scram->salt, scram->iterations);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *scram);
}

struct AuthCase {
    const char* name;
    std::string address;
    std::string password;
    bool want_ok;
};

TEST_F(DirectoryTest, AuthenticateGivesOneAnswerForEveryFailure)
{
    ASSERT_TRUE(directory_.add_user("alice@example.org", "correct horse"));
    ASSERT_TRUE(directory_.add_user("dave@example.org", "dave's password"));
    AccountUpdate disable;
    disable.disabled = true;
    ASSERT_TRUE(directory_.update_user("dave@example.org", disable));

    const AuthCase cases[] = {
        {"right password", "alice@example.org", "correct horse", true},
        {"local part in other case", "ALICE@Example.ORG", "correct horse", true},
        {"wrong password", "alice@example.org", "correct horsE", false},
        {"empty password", "alice@example.org", "", false},
        {"unknown user", "nobody@example.org", "correct horse", false},
        {"unknown domain", "alice@remote.test", "correct horse", false},
        {"disabled account, right password", "dave@example.org", "dave's password", false},
        {"malformed address", "alice@@example.org", "correct horse", false},
    };
    for (const auto& c : cases) {
        Result<store::Account> account = directory_.authenticate(c.address, c.password);
        if (c.want_ok) {
            ASSERT_TRUE(account) << c.name << ": " << account.error().to_string();
            EXPECT_EQ(account->address, "alice@example.org") << c.name;
            continue;
        }
        ASSERT_FALSE(account) << c.name;
        EXPECT_EQ(account.error().code, Errc::Permission) << c.name;
        EXPECT_EQ(account.error().detail, "invalid credentials") << c.name;
    }
}

TEST_F(DirectoryTest, AuthenticateKeepsTempFail)
{
    ASSERT_TRUE(directory_.add_user("alice@example.org", "correct horse"));
    store_.fail_for_test(Op::FindAccount, Errc::TempFail);
    Result<store::Account> account = directory_.authenticate("alice@example.org", "correct horse");
    ASSERT_FALSE(account);
    EXPECT_EQ(account.error().code, Errc::TempFail);
}

TEST_F(DirectoryTest, SetPasswordAndUpdate)
{
    ASSERT_TRUE(directory_.add_user("alice@example.org", "correct horse"));
    EXPECT_EQ(directory_.set_password("alice@example.org", "short").error().code, Errc::Invalid);
    EXPECT_EQ(directory_.set_password("nobody@example.org", "long enough").error().code,
              Errc::NotFound);
    ASSERT_TRUE(directory_.set_password("alice@example.org", "battery staple"));
    EXPECT_FALSE(directory_.authenticate("alice@example.org", "correct horse"));
    EXPECT_TRUE(directory_.authenticate("alice@example.org", "battery staple"));

    AccountUpdate changes;
    changes.display_name = "Alice";
    changes.quota_bytes = 1'000'000;
    changes.rights = store::Rights{true, false, true};
    changes.role = store::Role::DomainAdmin;
    Result<store::Account> updated = directory_.update_user("alice@example.org", changes);
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->display_name, "Alice");
    EXPECT_EQ(updated->quota_bytes, 1'000'000u);
    EXPECT_EQ(updated->role, store::Role::DomainAdmin);
    EXPECT_FALSE(updated->rights.pop3);

    AccountUpdate bad_name;
    bad_name.display_name = std::string("A\x01");
    EXPECT_EQ(directory_.update_user("alice@example.org", bad_name).error().code, Errc::Invalid);
    EXPECT_EQ(directory_.update_user("nobody@example.org", changes).error().code, Errc::NotFound);
}

struct RightsCase {
    const char* name;
    store::Rights rights;
    bool disabled;
    Protocol protocol;
    bool want;
};

TEST(IsAllowed, ChecksRightsAndDisabled)
{
    const RightsCase cases[] = {
        {"imap granted", {true, true, true}, false, Protocol::Imap, true},
        {"imap denied", {false, true, true}, false, Protocol::Imap, false},
        {"pop3 granted", {true, true, true}, false, Protocol::Pop3, true},
        {"pop3 denied", {true, false, true}, false, Protocol::Pop3, false},
        {"submission granted", {true, true, true}, false, Protocol::Submission, true},
        {"submission denied", {true, true, false}, false, Protocol::Submission, false},
        {"disabled overrides", {true, true, true}, true, Protocol::Imap, false},
    };
    for (const auto& c : cases) {
        store::Account account;
        account.rights = c.rights;
        account.disabled = c.disabled;
        EXPECT_EQ(is_allowed(account, c.protocol), c.want) << c.name;
    }
}

TEST_F(DirectoryTest, RemoveAndListUsers)
{
    ASSERT_TRUE(directory_.add_user("alice@example.org", "correct horse"));
    ASSERT_TRUE(directory_.add_user("bob@example.org", "correct horse"));
    Result<std::vector<store::Account>> users = directory_.list_users("EXAMPLE.org");
    ASSERT_TRUE(users);
    EXPECT_EQ(users->size(), 2u);
    EXPECT_EQ(directory_.list_users("remote.test").error().code, Errc::NotFound);

    ASSERT_TRUE(directory_.remove_user("Alice@example.org"));
    EXPECT_EQ(directory_.remove_user("alice@example.org").error().code, Errc::NotFound);
    EXPECT_EQ(directory_.find_user("alice@example.org").error().code, Errc::NotFound);
    EXPECT_EQ(directory_.list_users("example.org")->size(), 1u);
}

struct AliasCase {
    const char* name;
    std::string source;
    std::string target;
    std::optional<Errc> want_error;
};

TEST_F(DirectoryTest, Aliases)
{
    ASSERT_TRUE(directory_.add_user("alice@example.org", "correct horse"));
    ASSERT_TRUE(directory_.add_group("team@example.org"));
    const AliasCase cases[] = {
        {"local to local", "info@example.org", "alice@example.org", std::nullopt},
        {"local to remote", "info@example.org", "partner@remote.test", std::nullopt},
        {"catch-all", "@example.org", "alice@example.org", std::nullopt},
        {"idn catch-all source normalised", "@EXAMPLE.net", "alice@example.org", std::nullopt},
        {"duplicate", "INFO@example.org", "Alice@example.org", Errc::Exists},
        {"source domain not local", "info@remote.test", "alice@example.org", Errc::NotFound},
        {"catch-all of other domain", "@remote.test", "alice@example.org", Errc::NotFound},
        {"to itself", "self@example.org", "SELF@example.org", Errc::Invalid},
        {"account at source", "alice@example.org", "partner@remote.test", Errc::Exists},
        {"group at source", "team@example.org", "partner@remote.test", Errc::Exists},
        {"bad source", "in fo@example.org", "alice@example.org", Errc::Invalid},
        {"bad target", "info@example.org", "alice", Errc::Invalid},
        {"bad catch-all", "@", "alice@example.org", Errc::Invalid},
    };
    for (const auto& c : cases) {
        Result<void> added = directory_.add_alias(c.source, c.target);
        if (!c.want_error) {
            EXPECT_TRUE(added) << c.name << ": " << added.error().to_string();
            continue;
        }
        ASSERT_FALSE(added) << c.name;
        EXPECT_EQ(added.error().code, *c.want_error) << c.name << ": " << added.error().detail;
    }
    Result<std::vector<store::Alias>> aliases = directory_.list_aliases("example.org");
    ASSERT_TRUE(aliases);
    EXPECT_EQ(aliases->size(), 3u);

    ASSERT_TRUE(directory_.remove_alias("Info@example.org", "ALICE@example.org"));
    EXPECT_EQ(directory_.remove_alias("info@example.org", "alice@example.org").error().code,
              Errc::NotFound);
    EXPECT_EQ(directory_.list_aliases("example.org")->size(), 2u);
}

TEST_F(DirectoryTest, GroupsRejectCycles)
{
    for (const char* group : {"a@example.org", "b@example.org", "c@example.org"}) {
        ASSERT_TRUE(directory_.add_group(group)) << group;
    }
    EXPECT_EQ(directory_.add_group("A@example.org").error().code, Errc::Exists);
    EXPECT_EQ(directory_.add_group("x@remote.test").error().code, Errc::NotFound);

    ASSERT_TRUE(directory_.add_member("a@example.org", "b@example.org"));
    ASSERT_TRUE(directory_.add_member("b@example.org", "c@example.org"));
    ASSERT_TRUE(directory_.add_member("c@example.org", "someone@remote.test"));
    EXPECT_EQ(directory_.add_member("a@example.org", "B@example.org").error().code, Errc::Exists);
    EXPECT_EQ(directory_.add_member("nogroup@example.org", "x@example.org").error().code,
              Errc::NotFound);

    struct CycleCase {
        const char* name;
        std::string group;
        std::string member;
    };
    const CycleCase cycles[] = {
        {"self", "a@example.org", "A@example.org"},
        {"direct", "b@example.org", "a@example.org"},
        {"indirect", "c@example.org", "a@example.org"},
    };
    for (const auto& c : cycles) {
        Result<void> added = directory_.add_member(c.group, c.member);
        ASSERT_FALSE(added) << c.name;
        EXPECT_EQ(added.error().code, Errc::Invalid) << c.name;
        EXPECT_NE(added.error().detail.find("would create a cycle"), std::string::npos) << c.name;
    }
    // A diamond is not a cycle.
    ASSERT_TRUE(directory_.add_member("a@example.org", "c@example.org"));

    store_.fail_for_test(Op::FindGroup, Errc::TempFail);
    EXPECT_EQ(directory_.add_member("a@example.org", "d@example.org").error().code, Errc::TempFail);
    store_.clear_failures_for_test();

    ASSERT_TRUE(directory_.remove_member("a@example.org", "C@EXAMPLE.org"));
    EXPECT_EQ(directory_.remove_member("a@example.org", "c@example.org").error().code,
              Errc::NotFound);
    Result<std::vector<store::Group>> groups = directory_.list_groups("example.org");
    ASSERT_TRUE(groups);
    EXPECT_EQ(groups->size(), 3u);
    ASSERT_TRUE(directory_.remove_group("C@example.org"));
    EXPECT_EQ(directory_.list_groups("example.org")->size(), 2u);
}

struct WriteTempFailCase {
    const char* name;
    Op op;
    std::function<Result<void>(Directory&)> call;
};

TEST_F(DirectoryTest, WritesKeepTempFail)
{
    ASSERT_TRUE(directory_.add_group("team@example.org"));
    const auto void_of = [](auto result) -> Result<void> {
        HARBOR_TRY(result);
        return ok();
    };
    const WriteTempFailCase cases[] = {
        {"add_user: domain lookup", Op::FindDomain,
         [&](Directory& d) { return void_of(d.add_user("eve@example.org", "long enough")); }},
        {"add_user: account lookup", Op::FindAccount,
         [&](Directory& d) { return void_of(d.add_user("eve@example.org", "long enough")); }},
        {"add_user: alias lookup", Op::FindAliases,
         [&](Directory& d) { return void_of(d.add_user("eve@example.org", "long enough")); }},
        {"add_user: group lookup", Op::FindGroup,
         [&](Directory& d) { return void_of(d.add_user("eve@example.org", "long enough")); }},
        {"add_alias: domain lookup", Op::FindDomain,
         [](Directory& d) { return d.add_alias("info@example.org", "x@remote.test"); }},
        {"add_alias: account lookup", Op::FindAccount,
         [](Directory& d) { return d.add_alias("info@example.org", "x@remote.test"); }},
        {"add_group: group lookup", Op::FindGroup,
         [](Directory& d) { return d.add_group("list@example.org"); }},
        {"add_member: group lookup", Op::FindGroup,
         [](Directory& d) { return d.add_member("team@example.org", "x@remote.test"); }},
        {"find_user", Op::FindAccount,
         [&](Directory& d) { return void_of(d.find_user("alice@example.org")); }},
        {"list_users", Op::ListAccounts,
         [&](Directory& d) { return void_of(d.list_users("example.org")); }},
    };
    for (const auto& c : cases) {
        store_.fail_for_test(c.op, Errc::TempFail);
        Result<void> result = c.call(directory_);
        store_.clear_failures_for_test();
        ASSERT_FALSE(result) << c.name;
        EXPECT_EQ(result.error().code, Errc::TempFail) << c.name;
    }
}

TEST_F(DirectoryTest, CorruptStoredHashIsAnInternalError)
{
    Result<store::Domain> domain = store_.find_domain("example.org");
    ASSERT_TRUE(domain);
    store::Account account;
    account.domain = domain->id;
    account.local_part = "broken";
    account.address = "broken@example.org";
    account.credentials.password_hash = "$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA";
    ASSERT_TRUE(store_.create_account(account));
    Result<store::Account> result = directory_.authenticate("broken@example.org", "whatever1");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::Internal);
}

}  // namespace
}  // namespace harbor::directory
