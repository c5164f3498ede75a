#include "core/ids.hpp"

#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <string_view>

#include "core/assert.hpp"

namespace harbor {
namespace {

// A fork's child must not hand out the ids its parent's threads still hold in their pools.
std::atomic<unsigned> fork_generation{0};

// Random octets taken from RAND_bytes a pool at a time: one call per id made OpenSSL check for
// a fork (a getpid system call) and take its locks for every message SMTP received.
class RandomPool {
public:
    unsigned char next()
    {
        const unsigned generation = fork_generation.load(std::memory_order_relaxed);
        if (used_ == pool_.size() || generation != generation_) {
            static std::once_flag registered;
            std::call_once(registered, [] {
                ::pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); });
            });
            HARBOR_CHECK(RAND_bytes(pool_.data(), static_cast<int>(pool_.size())) == 1);
            used_ = 0;
            generation_ = generation;
        }
        // A used octet is wiped: the pool also feeds passwords (random_token).
        const unsigned char octet = pool_[used_];
        pool_[used_++] = 0;
        return octet;
    }

private:
    std::array<unsigned char, 512> pool_{};
    std::size_t used_ = pool_.size();
    unsigned generation_ = 0;
};

std::string random_from(std::string_view alphabet, std::size_t length)
{
    thread_local RandomPool pool;
    std::string out;
    out.reserve(length);
    // Rejection sampling keeps every character equally likely.
    const std::size_t limit = 256 - (256 % alphabet.size());
    while (out.size() < length) {
        const unsigned char r = pool.next();
        if (r < limit) {
            out += alphabet[r % alphabet.size()];
        }
    }
    return out;
}

}  // namespace

std::string new_id() { return random_from("abcdefghijklmnopqrstuvwxyz234567", 12); }

std::string random_token(std::size_t length)
{
    return random_from("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", length);
}

}  // namespace harbor
