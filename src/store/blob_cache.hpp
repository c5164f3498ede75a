// Small blobs kept in memory, least recently used out first, bounded in bytes: the message a
// client fetched is often fetched again (another client, another device, the body after the
// headers), and a blob held here is served without a read transaction, and by an IMAP session
// without leaving its io thread (Store::cached_blob). Blobs never change under their name
// (a content hash, or a serial never handed out twice), so nothing kept here goes stale; a blob
// whose last reference went is forgotten (forget) so that reads of it fail as before.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace harbor::store {

class BlobCache {
public:
    BlobCache(std::size_t max_bytes, std::size_t max_blob_bytes)
        : max_bytes_(max_bytes), max_blob_bytes_(max_blob_bytes)
    {
    }
    BlobCache(const BlobCache&) = delete;
    BlobCache& operator=(const BlobCache&) = delete;

    // The bytes kept under `name`, or null.
    std::shared_ptr<const std::string> find(std::string_view name);
    // Keeps `bytes` (nothing over max_blob_bytes), dropping the least recently used past
    // max_bytes.
    void keep(std::string name, std::shared_ptr<const std::string> bytes);
    // Whether keep() would keep that many bytes: a caller copies only what will be kept.
    bool would_keep(std::size_t bytes) const
    {
        return bytes <= max_blob_bytes_ && bytes <= max_bytes_;
    }
    // A read that began before the forget may keep the blob again; the name still means the
    // same bytes, so at worst a message just expunged can be read a while longer, as RFC 2180
    // §4.1.1 allows.
    void forget(std::string_view name);
    std::size_t bytes() const;

private:
    struct Entry {
        std::string name;
        std::shared_ptr<const std::string> bytes;
    };
    using Order = std::list<Entry>;  // most recently used first

    const std::size_t max_bytes_;
    const std::size_t max_blob_bytes_;
    mutable std::mutex mutex_;
    Order order_;
    std::unordered_map<std::string_view, Order::iterator> by_name_;  // views into order_
    std::size_t bytes_ = 0;
};

}  // namespace harbor::store
