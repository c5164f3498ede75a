// The SMTP server's metrics: every refusal reason has its own bounded label, the content errors
// and RCPT replies map to the reasons docs/metrics.md lists, and counting moves one series only.
#include "smtp/server/smtp_metrics.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/metrics.hpp"

namespace harbor::smtp::server {
namespace {

constexpr std::size_t refusals = static_cast<std::size_t>(Refusal::Other) + 1;

// The value of one series in the rendered text, or -1 when it is not there.
long long scraped(const std::string& series)
{
    const std::string text = metrics::render_text();
    const std::size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stoll(text.substr(at + series.size() + 2));
}

TEST(SmtpMetrics, ReasonNamesAreDistinctPrometheusLabelValues)
{
    std::set<std::string> seen;
    for (std::size_t i = 0; i < refusals; ++i) {
        const std::string name(refusal_name(static_cast<Refusal>(i)));
        ASSERT_FALSE(name.empty()) << i;
        for (char c : name) {
            EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
        }
        EXPECT_TRUE(seen.insert(name).second) << name;
    }
}

TEST(SmtpMetrics, ContentErrorsMapToTheirReasons)
{
    struct Case {
        DataError error;
        Refusal want;
    };
    const Case cases[] = {
        {DataError::BareLf, Refusal::BareNewline},
        {DataError::BareCr, Refusal::BareNewline},
        {DataError::Nul, Refusal::BadContent},
        {DataError::LineTooLong, Refusal::BadContent},
        {DataError::TooBig, Refusal::Size},
        {DataError::TooManyHops, Refusal::Loop},
        {DataError::SpoolFailed, Refusal::TemporaryFailure},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(refusal_for(c.error), c.want) << data_error_name(c.error);
    }
}

TEST(SmtpMetrics, RecipientRefusalsMapByTheirEnhancedCode)
{
    struct Case {
        Reply reply;
        Refusal want;
    };
    const Case cases[] = {
        {Reply{550, "5.1.1", "User unknown"}, Refusal::UnknownRecipient},
        {Reply{554, "5.7.1", "Relay access denied"}, Refusal::RelayDenied},
        {Reply{452, "4.2.2", "Mailbox full"}, Refusal::MailboxFull},
        {Reply{550, "5.2.1", "Mailbox disabled"}, Refusal::MailboxDisabled},
        {Reply{451, "4.3.0", "Temporary lookup failure"}, Refusal::TemporaryFailure},
        {Reply{450, "4.4.3", "Recipient address not verified"}, Refusal::TemporaryFailure},
        {Reply{550, "5.0.0", "something else"}, Refusal::Other},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(refusal_for_recipient(c.reply), c.want) << c.reply.enhanced;
    }
}

TEST(SmtpMetrics, EverySeriesIsScrapedFromTheStartAndCountsMoveOneSeries)
{
    register_smtp_metrics();
    const std::string spf = "harbor_messages_rejected_total{reason=\"spf\"}";
    const std::string dmarc = "harbor_messages_rejected_total{reason=\"dmarc\"}";
    const std::string smtp = "harbor_messages_received_total{protocol=\"smtp\"}";
    const std::string submission = "harbor_messages_received_total{protocol=\"submission\"}";
    const std::string local = "harbor_messages_delivered_total{kind=\"local\"}";
    const long long spf_before = scraped(spf);
    const long long dmarc_before = scraped(dmarc);
    const long long smtp_before = scraped(smtp);
    const long long submission_before = scraped(submission);
    const long long local_before = scraped(local);
    for (const long long before :
         {spf_before, dmarc_before, smtp_before, submission_before, local_before}) {
        EXPECT_GE(before, 0);
    }

    count_refusal(Refusal::Spf);
    count_received(Protocol::Submission);
    count_local_deliveries(3);

    EXPECT_EQ(scraped(spf), spf_before + 1);
    EXPECT_EQ(scraped(dmarc), dmarc_before);
    EXPECT_EQ(scraped(submission), submission_before + 1);
    EXPECT_EQ(scraped(smtp), smtp_before);
    EXPECT_EQ(scraped(local), local_before + 3);
}

}  // namespace
}  // namespace harbor::smtp::server
