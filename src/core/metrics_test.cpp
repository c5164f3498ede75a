#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace harbor::metrics {
namespace {

TEST(Metrics, CounterRendersWithHelpTypeAndLabels)
{
    Counter& a = counter("test_metrics_events_total", "Events seen.", {{"kind", "a"}});
    Counter& b = counter("test_metrics_events_total", "Events seen.", {{"kind", "b\"q\\\n"}});
    a.add(3);
    b.add();
    EXPECT_EQ(&a, &counter("test_metrics_events_total", "", {{"kind", "a"}}));
    std::string text = render_text();
    EXPECT_NE(text.find("# HELP test_metrics_events_total Events seen.\n"
                        "# TYPE test_metrics_events_total counter\n"),
              std::string::npos);
    EXPECT_NE(text.find("test_metrics_events_total{kind=\"a\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("test_metrics_events_total{kind=\"b\\\"q\\\\\\n\"} 1\n"),
              std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulative)
{
    Histogram& h = histogram("test_metrics_latency_seconds", "Latency.", {0.1, 1}, {{"op", "x"}});
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    std::string text = render_text();
    EXPECT_NE(text.find("test_metrics_latency_seconds_bucket{op=\"x\",le=\"0.1\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("test_metrics_latency_seconds_bucket{op=\"x\",le=\"1\"} 2\n"),
              std::string::npos);
    EXPECT_NE(text.find("test_metrics_latency_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n"),
              std::string::npos);
    EXPECT_NE(text.find("test_metrics_latency_seconds_count{op=\"x\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("test_metrics_latency_seconds_sum{op=\"x\"} 5.55\n"), std::string::npos);
}

TEST(Metrics, ScrapeHooksRunUntilDestroyed)
{
    Gauge& g = gauge("test_metrics_queue_size", "Queued.");
    int runs = 0;
    {
        ScrapeHook hook([&] { g.set(++runs * 10); });
        EXPECT_NE(render_text().find("test_metrics_queue_size 10\n"), std::string::npos);
        ScrapeHook moved = std::move(hook);
        EXPECT_NE(render_text().find("test_metrics_queue_size 20\n"), std::string::npos);
    }
    EXPECT_NE(render_text().find("test_metrics_queue_size 20\n"), std::string::npos);
    EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace harbor::metrics
