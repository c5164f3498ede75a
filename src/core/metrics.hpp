// The process's metrics, read by Prometheus at /metrics (text exposition format 0.0.4).
// Counters, gauges and histograms are registered once by name and labels and then updated
// without locks (atomics) from any thread; a module keeps the reference it got, typically in a
// function-local static. Values that are cheaper to compute when read (queue size, live
// sessions) are set by scrape hooks just before rendering.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace harbor::metrics {

// {{"protocol", "smtp"}}; the order given is the order rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
public:
    void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class Gauge {
public:
    void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

// Cumulative buckets by upper bound (le), plus +Inf, sum and count.
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double value) noexcept;

    const std::vector<double>& bounds() const { return bounds_; }
    std::uint64_t bucket(std::size_t i) const;  // observations <= bounds()[i], not cumulative
    std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
    double sum() const { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 100 µs to 10 s.
std::vector<double> latency_buckets();

// The metric named `name` with these labels, created on first use. Names follow Prometheus
// conventions (harbor_messages_received_total); a name keeps the type and help it was first
// registered with. The references stay valid for the life of the process.
Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
Histogram& histogram(std::string_view name, std::string_view help,
                     const std::vector<double>& bounds, const Labels& labels = {});

// A function run before each rendering, until the hook is destroyed (it then waits for a
// rendering in progress to finish with it).
class ScrapeHook {
public:
    ScrapeHook() = default;
    explicit ScrapeHook(std::function<void()> update);
    ~ScrapeHook();
    ScrapeHook(ScrapeHook&& other) noexcept;
    ScrapeHook& operator=(ScrapeHook&& other) noexcept;
    ScrapeHook(const ScrapeHook&) = delete;
    ScrapeHook& operator=(const ScrapeHook&) = delete;

private:
    std::uint64_t id_ = 0;
};

// Runs the scrape hooks, then renders every metric as Prometheus text (families sorted by
// name, "# HELP" and "# TYPE" lines, label values escaped).
std::string render_text();

}  // namespace harbor::metrics
