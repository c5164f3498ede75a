// The delivery status notification a sender is owed for an accepted message (RFC 3461 §5.2):
// a success report for NOTIFY=SUCCESS recipients, and a failure report for a copy the store
// refused after RCPT accepted it (the mailbox filled up or the account went in between). The
// report goes with MAIL FROM:<> to the sender's own mailboxes when the sender is local, else to
// the outbound queue. It is stored before the 250 goes out, so a crash cannot lose a report
// for an acknowledged message; failing to store it is logged and does not change the reply.
#include <ctime>
#include <map>

#include "core/log.hpp"
#include "smtp/report/delivery_report.hpp"
#include "smtp/report/notice_delivery.hpp"
#include "smtp/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::smtp::server {

using report::ReportInput;

namespace {

// What the sender is told about a copy that failed after RCPT said 250 (RFC 3463). The store's
// own wording stays in the log.
void describe_failure(const Error& error, RecipientOutcome& outcome)
{
    if (error.code == Errc::Quota) {
        outcome.status = "5.2.2";  // §3.3 X.2.2 mailbox full; local delivery is not retried
        outcome.diagnostic = "552 5.2.2 Mailbox full";
    } else if (error.code == Errc::NotFound) {
        outcome.status = "5.1.1";  // §3.2 X.1.1: the account was removed since RCPT
        outcome.diagnostic = "550 5.1.1 Mailbox does not exist";
    } else if (error.code == Errc::Permission) {
        outcome.status = "5.2.1";  // §3.3 X.2.1 mailbox disabled
        outcome.diagnostic = "550 5.2.1 Mailbox disabled";
    } else {
        outcome.status = "5.3.0";  // §3.5 X.3.0 other mail system problem
        outcome.diagnostic = "554 5.3.0 Local delivery failed";
    }
}

// The notice and where it goes, made on the lookups pool; `request.bytes` is set to `bytes`
// by the caller once this has its final address.
struct Notice {
    std::string bytes;
    store::DeliverRequest request;
};

}  // namespace

std::vector<RecipientOutcome> Session::delivery_outcomes(
    const std::vector<std::int64_t>& copy_accounts, const store::DeliverResult& result) const
{
    std::map<std::int64_t, const Result<store::MessageRecord>*> by_account;
    for (std::size_t i = 0; i < copy_accounts.size() && i < result.copies.size(); ++i) {
        by_account[copy_accounts[i]] = &result.copies[i];
    }
    std::vector<RecipientOutcome> outcomes;
    for (const Recipient& recipient : transaction_->recipients) {
        if (recipient.accounts.empty()) {
            continue;  // relayed only: outbound delivery reports on those (RFC 3461 §5.2.2)
        }
        // An alias or group is delivered when one of its mailboxes took the message (a list,
        // RFC 3461 §5.2.7): a single failure among its members is not the sender's concern.
        bool stored = false;
        const Error* failure = nullptr;
        for (const store::Account& account : recipient.accounts) {
            const auto found = by_account.find(account.id.value);
            if (found == by_account.end()) {
                continue;
            }
            if (*found->second) {
                stored = true;
            } else if (failure == nullptr) {
                failure = &found->second->error();
            }
        }
        RecipientOutcome outcome;
        outcome.address = recipient.rcpt.address;
        outcome.original = recipient.rcpt.orcpt;
        outcome.notify = recipient.rcpt.notify;
        if (stored || failure == nullptr) {
            outcome.kind = RecipientOutcome::Kind::Delivered;
            outcome.status = "2.0.0";
        } else {
            outcome.kind = RecipientOutcome::Kind::Failed;
            describe_failure(*failure, outcome);
        }
        if (report::notification_due(outcome)) {
            outcomes.push_back(std::move(outcome));
        }
    }
    return outcomes;
}

net::Awaitable<void> Session::report_delivery(std::vector<RecipientOutcome> outcomes,
                                              const Spooled& message, const store::BlobId& blob,
                                              std::int64_t arrival, const std::string& id)
{
    ReportInput input;
    input.reporting_mta = context_.hostname;
    input.received_from =
        (helo_ ? helo_->name : std::string("unknown")) + " [" + connection_.peer_ip() + "]";
    input.envelope_sender = transaction_->mail.address;
    input.envid = transaction_->mail.envid;
    input.ret = transaction_->mail.ret;
    input.arrival = arrival;
    input.now = static_cast<std::int64_t>(std::time(nullptr));
    input.recipients = std::move(outcomes);
    store::Store& store = handler_.store();
    directory::Directory& directory = handler_.directory();
    std::function<Result<Notice>()> prepare =
        [&store, &directory, &message, blob, input = std::move(input)]() mutable -> Result<Notice> {
        std::string stored;  // a large message is read back from the store: it left the spool
        input.original = message.memory;
        if (message.file) {
            Result<std::string> bytes = store.read_blob(blob);
            HARBOR_TRY(bytes);
            stored = std::move(*bytes);
            input.original = stored;
        }
        std::optional<std::string> text = report::delivery_report(input);
        if (!text) {
            return unexpected(Errc::NotFound, "no notification due");
        }
        Result<store::DeliverRequest> request =
            report::notice_delivery(directory, input.envelope_sender, input.now);
        HARBOR_TRY(request);
        return Notice{std::move(*text), std::move(*request)};
    };
    Result<Notice> notice = co_await store::off_io_thread(handler_.blocking().lookups, std::move(prepare));
    if (!notice) {
        log::warn("smtp.dsn.not_sent",
                  {{"cid", context_.cid}, {"id", id}, {"error", notice.error().to_string()}});
        co_return;
    }
    notice->request.bytes = notice->bytes;
    Result<store::DeliverResult> stored = co_await store::async_deliver(
        handler_.store(), std::move(notice->request), asio::use_awaitable);
    if (!stored) {
        log::error("smtp.dsn.failed",
                   {{"cid", context_.cid}, {"id", id}, {"error", stored.error().to_string()}});
        co_return;
    }
    if (stored->queue_id && handler_.settings().on_queued) {
        handler_.settings().on_queued();
    }
    log::info("smtp.dsn", {{"cid", context_.cid},
                           {"id", id},
                           {"to", transaction_->mail.address},
                           {"queued", stored->queue_id.has_value()}});
}

}  // namespace harbor::smtp::server
