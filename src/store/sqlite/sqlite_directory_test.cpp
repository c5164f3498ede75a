// Directory data through the Store interface: create, find, list, update, remove, and the Errc
// each failure reports.
#include <gtest/gtest.h>

#include "store/test_support.hpp"

namespace harbor::store {
namespace {

using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

class SqliteDirectory : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
        alice_ = make_alice(*store_);
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
    Account alice_;
};

template <typename T>
void expect_error(const Result<T>& result, Errc want, const std::string& what)
{
    ASSERT_FALSE(result) << what;
    EXPECT_EQ(result.error().code, want) << what << ": " << result.error().to_string();
}

TEST_F(SqliteDirectory, DomainsCreateFindListRemove)
{
    Result<Domain> second = store_->create_domain("example.net");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->name, "example.net");

    Result<Domain> found = store_->find_domain("example.net");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, second->id);

    Result<std::vector<Domain>> all = store_->list_domains();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].name, "example.net");
    EXPECT_EQ((*all)[1].name, "example.org");

    // The domain's DKIM keys go with it; another domain's stay.
    ASSERT_TRUE(store_->add_dkim_key({"example.net", "s1", "rsa-sha256", "PEM", 100, true}));
    ASSERT_TRUE(store_->add_dkim_key({"example.org", "s1", "rsa-sha256", "PEM", 100, true}));
    ASSERT_TRUE(store_->remove_domain("example.net"));
    expect_error(store_->find_domain("example.net"), Errc::NotFound, "after remove");
    EXPECT_TRUE(store_->list_dkim_keys("example.net")->empty());
    EXPECT_EQ(store_->list_dkim_keys("")->size(), 1u);
}

TEST(Credentials, ForgetReleasesBothSecrets)
{
    Credentials credentials{std::string(97, 'h'), std::string(120, 's')};
    forget_credentials(credentials);
    EXPECT_TRUE(credentials.password_hash.empty());
    EXPECT_TRUE(credentials.scram_sha256.empty());
    // Back in the string itself (libstdc++ keeps up to 15 bytes inline): no heap block kept.
    EXPECT_LE(credentials.password_hash.capacity(), 15u);
    EXPECT_LE(credentials.scram_sha256.capacity(), 15u);
}

TEST_F(SqliteDirectory, AccountKeepsEveryField)
{
    Account bob;
    bob.domain = alice_.domain;
    bob.local_part = "Bob.Smith";
    bob.display_name = "Bob Smith";
    bob.credentials = {"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "c2FsdA==:4096:c3Q=:c2s="};
    bob.role = Role::DomainAdmin;
    bob.rights = Rights{.imap = true, .pop3 = false, .submission = true};
    bob.quota_bytes = 1u << 30;
    bob.disabled = true;
    Result<Account> created = store_->create_account(bob);
    ASSERT_TRUE(created) << created.error().to_string();
    EXPECT_GT(created->id.value, 0);

    // Case-insensitive on the local part; the stored form keeps its case.
    Result<Account> found = store_->find_account("bob.smith", "example.org");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, created->id);
    EXPECT_EQ(found->local_part, "Bob.Smith");
    EXPECT_EQ(found->address, "Bob.Smith@example.org");
    EXPECT_EQ(found->display_name, "Bob Smith");
    EXPECT_EQ(found->credentials.password_hash, bob.credentials.password_hash);
    EXPECT_EQ(found->credentials.scram_sha256, bob.credentials.scram_sha256);
    EXPECT_EQ(found->role, Role::DomainAdmin);
    EXPECT_EQ(found->rights, bob.rights);
    EXPECT_EQ(found->quota_bytes, bob.quota_bytes);
    EXPECT_TRUE(found->disabled);

    Result<std::vector<Account>> in_domain = store_->list_accounts("example.org");
    ASSERT_TRUE(in_domain);
    EXPECT_EQ(in_domain->size(), 2u);
    Result<std::vector<Account>> everywhere = store_->list_accounts("");
    ASSERT_TRUE(everywhere);
    EXPECT_EQ(everywhere->size(), 2u);
    Result<std::vector<Account>> nowhere = store_->list_accounts("unknown.example");
    ASSERT_TRUE(nowhere);
    EXPECT_TRUE(nowhere->empty());
}

TEST_F(SqliteDirectory, UpdateAccountChangesOnlyWhatIsGiven)
{
    AccountChanges changes;
    changes.display_name = "Alice A.";
    changes.rights = Rights{.imap = false, .pop3 = true, .submission = false};
    changes.disabled = true;
    Result<Account> updated = store_->update_account(alice_.id, changes);
    ASSERT_TRUE(updated) << updated.error().to_string();
    EXPECT_EQ(updated->display_name, "Alice A.");
    EXPECT_FALSE(updated->rights.imap);
    EXPECT_TRUE(updated->disabled);
    EXPECT_EQ(updated->role, Role::User);
    EXPECT_EQ(updated->local_part, "alice");

    AccountChanges credentials;
    credentials.credentials = Credentials{"new-hash", "new-scram"};
    credentials.role = Role::Admin;
    credentials.quota_bytes = 5000;
    updated = store_->update_account(alice_.id, credentials);
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->credentials.password_hash, "new-hash");
    EXPECT_EQ(updated->credentials.scram_sha256, "new-scram");
    EXPECT_EQ(updated->role, Role::Admin);
    EXPECT_EQ(updated->quota_bytes, 5000u);
    EXPECT_EQ(updated->display_name, "Alice A.");  // kept from the first update
}

TEST_F(SqliteDirectory, AliasesAndGroups)
{
    ASSERT_TRUE(store_->create_alias({"postmaster@example.org", "alice@example.org"}));
    ASSERT_TRUE(store_->create_alias({"postmaster@example.org", "bob@example.org"}));
    ASSERT_TRUE(store_->create_alias({"@example.org", "alice@example.org"}));
    Result<std::vector<Alias>> found = store_->find_aliases("PostMaster@example.org");
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), 2u);
    EXPECT_EQ((*found)[0].target, "alice@example.org");
    EXPECT_EQ((*found)[1].target, "bob@example.org");
    Result<std::vector<Alias>> listed = store_->list_aliases("example.org");
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->size(), 3u);
    ASSERT_TRUE(store_->remove_alias({"postmaster@example.org", "bob@example.org"}));
    found = store_->find_aliases("postmaster@example.org");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->size(), 1u);

    ASSERT_TRUE(store_->create_group("team@example.org"));
    ASSERT_TRUE(store_->create_group("empty@example.org"));
    ASSERT_TRUE(store_->add_group_member("team@example.org", "bob@example.org"));
    ASSERT_TRUE(store_->add_group_member("team@example.org", "alice@example.org"));
    Result<Group> team = store_->find_group("Team@Example.org");
    ASSERT_TRUE(team);
    EXPECT_EQ(team->address, "team@example.org");
    EXPECT_EQ(team->members, (std::vector<std::string>{"alice@example.org", "bob@example.org"}));
    Result<std::vector<Group>> groups = store_->list_groups("example.org");
    ASSERT_TRUE(groups);
    ASSERT_EQ(groups->size(), 2u);
    EXPECT_EQ((*groups)[0].address, "empty@example.org");
    EXPECT_TRUE((*groups)[0].members.empty());
    EXPECT_EQ((*groups)[1].members.size(), 2u);
    ASSERT_TRUE(store_->remove_group_member("team@example.org", "bob@example.org"));
    team = store_->find_group("team@example.org");
    ASSERT_TRUE(team);
    EXPECT_EQ(team->members, std::vector<std::string>{"alice@example.org"});
    ASSERT_TRUE(store_->remove_group("team@example.org"));
    expect_error(store_->find_group("team@example.org"), Errc::NotFound, "removed group");
}

TEST_F(SqliteDirectory, RemoveDomainFailsWhileItHasAccountsAliasesOrGroups)
{
    ASSERT_TRUE(store_->create_domain("busy.example"));
    Account carol;
    carol.domain = store_->find_domain("busy.example")->id;
    carol.local_part = "carol";
    Result<Account> created = store_->create_account(carol);
    ASSERT_TRUE(created);

    // Each kind of dependant alone blocks the removal; removing it unblocks.
    expect_error(store_->remove_domain("busy.example"), Errc::Exists, "account");
    ASSERT_TRUE(store_->remove_account(created->id));
    ASSERT_TRUE(store_->create_alias({"x@busy.example", "alice@example.org"}));
    expect_error(store_->remove_domain("busy.example"), Errc::Exists, "alias");
    ASSERT_TRUE(store_->remove_alias({"x@busy.example", "alice@example.org"}));
    ASSERT_TRUE(store_->create_group("g@busy.example"));
    expect_error(store_->remove_domain("busy.example"), Errc::Exists, "group");
    ASSERT_TRUE(store_->remove_group("g@busy.example"));
    EXPECT_TRUE(store_->remove_domain("busy.example"));
}

TEST_F(SqliteDirectory, ErrorCodes)
{
    Account duplicate;
    duplicate.domain = alice_.domain;
    duplicate.local_part = "ALICE";
    Account orphan;
    orphan.domain = DomainId{999};
    orphan.local_part = "x";
    Account nameless;
    nameless.domain = alice_.domain;
    ASSERT_TRUE(store_->create_alias({"a@example.org", "b@example.org"}));
    ASSERT_TRUE(store_->create_group("g@example.org"));
    ASSERT_TRUE(store_->add_group_member("g@example.org", "m@example.org"));

    struct Case {
        std::string name;
        std::function<Result<void>()> call;
        Errc want;
    };
    auto drop = [](auto result) -> Result<void> {
        HARBOR_TRY(result);
        return ok();
    };
    Store& s = *store_;
    const Case cases[] = {
        {"duplicate domain", [&] { return drop(s.create_domain("example.org")); }, Errc::Exists},
        {"empty domain", [&] { return drop(s.create_domain("")); }, Errc::Invalid},
        {"find missing domain", [&] { return drop(s.find_domain("nope.example")); },
         Errc::NotFound},
        {"remove missing domain", [&] { return s.remove_domain("nope.example"); }, Errc::NotFound},
        {"duplicate account, other case", [&] { return drop(s.create_account(duplicate)); },
         Errc::Exists},
        {"account in missing domain", [&] { return drop(s.create_account(orphan)); },
         Errc::NotFound},
        {"account without local part", [&] { return drop(s.create_account(nameless)); },
         Errc::Invalid},
        {"find missing account", [&] { return drop(s.find_account("zed", "example.org")); },
         Errc::NotFound},
        {"update missing account",
         [&] { return drop(s.update_account(AccountId{999}, AccountChanges{})); }, Errc::NotFound},
        {"remove missing account", [&] { return s.remove_account(AccountId{999}); },
         Errc::NotFound},
        {"duplicate alias, other case",
         [&] {
             return s.create_alias({"A@example.org", "b@example.org"});
         },
         Errc::Exists},
        {"alias in missing domain",
         [&] {
             return s.create_alias({"a@nope.example", "b@example.org"});
         },
         Errc::NotFound},
        {"alias source without domain",
         [&] {
             return s.create_alias({"plain", "b@example.org"});
         },
         Errc::Invalid},
        {"remove missing alias",
         [&] {
             return s.remove_alias({"a@example.org", "c@x"});
         },
         Errc::NotFound},
        {"duplicate group", [&] { return s.create_group("G@example.org"); }, Errc::Exists},
        {"group in missing domain", [&] { return s.create_group("g@nope.example"); },
         Errc::NotFound},
        {"find missing group", [&] { return drop(s.find_group("h@example.org")); }, Errc::NotFound},
        {"remove missing group", [&] { return s.remove_group("h@example.org"); }, Errc::NotFound},
        {"duplicate member", [&] { return s.add_group_member("g@example.org", "m@example.org"); },
         Errc::Exists},
        {"member of missing group",
         [&] { return s.add_group_member("h@example.org", "m@example.org"); }, Errc::NotFound},
        {"remove missing member",
         [&] { return s.remove_group_member("g@example.org", "n@example.org"); }, Errc::NotFound},
    };
    for (const Case& c : cases) {
        expect_error(c.call(), c.want, c.name);
    }
}

}  // namespace
}  // namespace harbor::store
