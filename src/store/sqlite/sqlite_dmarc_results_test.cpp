// DMARC results for aggregate reports (RFC 7489 §7.2): a result recorded alone or in the commit
// of its delivery, read back whole (its signatures and rua= URIs in order), filtered by policy
// domain and time, and expired with its signatures.
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace harbor::store {
namespace {

using testing::make_alice;
using testing::open_or_fail;
using testing::TempDir;

const std::string message = "From: x@sender.example\r\nSubject: hi\r\n\r\nhello\r\n";

// A fail at a quarantine policy that pct= let through, with two signatures.
DmarcResultRecord sample(std::string policy_domain, std::int64_t received)
{
    DmarcResultRecord r;
    r.received = received;
    r.policy_domain = std::move(policy_domain);
    r.rua = {"mailto:dmarc@" + r.policy_domain + "!10m", "https://reports.example/in"};
    r.policy = "quarantine";
    r.subdomain_policy = "reject";
    r.adkim = "s";
    r.aspf = "r";
    r.pct = 25;
    r.fo = "1:d";
    r.source_ip = "192.0.2.7";
    r.header_from = "news." + r.policy_domain;
    r.envelope_from = "bounces.example";
    r.spf_scope = "mfrom";
    r.spf_result = "softfail";
    r.dkim = {{"bounces.example", "s1", "pass"}, {r.policy_domain, "old", "fail"}};
    r.result = "fail";
    r.requested = "reject";
    r.disposition = "none";
    r.sampled_out = true;
    return r;
}

std::int64_t count_rows(const std::filesystem::path& dir, const char* sql)
{
    Result<std::unique_ptr<sqlite::Connection>> db =
        sqlite::Connection::open(dir / sqlite::database_file_name, sqlite::OpenMode::ReadOnly);
    if (!db) {
        ADD_FAILURE() << db.error().to_string();
        return -1;
    }
    Result<std::int64_t> count = (*db)->query_int64(sql);
    EXPECT_TRUE(count) << count.error().to_string();
    return count ? *count : -1;
}

class SqliteDmarcResults : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = open_or_fail(dir_.path());
        ASSERT_NE(store_, nullptr);
    }

    std::vector<DmarcResultRecord> list(DmarcResultFilter filter = {})
    {
        Result<std::vector<DmarcResultRecord>> found = store_->list_dmarc_results(filter);
        EXPECT_TRUE(found) << found.error().to_string();
        return found ? *found : std::vector<DmarcResultRecord>{};
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
};

TEST_F(SqliteDmarcResults, ARecordedResultIsReadBackWhole)
{
    EXPECT_TRUE(list().empty());
    const DmarcResultRecord refused = sample("sender.example", 1000);
    ASSERT_TRUE(store_->record_dmarc_result(refused));
    EXPECT_EQ(list(), std::vector<DmarcResultRecord>{refused});
    // No signatures and no rua= (a record with none only asks for a policy) come back empty.
    DmarcResultRecord bare = sample("bare.example", 1001);
    bare.dkim.clear();
    bare.rua.clear();
    ASSERT_TRUE(store_->record_dmarc_result(bare));
    EXPECT_EQ(list(), (std::vector<DmarcResultRecord>{refused, bare}));
}

TEST_F(SqliteDmarcResults, ACommaInAUriStaysInsideThatUri)
{
    // RFC 7489 §6.4: a "," in a dmarc-uri is sent percent-encoded; the list keeps its length.
    DmarcResultRecord r = sample("sender.example", 1000);
    r.rua = {"mailto:a,b@sender.example", "mailto:c@sender.example"};
    ASSERT_TRUE(store_->record_dmarc_result(r));
    const std::vector<DmarcResultRecord> found = list();
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].rua,
              (std::vector<std::string>{"mailto:a%2Cb@sender.example", "mailto:c@sender.example"}));
}

TEST_F(SqliteDmarcResults, ListedByPolicyDomainAndTimeOldestFirst)
{
    const DmarcResultRecord late = sample("a.example", 3000);
    const DmarcResultRecord early = sample("a.example", 1000);
    const DmarcResultRecord other = sample("b.example", 2000);
    for (const DmarcResultRecord& r : {late, early, other}) {
        ASSERT_TRUE(store_->record_dmarc_result(r));
    }
    EXPECT_EQ(list(), (std::vector<DmarcResultRecord>{early, other, late}));
    EXPECT_EQ(list({"a.example"}), (std::vector<DmarcResultRecord>{early, late}));
    EXPECT_EQ(list({"", 1000, 3000}), (std::vector<DmarcResultRecord>{early, other}));
    EXPECT_EQ(list({"", 1001}), (std::vector<DmarcResultRecord>{other, late}));
    EXPECT_EQ(list({"a.example", 2000, 4000}), std::vector<DmarcResultRecord>{late});
    EXPECT_TRUE(list({"c.example"}).empty());
}

TEST_F(SqliteDmarcResults, ExpiryDropsTheOlderResultsWithTheirSignatures)
{
    for (const std::int64_t received : {1000, 2000, 3000}) {
        ASSERT_TRUE(store_->record_dmarc_result(sample("a.example", received)));
    }
    EXPECT_EQ(count_rows(dir_.path(), "SELECT count(*) FROM dmarc_result_dkim"), 6);
    Result<std::uint64_t> gone = store_->delete_dmarc_results_before(3000);
    ASSERT_TRUE(gone) << gone.error().to_string();
    EXPECT_EQ(*gone, 2u);
    EXPECT_EQ(list(), std::vector<DmarcResultRecord>{sample("a.example", 3000)});
    EXPECT_EQ(count_rows(dir_.path(), "SELECT count(*) FROM dmarc_result_dkim"), 2);
    EXPECT_EQ(*store_->delete_dmarc_results_before(3000), 0u);
}

TEST_F(SqliteDmarcResults, ADeliveryRecordsItsResultInItsOwnCommit)
{
    const Account alice = make_alice(*store_);
    DeliverRequest request;
    request.bytes = message;
    MailboxCopy copy;
    copy.account = alice.id;
    request.copies.push_back(copy);
    request.dmarc_result = sample("sender.example", 1000);
    const std::uint64_t commits = store_->commit_count_for_test();
    Result<DeliverResult> delivered = store_->deliver(std::move(request));
    ASSERT_TRUE(delivered) << delivered.error().to_string();
    ASSERT_TRUE(delivered->copies[0]);
    EXPECT_EQ(store_->commit_count_for_test(), commits + 1);
    EXPECT_EQ(list(), std::vector<DmarcResultRecord>{sample("sender.example", 1000)});
}

TEST_F(SqliteDmarcResults, AResultIsKeptWhenEveryCopyFailsButNotWhenTheDeliveryDoes)
{
    // The message was received and evaluated, though no mailbox took it (the account went).
    const Account alice = make_alice(*store_);
    ASSERT_TRUE(store_->remove_account(alice.id));
    DeliverRequest request;
    request.bytes = message;
    MailboxCopy copy;
    copy.account = alice.id;
    request.copies.push_back(copy);
    request.dmarc_result = sample("sender.example", 1000);
    Result<DeliverResult> delivered = store_->deliver(std::move(request));
    ASSERT_TRUE(delivered) << delivered.error().to_string();
    ASSERT_FALSE(delivered->copies[0]);
    EXPECT_EQ(list().size(), 1u);
    // A request refused as a whole records nothing: the caller records the result alone.
    DeliverRequest invalid;
    invalid.bytes = message;
    invalid.dmarc_result = sample("sender.example", 2000);
    ASSERT_FALSE(store_->deliver(std::move(invalid)));
    EXPECT_EQ(list().size(), 1u);
}

}  // namespace
}  // namespace harbor::store
