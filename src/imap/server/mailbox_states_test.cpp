// MailboxStates against a real SQLite store and its change feed: a kept state is found until
// any change of the account's mailboxes, a state read before a change is not kept, and other
// accounts' changes leave it alone.
#include "imap/server/mailbox_states.hpp"

#include <gtest/gtest.h>

#include "store/test_support.hpp"

namespace harbor::imap::server {
namespace {

using store::testing::append_request;
using store::testing::make_alice;

// A store with alice, and its change feed.
class MailboxStatesTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_NE(store, nullptr); }

    store::testing::TempDir dir_;
    std::unique_ptr<store::Store> owned_ = store::testing::open_or_fail(dir_.path());
    store::Store* store = owned_.get();
    const store::Account alice = store != nullptr ? make_alice(*store) : store::Account{};
    store::ChangeFeed feed{*store};
};

MailboxState read_state(store::Store& store, store::AccountId account, const std::string& name)
{
    MailboxState state;
    Result<store::Mailbox> box = store.find_mailbox(account, name);
    EXPECT_TRUE(box.has_value());
    state.mailbox = *box;
    Result<store::MailboxStatus> status = store.mailbox_status(box->id);
    EXPECT_TRUE(status.has_value());
    state.status = *status;
    return state;
}

TEST_F(MailboxStatesTest, KeptUntilTheAccountChanges)
{
    MailboxStates states(feed);

    EXPECT_FALSE(states.find(alice.id, "INBOX"));
    states.keep(alice.id, states.generation(alice.id), read_state(*store, alice.id, "INBOX"));
    std::optional<MailboxState> kept = states.find(alice.id, "INBOX");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->status.messages, 0u);

    // A message into another of alice's mailboxes: the account is the unit.
    ASSERT_TRUE(store->append(append_request(alice.id, "Sent", "one")));
    EXPECT_FALSE(states.find(alice.id, "INBOX"));

    states.keep(alice.id, states.generation(alice.id), read_state(*store, alice.id, "INBOX"));
    ASSERT_TRUE(states.find(alice.id, "INBOX"));
    ASSERT_TRUE(store->create_mailbox(alice.id, "INBOX/child", ""));
    EXPECT_FALSE(states.find(alice.id, "INBOX"));  // its \HasChildren may have changed
}

TEST_F(MailboxStatesTest, AStateReadBeforeAChangeIsNotKept)
{
    MailboxStates states(feed);

    const std::uint64_t generation = states.generation(alice.id);
    MailboxState before = read_state(*store, alice.id, "INBOX");
    ASSERT_TRUE(store->append(append_request(alice.id, "INBOX", "one")));
    states.keep(alice.id, generation, before);
    EXPECT_FALSE(states.find(alice.id, "INBOX"));

    states.keep(alice.id, states.generation(alice.id), read_state(*store, alice.id, "INBOX"));
    std::optional<MailboxState> kept = states.find(alice.id, "INBOX");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->status.messages, 1u);
}

TEST_F(MailboxStatesTest, OtherAccountsAndTheBoundLeaveOnlyWhatTheyShould)
{
    store::Account bob_account;
    bob_account.domain = alice.domain;
    bob_account.local_part = "bob";
    Result<store::Account> bob = store->create_account(bob_account);
    ASSERT_TRUE(bob) << bob.error().to_string();
    MailboxStates states(feed, 2);

    states.keep(alice.id, states.generation(alice.id), read_state(*store, alice.id, "INBOX"));
    ASSERT_TRUE(store->append(append_request(bob->id, "INBOX", "one")));
    EXPECT_TRUE(states.find(alice.id, "INBOX"));

    // Past the bound everything goes, and keeping starts again.
    states.keep(alice.id, states.generation(alice.id), read_state(*store, alice.id, "Sent"));
    states.keep(alice.id, states.generation(alice.id), read_state(*store, alice.id, "Drafts"));
    EXPECT_FALSE(states.find(alice.id, "INBOX"));
    EXPECT_FALSE(states.find(alice.id, "Sent"));
    EXPECT_TRUE(states.find(alice.id, "Drafts"));
}

TEST_F(MailboxStatesTest, TheRemovalOfAnAccountIsHeard)
{
    MailboxStates states(feed);
    states.keep(alice.id, states.generation(alice.id), read_state(*store, alice.id, "INBOX"));
    ASSERT_TRUE(states.find(alice.id, "INBOX"));
    ASSERT_TRUE(store->remove_account(alice.id));
    EXPECT_FALSE(states.find(alice.id, "INBOX"));
}

}  // namespace
}  // namespace harbor::imap::server
