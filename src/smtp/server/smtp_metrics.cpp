// The SMTP server's metrics, registered once (the registry takes a lock) and then counted with
// one relaxed atomic add each. See smtp_metrics.hpp.
#include "smtp/server/smtp_metrics.hpp"

#include <array>

#include "core/assert.hpp"
#include "core/metrics.hpp"

namespace harbor::smtp::server {
namespace {

constexpr std::size_t refusal_count = static_cast<std::size_t>(Refusal::Other) + 1;

struct SmtpMetrics {
    metrics::Counter* received_smtp = nullptr;
    metrics::Counter* received_submission = nullptr;
    metrics::Counter* delivered_local = nullptr;
    std::array<metrics::Counter*, refusal_count> rejected{};
};

const SmtpMetrics& smtp_metrics()
{
    static const SmtpMetrics built = [] {
        constexpr std::string_view received = "harbor_messages_received_total";
        constexpr std::string_view received_help =
            "Messages accepted with a 250 after their content, by listener protocol.";
        SmtpMetrics m;
        m.received_smtp = &metrics::counter(received, received_help, {{"protocol", "smtp"}});
        m.received_submission =
            &metrics::counter(received, received_help, {{"protocol", "submission"}});
        // The same family as the outbound queue's kind="remote" (smtp/queue/queue_metrics.cpp).
        m.delivered_local = &metrics::counter(
            "harbor_messages_delivered_total",
            "Deliveries by kind: local mailbox copies, and recipients a remote server accepted.",
            {{"kind", "local"}});
        for (std::size_t i = 0; i < refusal_count; ++i) {
            m.rejected[i] = &metrics::counter(
                "harbor_messages_rejected_total",
                "Refusals of messages and recipients by the SMTP server, by reason.",
                {{"reason", std::string(refusal_name(static_cast<Refusal>(i)))}});
        }
        return m;
    }();
    return built;
}

}  // namespace

std::string_view refusal_name(Refusal reason)
{
    switch (reason) {
        case Refusal::UnknownRecipient:
            return "unknown_recipient";
        case Refusal::RelayDenied:
            return "relay_denied";
        case Refusal::MailboxFull:
            return "mailbox_full";
        case Refusal::MailboxDisabled:
            return "mailbox_disabled";
        case Refusal::TooManyRecipients:
            return "too_many_recipients";
        case Refusal::AuthRequired:
            return "auth_required";
        case Refusal::SenderNotOwned:
            return "sender_not_owned";
        case Refusal::Spf:
            return "spf";
        case Refusal::Dmarc:
            return "dmarc";
        case Refusal::Size:
            return "size";
        case Refusal::Loop:
            return "loop";
        case Refusal::BareNewline:
            return "bare_newline";
        case Refusal::BadContent:
            return "bad_content";
        case Refusal::Syntax:
            return "syntax";
        case Refusal::Pipelining:
            return "pipelining";
        case Refusal::TemporaryFailure:
            return "temporary_failure";
        case Refusal::Other:
            return "other";
    }
    HARBOR_UNREACHABLE();
    return "other";
}

Refusal refusal_for(DataError error)
{
    switch (error) {
        case DataError::BareLf:
        case DataError::BareCr:
            return Refusal::BareNewline;
        case DataError::Nul:
        case DataError::LineTooLong:
            return Refusal::BadContent;
        case DataError::TooBig:
            return Refusal::Size;
        case DataError::TooManyHops:
            return Refusal::Loop;
        case DataError::SpoolFailed:
            return Refusal::TemporaryFailure;
        case DataError::None:
            break;
    }
    return Refusal::Other;
}

Refusal refusal_for_recipient(const Reply& reply)
{
    // RFC 3463: X.1.1 bad destination mailbox, X.2.2 mailbox full, X.2.1 mailbox disabled,
    // X.7.1 delivery not authorized (relaying).
    if (reply.enhanced == "5.1.1") {
        return Refusal::UnknownRecipient;
    }
    if (reply.enhanced == "5.7.1") {
        return Refusal::RelayDenied;
    }
    if (reply.enhanced == "4.2.2") {
        return Refusal::MailboxFull;
    }
    if (reply.enhanced == "5.2.1") {
        return Refusal::MailboxDisabled;
    }
    if (reply.code >= 400 && reply.code < 500) {
        return Refusal::TemporaryFailure;
    }
    return Refusal::Other;
}

void count_refusal(Refusal reason)
{
    smtp_metrics().rejected[static_cast<std::size_t>(reason)]->add();
}

void count_received(Protocol protocol)
{
    const SmtpMetrics& m = smtp_metrics();
    (protocol == Protocol::Submission ? m.received_submission : m.received_smtp)->add();
}

void count_local_deliveries(std::size_t copies)
{
    smtp_metrics().delivered_local->add(copies);
}

void register_smtp_metrics()
{
    (void)smtp_metrics();
}

}  // namespace harbor::smtp::server
