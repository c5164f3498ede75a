// The registry behind core/metrics.hpp. Registration takes a mutex; updates never do.
#include "core/metrics.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <variant>

#include <fmt/format.h>

#include "core/assert.hpp"

namespace harbor::metrics {
namespace {

enum class Type { Counter, Gauge, Histogram };

std::string_view type_name(Type type)
{
    switch (type) {
        case Type::Counter:
            return "counter";
        case Type::Gauge:
            return "gauge";
        case Type::Histogram:
            return "histogram";
    }
    return "untyped";
}

// Exposition format: label values escape backslash, double quote and line feed; help text
// escapes backslash and line feed.
std::string escape(std::string_view text, bool quote)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
    return out;
}

// {a="1",b="2"} with `extra` (le="0.5") appended; empty for no labels at all.
std::string label_text(const Labels& labels, std::string_view extra = {})
{
    if (labels.empty() && extra.empty()) {
        return {};
    }
    std::string out = "{";
    for (const auto& [name, value] : labels) {
        if (out.size() > 1) {
            out += ',';
        }
        out += name + "=\"" + escape(value, true) + "\"";
    }
    if (!extra.empty()) {
        if (out.size() > 1) {
            out += ',';
        }
        out += extra;
    }
    out += '}';
    return out;
}

std::string number(double value)
{
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    return fmt::format("{}", value);
}

using Metric =
    std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>>;

struct Series {
    Labels labels;
    Metric metric;
};

struct Family {
    Type type;
    std::string help;
    std::map<std::string, Series> series;  // by label_text(labels)
};

struct Registry {
    std::mutex mutex;
    std::map<std::string, Family, std::less<>> families;
    std::mutex hooks_mutex;
    std::uint64_t next_hook = 1;
    std::map<std::uint64_t, std::function<void()>> hooks;
};

Registry& registry()
{
    static Registry* instance = new Registry;  // never destroyed: metrics outlive statics
    return *instance;
}

template <typename T, typename Make>
T& find_or_add(std::string_view name, std::string_view help, Type type, const Labels& labels,
               Make make)
{
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    auto family = r.families.find(name);
    if (family == r.families.end()) {
        family = r.families.emplace(std::string(name), Family{type, std::string(help), {}}).first;
    }
    std::string key = label_text(labels);
    auto series = family->second.series.find(key);
    if (series == family->second.series.end()) {
        series = family->second.series.emplace(key, Series{labels, make()}).first;
    }
    // One name, one type: asking for a counter as a gauge is a programming error.
    auto* held = std::get_if<std::unique_ptr<T>>(&series->second.metric);
    HARBOR_CHECK(held != nullptr && family->second.type == type);
    return **held;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size()))
{
}

void Histogram::observe(double value) noexcept
{
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (value <= bounds_[i]) {
            buckets_[i].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

std::uint64_t Histogram::bucket(std::size_t i) const
{
    return buckets_[i].load(std::memory_order_relaxed);
}

std::vector<double> latency_buckets()
{
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

Counter& counter(std::string_view name, std::string_view help, const Labels& labels)
{
    return find_or_add<Counter>(name, help, Type::Counter, labels,
                                [] { return Metric(std::make_unique<Counter>()); });
}

Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels)
{
    return find_or_add<Gauge>(name, help, Type::Gauge, labels,
                              [] { return Metric(std::make_unique<Gauge>()); });
}

Histogram& histogram(std::string_view name, std::string_view help,
                     const std::vector<double>& bounds, const Labels& labels)
{
    return find_or_add<Histogram>(name, help, Type::Histogram, labels,
                                  [&] { return Metric(std::make_unique<Histogram>(bounds)); });
}

ScrapeHook::ScrapeHook(std::function<void()> update)
{
    Registry& r = registry();
    std::lock_guard lock(r.hooks_mutex);
    id_ = r.next_hook++;
    r.hooks.emplace(id_, std::move(update));
}

ScrapeHook::~ScrapeHook()
{
    if (id_ != 0) {
        Registry& r = registry();
        std::lock_guard lock(r.hooks_mutex);
        r.hooks.erase(id_);
    }
}

ScrapeHook::ScrapeHook(ScrapeHook&& other) noexcept : id_(std::exchange(other.id_, 0)) {}

ScrapeHook& ScrapeHook::operator=(ScrapeHook&& other) noexcept
{
    if (this != &other) {
        ScrapeHook gone(std::move(*this));
        id_ = std::exchange(other.id_, 0);
    }
    return *this;
}

std::string render_text()
{
    Registry& r = registry();
    {
        std::lock_guard lock(r.hooks_mutex);
        for (auto& [id, update] : r.hooks) {
            update();
        }
    }
    std::string out;
    std::lock_guard lock(r.mutex);
    for (const auto& [name, family] : r.families) {
        out += "# HELP " + name + " " + escape(family.help, false) + "\n";
        out += "# TYPE " + name + " " + std::string(type_name(family.type)) + "\n";
        for (const auto& [key, series] : family.series) {
            if (const auto* c = std::get_if<std::unique_ptr<Counter>>(&series.metric)) {
                out += name + key + " " + std::to_string((*c)->value()) + "\n";
            } else if (const auto* g = std::get_if<std::unique_ptr<Gauge>>(&series.metric)) {
                out += name + key + " " + std::to_string((*g)->value()) + "\n";
            } else if (const auto* h = std::get_if<std::unique_ptr<Histogram>>(&series.metric)) {
                const Histogram& histogram = **h;
                std::uint64_t cumulative = 0;
                for (std::size_t i = 0; i < histogram.bounds().size(); ++i) {
                    cumulative += histogram.bucket(i);
                    out +=
                        name + "_bucket" +
                        label_text(series.labels, "le=\"" + number(histogram.bounds()[i]) + "\"") +
                        " " + std::to_string(cumulative) + "\n";
                }
                out += name + "_bucket" + label_text(series.labels, "le=\"+Inf\"") + " " +
                       std::to_string(histogram.count()) + "\n";
                out += name + "_sum" + key + " " + number(histogram.sum()) + "\n";
                out += name + "_count" + key + " " + std::to_string(histogram.count()) + "\n";
            }
        }
    }
    return out;
}

}  // namespace harbor::metrics
