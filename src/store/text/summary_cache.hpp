// Blob summaries (text_index.hpp) kept in memory once read, for FETCH ENVELOPE/BODYSTRUCTURE
// and header SEARCH: a summary never changes (a blob's bytes never do, and an index made
// another way is a new TextIndex), so an entry is never stale, only old. Reading summaries
// from SQLite was most of a header SEARCH (38% of its time in the query). The cache keeps two
// generations of about half the budget each: when the newer one fills up, the older one is
// dropped; what was read in the last half budget of reads is always there.
#pragma once

#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/text/text_index.hpp"

namespace harbor::store::text {

class SummaryCache {
public:
    explicit SummaryCache(std::size_t budget_bytes);

    // Sets out[i] for every blob the cache holds (with the formatted structures as well when
    // `complete`; else the header block and its field count alone). Returns the indexes of
    // the others, ascending.
    std::vector<std::size_t> fill(std::span<const BlobId> blobs, bool complete,
                                  std::vector<std::optional<BlobSummary>>& out) const;
    // Keeps out[i] for the indexes given (those without a summary are not kept: not indexed
    // yet). `complete`: they hold the formatted structures too.
    void remember(std::span<const BlobId> blobs, std::span<const std::size_t> indexes,
                  const std::vector<std::optional<BlobSummary>>& out, bool complete);

    // Drops everything (the index removed entries).
    void clear();

    std::size_t bytes_for_test() const;

private:
    struct Entry {
        BlobSummary summary;
        bool complete = false;
    };
    using Generation = std::unordered_map<std::string, Entry>;
    const Entry* find(const std::string& name) const;

    const std::size_t generation_budget_;
    mutable std::shared_mutex mutex_;
    Generation current_;
    Generation previous_;
    std::size_t current_bytes_ = 0;
    std::size_t previous_bytes_ = 0;
};

}  // namespace harbor::store::text
