// One delivery attempt of one job, sent and recorded: what the remote said of each recipient
// becomes its state (delivered, failed, still pending), the entry's next due time follows the
// retry schedule, and the notices it owes are stored in the same commit (store::QueueAttempt),
// so a crash neither loses a bounce nor sends one twice. See queue_runner.hpp.
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "smtp/queue/queue_notices.hpp"
#include "smtp/queue/runner_state.hpp"
#include "smtp/report/notice_delivery.hpp"
#include "store/awaitable.hpp"

namespace harbor::smtp::queue {
namespace {

using Kind = report::RecipientOutcome::Kind;

// RFC 3463: the reply's own enhanced code when its class agrees, else `fallback`.
std::string status_of(const Reply& reply, char wanted_class, std::string_view fallback)
{
    if (!reply.enhanced.empty() && reply.enhanced.front() == wanted_class) {
        return reply.enhanced;
    }
    return std::string(fallback);
}

std::string_view state_name(store::RecipientState state)
{
    switch (state) {
        case store::RecipientState::Delivered:
            return "delivered";
        case store::RecipientState::Failed:
            return "failed";
        case store::RecipientState::Pending:
            break;
    }
    return "deferred";
}

}  // namespace

net::Awaitable<std::shared_ptr<const std::string>> RunnerState::load_content(Entry& entry)
{
    if (entry.content == nullptr) {
        // The prefix (a gateway's Authentication-Results, RFC 8601 §5) goes with the message,
        // to the next hop and into the notices that quote it. The read runs on another thread
        // with copies of its own, not the entry.
        store::Store& s = store;
        store::QueuedMessage message;
        message.blob = entry.message.blob;
        message.prefix = entry.message.prefix;
        std::function<Result<std::string>()> read = [&s, message = std::move(message)] {
            return s.read_queued_message(message);
        };
        Result<std::string> bytes = co_await store::off_io_thread(blocking, std::move(read));
        if (!bytes) {
            log::error("queue.error",
                       {{"id", entry.message.id},
                        {"error", "reading the message: " + bytes.error().to_string()}});
            co_return nullptr;
        }
        entry.content = std::make_shared<const std::string>(std::move(*bytes));
    }
    co_return entry.content;
}

net::Awaitable<void> RunnerState::fail_all(std::string name, RouteFailure failure)
{
    Destination& d = destinations[name];
    std::deque<Job> jobs = std::move(d.jobs);
    d.jobs.clear();
    if (jobs.empty()) {
        co_return;  // another worker took them first
    }
    // RFC 7505 §4.1 (null MX) gives its reply code in the text; the others are ours.
    Reply reply{failure.permanent ? 550 : 451, failure.status, failure.text};
    if (failure.text.size() > 4 && failure.text.starts_with("556 ")) {
        reply.code = 556;
        reply.text = failure.text.substr(4);
    }
    const client::Outcome outcome =
        failure.permanent ? client::Outcome::Permanent : client::Outcome::Temporary;
    log::info("queue.deferred", {{"domain", name},
                                 {"messages", jobs.size()},
                                 {"kind", failure.permanent ? "permanent" : "temporary"},
                                 {"reply", reply_line(reply)}});
    for (Job& job : jobs) {
        std::vector<Decision> decisions;
        for (std::size_t recipient : job.recipients) {
            decisions.push_back(
                Decision{recipient, client::Verdict{outcome, reply}, "", "", false});
        }
        co_await record(job, std::move(decisions), "none");
    }
}

net::Awaitable<void> RunnerState::send_job(client::ClientSession& session, const Target& target,
                                           Job& job)
{
    const store::QueuedMessage& queued = job.entry->message;
    std::shared_ptr<const std::string> content = co_await load_content(*job.entry);
    std::vector<Decision> decisions;
    if (content == nullptr) {
        const client::Verdict verdict{client::Outcome::Temporary,
                                      Reply{451, "4.3.0", "the queued message cannot be read"}};
        for (std::size_t recipient : job.recipients) {
            decisions.push_back(Decision{recipient, verdict, "", "", false});
        }
        co_await record(job, std::move(decisions), "none");
        co_return;
    }
    client::OutboundMessage message;
    message.sender = queued.envelope_from;
    message.params = queued.params;
    for (std::size_t recipient : job.recipients) {
        message.recipients.push_back(client::OutboundRecipient{
            queued.recipients[recipient].address, queued.recipients[recipient].params});
    }
    message.content = *content;
    client::MessageResult result = co_await session.send(message);
    const client::SessionRecord& record_of_session = session.record();
    for (std::size_t k = 0; k < job.recipients.size(); ++k) {
        client::Verdict verdict =
            k < result.recipients.size() ? result.recipients[k].verdict : session.failure();
        decisions.push_back(Decision{job.recipients[k], std::move(verdict), describe_target(target),
                                     target.host, record_of_session.extensions.dsn});
    }
    const char* tls_auth = record_of_session.dane           ? "dane"
                           : record_of_session.tls_verified ? "verified"
                                                            : "none";
    co_await record(job, std::move(decisions), record_of_session.tls, tls_auth);
}

net::Awaitable<void> RunnerState::record(Job& job, std::vector<Decision> decisions, std::string tls,
                                         std::string tls_auth)
{
    Entry& entry = *job.entry;
    const store::QueuedMessage& queued = entry.message;
    const RetryPolicy& retry = settings.retry;
    const std::int64_t now = unix_now();
    const bool expired = has_expired(retry, queued.created, now);

    store::QueueAttempt attempt;
    attempt.id = queued.id;
    attempt.next_attempt = next_attempt_at(retry, queued.created, now, queued.attempts + 1);
    attempt.counts = !entry.counted;
    entry.counted = true;
    std::vector<RecipientFate> fates;
    std::vector<RecipientFate> delays;
    QueueStats counted;
    for (const Decision& decision : decisions) {
        const Reply& reply = decision.verdict.reply;
        store::QueueAttempt::Outcome outcome{decision.recipient, store::RecipientState::Pending,
                                             reply_line(reply), decision.remote};
        RecipientFate fate{decision.recipient, Kind::Failed, "", outcome.reply,
                           decision.remote_mta};
        switch (decision.verdict.outcome) {
            case client::Outcome::Delivered:
                outcome.state = store::RecipientState::Delivered;
                ++counted.delivered;
                if (!decision.server_has_dsn) {
                    // RFC 3461 §5.2.2: the next hop cannot notify, so NOTIFY=SUCCESS ends here.
                    fate.kind = Kind::Relayed;
                    fate.status = status_of(reply, '2', "2.0.0");
                    fates.push_back(fate);
                }
                break;
            case client::Outcome::Permanent:
                outcome.state = store::RecipientState::Failed;
                ++counted.failed;
                fate.status = status_of(reply, '5', "5.0.0");
                fates.push_back(fate);
                break;
            case client::Outcome::Temporary:
                if (expired) {
                    // RFC 3463 X.4.7: delivery time expired; the last reply says why.
                    outcome.state = store::RecipientState::Failed;
                    ++counted.failed;
                    fate.status = status_of(reply, '4', "4.4.7");
                    fates.push_back(fate);
                } else {
                    ++counted.deferred;
                    fate.kind = Kind::Delayed;
                    fate.status = status_of(reply, '4', "4.0.0");
                    delays.push_back(fate);
                }
                break;
        }
        log::info("queue.delivery", {{"id", queued.id},
                                     {"to", queued.recipients[decision.recipient].address},
                                     {"result", state_name(outcome.state)},
                                     {"remote", decision.remote},
                                     {"tls", tls},
                                     {"tls_auth", tls_auth},
                                     {"reply", outcome.reply}});
        attempt.outcomes.push_back(std::move(outcome));
    }
    if (!delays.empty() &&
        delay_warning_due(retry, queued.created, now, queued.delay_warned || entry.warned)) {
        fates.insert(fates.end(), delays.begin(), delays.end());
        attempt.delay_warned = true;
        entry.warned = true;
    }

    // The notices, stored with the attempt. Their texts live here until the store copied them.
    std::vector<std::string> texts;
    if (!fates.empty() && !queued.envelope_from.empty()) {
        std::shared_ptr<const std::string> original = co_await load_content(entry);
        NoticeContext context{settings.hostname, now, queued.created + retry.lifetime.count()};
        texts = queue_notices(queued, fates, original ? std::string_view(*original) : "", context);
    }
    for (const std::string& text : texts) {
        directory::Directory& d = directory;
        std::string sender = queued.envelope_from;
        std::function<Result<store::DeliverRequest>()> route = [&d, sender, now] {
            return report::notice_delivery(d, sender, now);
        };
        Result<store::DeliverRequest> request =
            co_await store::off_io_thread(blocking, std::move(route));
        if (!request) {
            log::warn("queue.dsn.not_sent",
                      {{"id", queued.id}, {"error", request.error().to_string()}});
            continue;
        }
        request->bytes = text;
        attempt.notices.push_back(std::move(*request));
    }
    const std::size_t notices = attempt.notices.size();
    Result<void> stored =
        co_await store::async_record_queue_attempt(store, std::move(attempt), asio::use_awaitable);
    if (!stored) {
        // NotFound: the entry was deleted meanwhile (harbor queue delete); nothing to keep.
        log::error("queue.error", {{"id", queued.id}, {"error", stored.error().to_string()}});
    } else if (notices > 0) {
        log::info("queue.dsn",
                  {{"id", queued.id}, {"to", queued.envelope_from}, {"notices", notices}});
    }
    count([&](QueueStats& s) {
        ++s.attempts;
        s.delivered += counted.delivered;
        s.failed += counted.failed;
        s.deferred += counted.deferred;
        s.notices += stored ? notices : 0;
    });
    const QueueMetrics& observed = queue_metrics();
    observed.delivered.add(counted.delivered);
    observed.deferred.add(counted.deferred);
    observed.bounced.add(counted.failed);
    if (--entry.jobs_left == 0) {
        in_flight.erase(queued.id);
        if (reading) {
            finished_while_reading.insert(queued.id);
        }
        if (more_due && in_flight.size() <= settings.batch / 2) {
            more_due = false;  // read the next batch while half of this one is still under way
            woken = true;
            timer.cancel();
        }
    }
}

}  // namespace harbor::smtp::queue
