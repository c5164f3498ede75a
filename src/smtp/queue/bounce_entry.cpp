// Bouncing a queued message by hand. See bounce_entry.hpp.
#include "smtp/queue/bounce_entry.hpp"

#include "smtp/queue/queue_notices.hpp"
#include "smtp/report/notice_delivery.hpp"
#include "store/store.hpp"

namespace harbor::smtp::queue {

Result<std::size_t> bounce_queue_entry(store::Store& store, directory::Directory& directory,
                                       std::int64_t id, const std::string& reporting_mta,
                                       std::int64_t now)
{
    Result<store::QueuedMessage> entry = store.find_queue_entry(id);
    HARBOR_TRY(entry);
    // RFC 3463 X.0.0: no code says "the administrator gave up"; the reason is in the text.
    const std::string reply = "550 5.0.0 delivery cancelled by the administrator";
    store::QueueAttempt attempt;
    attempt.id = id;
    attempt.next_attempt = now;
    std::vector<RecipientFate> fates;
    for (std::size_t i = 0; i < entry->recipients.size(); ++i) {
        const store::QueuedRecipient& recipient = entry->recipients[i];
        if (recipient.state != store::RecipientState::Pending) {
            continue;
        }
        attempt.outcomes.push_back(
            store::QueueAttempt::Outcome{i, store::RecipientState::Failed, reply, ""});
        fates.push_back(
            RecipientFate{i, report::RecipientOutcome::Kind::Failed, "5.0.0", reply, ""});
    }
    if (fates.empty()) {
        return unexpected(Errc::Invalid,
                          "queue entry " + std::to_string(id) + " has no pending recipient");
    }
    std::vector<std::string> texts;
    if (!entry->envelope_from.empty()) {
        Result<std::string> original = store.read_queued_message(*entry);  // as it was to go
        HARBOR_TRY(original);
        texts = queue_notices(*entry, fates, *original, NoticeContext{reporting_mta, now, now});
    }
    for (const std::string& text : texts) {
        Result<store::DeliverRequest> request =
            report::notice_delivery(directory, entry->envelope_from, now);
        HARBOR_TRY(request);
        request->bytes = text;
        attempt.notices.push_back(std::move(*request));
    }
    HARBOR_TRY(store.record_queue_attempt(std::move(attempt)));
    return fates.size();
}

}  // namespace harbor::smtp::queue
