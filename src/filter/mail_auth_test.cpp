// Unit tests for filter/mail_auth: the domain SPF is asked about, its time limit, and the
// Authentication-Results field it makes. DNS is a recording fake: no zone is needed here (the
// SPF answers themselves are tested by auth/spf's suites and tests/interop/test_mail_auth.py).
#include "filter/mail_auth.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <optional>
#include <string>
#include <vector>

namespace harbor::filter {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Every name is NXDOMAIN; the names asked are kept.
class RecordingLookups final : public dns::Lookups {
public:
    std::vector<std::string> asked;

    Awaitable<Result<dns::AnswerTxt>> txt(std::string name) override
    {
        co_return none<std::string>(std::move(name));
    }
    Awaitable<Result<dns::AnswerA>> a(std::string name) override
    {
        co_return none<asio::ip::address_v4>(std::move(name));
    }
    Awaitable<Result<dns::AnswerAaaa>> aaaa(std::string name) override
    {
        co_return none<asio::ip::address_v6>(std::move(name));
    }
    Awaitable<Result<dns::AnswerMx>> mx(std::string name) override
    {
        co_return none<dns::Mx>(std::move(name));
    }
    Awaitable<Result<dns::AnswerPtr>> ptr(asio::ip::address address) override
    {
        co_return none<std::string>(address.to_string());
    }

private:
    template <typename T>
    Result<dns::Answer<T>> none(std::string name)
    {
        asked.push_back(std::move(name));
        dns::Answer<T> answer;
        answer.existence = dns::Existence::NxDomain;
        return answer;
    }
};

auth::spf::Outcome check(const MailAuth& checks, std::string helo, std::string mail_from)
{
    asio::io_context io;
    std::optional<auth::spf::Outcome> out;
    asio::co_spawn(io,
                   checks.check_sender(asio::ip::make_address("192.0.2.1"), std::move(helo),
                                       std::move(mail_from)),
                   [&](std::exception_ptr error, auth::spf::Outcome outcome) {
                       if (error) {
                           std::rethrow_exception(error);
                       }
                       out = std::move(outcome);
                   });
    io.run();
    return std::move(*out);
}

MailAuthSettings settings_for(std::string authserv_id)
{
    MailAuthSettings settings;
    settings.authserv_id = std::move(authserv_id);
    return settings;
}

TEST(MailAuth, AsksAboutTheMailFromDomainOrTheHeloName)
{
    RecordingLookups dns;
    MailAuth checks(dns, settings_for("mx.example.org"));
    EXPECT_EQ(check(checks, "client.example", "alice@sender.example").status,
              auth::spf::Status::None);
    check(checks, "client.example", "");  // RFC 7208 §2.4: the HELO identity
    EXPECT_EQ(dns.asked, (std::vector<std::string>{"sender.example", "client.example"}));
}

TEST(MailAuth, AsksAboutAnInternationalDomainInItsALabelForm)
{
    // RFC 8616 §4: an SMTPUTF8 sender's domain.
    RecordingLookups dns;
    MailAuth checks(dns, settings_for("mx.example.org"));
    check(checks, "client.example", "alice@bücher.example");
    EXPECT_EQ(dns.asked, std::vector<std::string>{"xn--bcher-kva.example"});
}

TEST(MailAuth, AnAddressLiteralHeloHasNoDomainToAsk)
{
    RecordingLookups dns;
    MailAuth checks(dns, settings_for("mx.example.org"));
    auth::spf::Outcome outcome = check(checks, "[192.0.2.1]", "");
    EXPECT_EQ(outcome.status, auth::spf::Status::None);
    EXPECT_TRUE(dns.asked.empty());
    MailAuthFindings findings;
    findings.spf = std::move(outcome);
    findings.spf_for_helo = true;
    EXPECT_EQ(
        checks.results_field(findings, ""),
        "Authentication-Results: mx.example.org;\r\n\tspf=none smtp.helo=\"[192.0.2.1]\"\r\n");
}

TEST(MailAuth, ACheckPastItsTimeLimitAsksNothingMoreAndIsATemporaryError)
{
    RecordingLookups dns;
    MailAuthSettings settings = settings_for("mx.example.org");
    settings.spf_time_limit = 0s;
    MailAuth checks(dns, settings);
    EXPECT_EQ(check(checks, "client.example", "alice@sender.example").status,
              auth::spf::Status::TempError);
    EXPECT_TRUE(dns.asked.empty());
}

TEST(MailAuth, ResultsNameTheMailFromAddress)
{
    RecordingLookups dns;
    MailAuth checks(dns, settings_for("mx.example.org"));
    MailAuthFindings findings;
    findings.spf = check(checks, "client.example", "alice@sender.example");
    EXPECT_EQ(checks.results_field(findings, "alice@sender.example"),
              "Authentication-Results: mx.example.org;\r\n"
              "\tspf=none smtp.mailfrom=alice@sender.example\r\n");
    EXPECT_EQ(checks.results_field(MailAuthFindings{}, "alice@sender.example"),
              "Authentication-Results: mx.example.org; none\r\n");
    EXPECT_EQ(checks.results_text(findings, "alice@sender.example"),
              "spf=none smtp.mailfrom=alice@sender.example");
    EXPECT_EQ(checks.results_text(MailAuthFindings{}, "alice@sender.example"), "none");
    // RFC 7208 §2.3: the HELO identity's own result follows the MAIL FROM one.
    findings.helo_spf = check(checks, "client.example", "");
    EXPECT_EQ(checks.results_field(findings, "alice@sender.example"),
              "Authentication-Results: mx.example.org;\r\n"
              "\tspf=none smtp.mailfrom=alice@sender.example;\r\n"
              "\tspf=none smtp.helo=client.example\r\n");
}

}  // namespace
}  // namespace harbor::filter
