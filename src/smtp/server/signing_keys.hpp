// The active DKIM key of each of our domains, parsed once and kept for a short while: the same
// key signs every message of a domain (DKIM, RFC 6376 §5) and seals what we forward (ARC,
// RFC 8617 §5.1), and reading a PEM costs more than signing with it (bench/dkim). A key made
// or activated with `harbor dkim` is seen within `ttl`; so is one removed.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/dkim/sign.hpp"
#include "store/store.hpp"

namespace harbor::smtp::server {

class SigningKeys {
public:
    using Clock = std::chrono::steady_clock;

    SigningKeys(store::Store& store, std::chrono::seconds ttl, std::size_t max_domains);

    // The active key of `domain` (an A-label, as keys are stored), or null: none, or the store
    // or the key could not be read (logged). Absence is remembered for `ttl` too. Any thread.
    std::shared_ptr<const auth::dkim::SigningKey> active(const std::string& domain);

private:
    struct Entry {
        std::shared_ptr<const auth::dkim::SigningKey> key;
        Clock::time_point read_at;
    };
    std::shared_ptr<const auth::dkim::SigningKey> read(const std::string& domain);

    store::Store& store_;
    const std::chrono::seconds ttl_;
    const std::size_t max_domains_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace harbor::smtp::server
