// Parsed DKIM public keys, remembered by their exact p= octets and key type (RFC 6376 §3.6.1,
// RFC 8463 §4.2), so that mail from the same signer does not parse the same key again.
// Bounded (least recently used out first) and safe to share between threads. Keyed by the key
// material only: a changed DNS record has other octets and simply misses, so no TTL is needed,
// and a revoked key (empty p=) never gets here. Keys that fail to parse are never remembered.
// SECURITY: the octets come from DNS; the cache holds at most `capacity` entries of at most the
// caller's KeyRecordLimits::max_key_octets each, and parsing is parse_public_key's (fuzzed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/dkim/crypto.hpp"
#include "core/result.hpp"

namespace harbor::auth::dkim {

constexpr std::size_t default_public_key_cache_entries = 1000;

class PublicKeyCache {
public:
    struct Stats {
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;  // parses: new keys and keys that did not parse
        std::size_t entries = 0;
    };

    explicit PublicKeyCache(std::size_t capacity = default_public_key_cache_entries);
    PublicKeyCache(const PublicKeyCache&) = delete;
    PublicKeyCache& operator=(const PublicKeyCache&) = delete;

    // parse_public_key(type, octets), or the key parsed earlier from the same type and octets
    // (the same shared EVP_PKEY). Errors are parse_public_key's and are returned afresh on
    // every call. Blocks only on the lock, never while parsing; thread-safe.
    Result<PublicKey> get(KeyType type, std::string_view octets);

    Stats stats() const;
    // Drops every entry (bench_dkim measures parsing with it; the server never needs to).
    void clear();
    std::size_t capacity() const { return capacity_; }

private:
    using Order = std::list<std::string>;  // identities, most recently used first
    struct Entry {
        PublicKey key;
        Order::iterator place;
    };

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    Order order_;
    std::unordered_map<std::string_view, Entry> entries_;  // keys view the strings in order_
    Stats stats_;
};

// The process-wide cache that DKIM verification (signature_check.cpp key_fits, and through it
// ARC's AMS and AS checks) uses. One per process rather than one per server: its content is a
// pure function of public DNS data, so sharing it between listeners, sessions and threads
// reveals nothing, and verification is called from places (filter stages, ARC) that have no
// server object to hang it on.
PublicKeyCache& default_public_key_cache();

}  // namespace harbor::auth::dkim
