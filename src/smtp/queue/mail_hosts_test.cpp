// The mail hosts of a domain (RFC 5321 §5.1, RFC 7505) from every kind of MX answer.
#include "smtp/queue/mail_hosts.hpp"

#include <gtest/gtest.h>

#include <set>

namespace harbor::smtp::queue {
namespace {

Result<dns::AnswerMx> mx_answer(std::vector<dns::Mx> records)
{
    dns::AnswerMx answer;
    answer.records = std::move(records);
    return answer;
}

Result<dns::AnswerMx> empty_answer(dns::Existence existence)
{
    dns::AnswerMx answer;
    answer.existence = existence;
    return answer;
}

std::vector<MailHost> hosts_of(const MailHosts& chosen)
{
    EXPECT_TRUE(std::holds_alternative<std::vector<MailHost>>(chosen));
    return std::holds_alternative<std::vector<MailHost>>(chosen)
               ? std::get<std::vector<MailHost>>(chosen)
               : std::vector<MailHost>{};
}

RouteFailure failure_of(const MailHosts& chosen)
{
    EXPECT_TRUE(std::holds_alternative<RouteFailure>(chosen));
    return std::holds_alternative<RouteFailure>(chosen) ? std::get<RouteFailure>(chosen)
                                                        : RouteFailure{};
}

const std::vector<std::string> no_names;

TEST(MailHosts, ByPreferenceWithEqualOnesShuffled)
{
    std::mt19937_64 random(7);
    const auto answer = mx_answer({{20, "b1.example"},
                                   {10, "a.example"},
                                   {20, "b2.example"},
                                   {20, "b3.example"},
                                   {30, "c.example"}});
    std::set<std::string> seconds;
    for (int run = 0; run < 50; ++run) {
        const std::vector<MailHost> hosts =
            hosts_of(choose_mail_hosts("example", answer, no_names, random));
        ASSERT_EQ(hosts.size(), 5u);
        EXPECT_EQ(hosts.front().name, "a.example");
        EXPECT_EQ(hosts.back().name, "c.example");
        for (std::size_t i = 1; i < 4; ++i) {
            EXPECT_EQ(hosts[i].preference, 20);
        }
        seconds.insert(hosts[1].name);
    }
    EXPECT_EQ(seconds.size(), 3u);  // each of the three equals came first at some point
}

TEST(MailHosts, NoMxMeansTheDomainItself)
{
    std::mt19937_64 random(1);
    const std::vector<MailHost> hosts = hosts_of(
        choose_mail_hosts("plain.example", empty_answer(dns::Existence::NoData), no_names, random));
    EXPECT_EQ(hosts, (std::vector<MailHost>{{"plain.example", 0, true}}));
}

TEST(MailHosts, NullMxNxDomainAndLookupFailures)
{
    std::mt19937_64 random(1);
    RouteFailure null_mx =
        failure_of(choose_mail_hosts("none.example", mx_answer({{0, ""}}), no_names, random));
    EXPECT_TRUE(null_mx.permanent);
    EXPECT_EQ(null_mx.status, "5.1.10");
    RouteFailure missing = failure_of(choose_mail_hosts(
        "gone.example", empty_answer(dns::Existence::NxDomain), no_names, random));
    EXPECT_TRUE(missing.permanent);
    EXPECT_EQ(missing.status, "5.1.2");
    RouteFailure servfail = failure_of(choose_mail_hosts(
        "flaky.example", unexpected(Errc::TempFail, "SERVFAIL"), no_names, random));
    EXPECT_FALSE(servfail.permanent);
    EXPECT_EQ(servfail.status, "4.4.3");
    // A null MX beside real ones (against RFC 7505 §3): the real ones are used.
    EXPECT_EQ(hosts_of(choose_mail_hosts("odd.example", mx_answer({{0, ""}, {10, "mx.odd"}}),
                                         no_names, random)),
              (std::vector<MailHost>{{"mx.odd", 10, false}}));
}

TEST(MailHosts, OurOwnNameDropsItselfAndEveryWorseHost)
{
    std::mt19937_64 random(1);
    const std::vector<std::string> ours = {"mail.harbor.example"};
    const auto backup =
        mx_answer({{10, "primary.example"}, {20, "MAIL.harbor.example"}, {30, "tertiary.example"}});
    EXPECT_EQ(hosts_of(choose_mail_hosts("client.example", backup, ours, random)),
              (std::vector<MailHost>{{"primary.example", 10, false}}));
    const auto best = mx_answer({{10, "mail.harbor.example"}, {20, "other.example"}});
    RouteFailure loop = failure_of(choose_mail_hosts("client.example", best, ours, random));
    EXPECT_TRUE(loop.permanent);
    EXPECT_EQ(loop.status, "5.4.6");
}

}  // namespace
}  // namespace harbor::smtp::queue
