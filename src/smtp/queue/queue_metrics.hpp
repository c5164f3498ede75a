// The outbound queue's Prometheus metrics (docs/metrics.md): recipients delivered to remote
// servers, deferred and bounced, counted as attempts are recorded (queue_attempt.cpp), and the
// number of queued messages, counted in the store when metrics are scraped.
#pragma once

#include "core/metrics.hpp"

namespace harbor::store {
class Store;
}

namespace harbor::smtp::queue {

struct QueueMetrics {
    metrics::Counter& delivered;  // harbor_messages_delivered_total{kind="remote"}
    metrics::Counter& deferred;   // harbor_messages_deferred_total: a temporary failure, retried
    metrics::Counter& bounced;    // harbor_messages_bounced_total: failed for good, or expired
    metrics::Gauge& queued;       // harbor_queue_messages
};

// Registered on first use; the references stay valid for the life of the process.
const QueueMetrics& queue_metrics();

// Keeps harbor_queue_messages up to date while it lives: each scrape counts the store's queue
// entries (Store::count_queue, one small read on a reader connection, never the writer). The
// queue runner holds one while it runs; a server that does not deliver may hold its own, since
// its queue still fills. A store that cannot count leaves the gauge as it was.
class QueueSizeGauge {
public:
    explicit QueueSizeGauge(store::Store& store);

private:
    metrics::ScrapeHook hook_;
};

}  // namespace harbor::smtp::queue
