// The outbound queue's metrics. See queue_metrics.hpp.
#include "smtp/queue/queue_metrics.hpp"

#include "store/store.hpp"

namespace harbor::smtp::queue {

const QueueMetrics& queue_metrics()
{
    static const QueueMetrics built{
        // The same family as the SMTP server's kind="local" (smtp/server/smtp_metrics.cpp).
        metrics::counter(
            "harbor_messages_delivered_total",
            "Deliveries by kind: local mailbox copies, and recipients a remote server accepted.",
            {{"kind", "remote"}}),
        metrics::counter("harbor_messages_deferred_total",
                         "Recipients of the outbound queue left for a later attempt after a "
                         "temporary failure."),
        metrics::counter("harbor_messages_bounced_total",
                         "Recipients of the outbound queue failed for good: a permanent refusal "
                         "or the end of the queue lifetime."),
        metrics::gauge("harbor_queue_messages", "Messages in the outbound queue, held ones too.")};
    return built;
}

QueueSizeGauge::QueueSizeGauge(store::Store& store)
    : hook_([&store, &queued = queue_metrics().queued] {
          const Result<std::uint64_t> count = store.count_queue();
          if (count) {
              queued.set(static_cast<std::int64_t>(*count));
          }
      })
{
}

}  // namespace harbor::smtp::queue
