#include "store/text/summary_cache.hpp"

#include <mutex>

namespace harbor::store::text {
namespace {

// What an entry costs: its strings, its key, and the map's node and bookkeeping.
std::size_t entry_bytes(const std::string& name, const BlobSummary& summary)
{
    std::size_t bytes = name.size() + sizeof(BlobSummary) + 64;
    for (const std::optional<std::string>* part :
         {&summary.header, &summary.envelope, &summary.body, &summary.body_structure}) {
        bytes += *part ? (*part)->size() : 0;
    }
    return bytes;
}

}  // namespace

SummaryCache::SummaryCache(std::size_t budget_bytes) : generation_budget_(budget_bytes / 2) {}

const SummaryCache::Entry* SummaryCache::find(const std::string& name) const
{
    if (const auto found = current_.find(name); found != current_.end()) {
        return &found->second;
    }
    if (const auto found = previous_.find(name); found != previous_.end()) {
        return &found->second;
    }
    return nullptr;
}

std::vector<std::size_t> SummaryCache::fill(std::span<const BlobId> blobs, bool complete,
                                            std::vector<std::optional<BlobSummary>>& out) const
{
    std::vector<std::size_t> missing;
    std::shared_lock lock(mutex_);
    for (std::size_t i = 0; i < blobs.size(); ++i) {
        const Entry* entry = find(blobs[i].sha256);
        if (entry == nullptr || (complete && !entry->complete)) {
            missing.push_back(i);
            continue;
        }
        if (complete) {
            out[i] = entry->summary;
            continue;
        }
        BlobSummary header;  // what a header-only read gives, no more
        header.header = entry->summary.header;
        header.header_fields = entry->summary.header_fields;
        out[i] = std::move(header);
    }
    return missing;
}

void SummaryCache::remember(std::span<const BlobId> blobs, std::span<const std::size_t> indexes,
                            const std::vector<std::optional<BlobSummary>>& out, bool complete)
{
    if (generation_budget_ == 0) {
        return;
    }
    std::unique_lock lock(mutex_);
    for (const std::size_t i : indexes) {
        if (!out[i]) {
            continue;
        }
        const std::string& name = blobs[i].sha256;
        if (const Entry* known = find(name); known != nullptr && (known->complete || !complete)) {
            continue;  // a batch may name a blob twice, or another thread was first
        }
        const std::size_t bytes = entry_bytes(name, *out[i]);
        if (current_bytes_ + bytes > generation_budget_) {
            previous_ = std::move(current_);
            previous_bytes_ = current_bytes_;
            current_ = Generation();
            current_bytes_ = 0;
        }
        current_.insert_or_assign(name, Entry{*out[i], complete});
        current_bytes_ += bytes;
    }
}

void SummaryCache::clear()
{
    std::unique_lock lock(mutex_);
    current_ = Generation();
    previous_ = Generation();
    current_bytes_ = 0;
    previous_bytes_ = 0;
}

std::size_t SummaryCache::bytes_for_test() const
{
    std::shared_lock lock(mutex_);
    return current_bytes_ + previous_bytes_;
}

}  // namespace harbor::store::text
