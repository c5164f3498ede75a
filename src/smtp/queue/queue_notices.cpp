// The notifications a delivery attempt owes. See queue_notices.hpp.
#include "smtp/queue/queue_notices.hpp"

#include "smtp/client/envelope.hpp"

namespace harbor::smtp::queue {

std::vector<std::string> queue_notices(const store::QueuedMessage& entry,
                                       std::span<const RecipientFate> fates,
                                       std::string_view original, const NoticeContext& context)
{
    std::vector<std::string> notices;
    if (entry.envelope_from.empty() || fates.empty()) {
        return notices;  // RFC 5321 §4.5.5: nothing goes to the null reverse-path
    }
    report::ReportInput input;
    input.reporting_mta = context.reporting_mta;
    input.envelope_sender = entry.envelope_from;
    // The queued parameters were checked when the message came in; should they no longer
    // parse, the report goes out without ENVID and with the default RET.
    Parsed<MailFrom> mail = client::parse_queued_sender(entry.envelope_from, entry.params);
    if (mail) {
        input.envid = mail->envid;
        input.ret = mail->ret;
    }
    input.arrival = entry.created;
    input.now = context.now;
    input.original = original;
    input.max_original = notice_max_original;

    std::vector<report::RecipientOutcome> due;
    for (const RecipientFate& fate : fates) {
        if (fate.recipient >= entry.recipients.size()) {
            continue;
        }
        const store::QueuedRecipient& queued = entry.recipients[fate.recipient];
        report::RecipientOutcome outcome;
        outcome.address = queued.address;
        Parsed<RcptTo> rcpt = client::parse_queued_recipient(
            client::OutboundRecipient{queued.address, queued.params});
        if (rcpt) {
            outcome.notify = rcpt->notify;
            outcome.original = rcpt->orcpt;
        }
        outcome.kind = fate.kind;
        outcome.status = fate.status;
        outcome.diagnostic = fate.diagnostic.substr(0, notice_max_diagnostic);
        outcome.remote_mta = fate.remote_mta;
        outcome.last_attempt = context.now;
        if (fate.kind == report::RecipientOutcome::Kind::Delayed) {
            outcome.will_retry_until = context.retry_until;  // RFC 3464 §2.3.8
        }
        if (report::notification_due(outcome)) {
            due.push_back(std::move(outcome));
        }
    }
    // Several notices rather than one over the store's limit: each names a share.
    for (std::size_t first = 0; first < due.size(); first += notice_max_recipients) {
        const std::size_t last = std::min(due.size(), first + notice_max_recipients);
        input.recipients.assign(due.begin() + static_cast<std::ptrdiff_t>(first),
                                due.begin() + static_cast<std::ptrdiff_t>(last));
        if (std::optional<std::string> text = report::delivery_report(input)) {
            notices.push_back(std::move(*text));
        }
    }
    return notices;
}

}  // namespace harbor::smtp::queue
