// Deterministic test messages for the IMAP benchmark: the same (seed, index, size) gives the
// same bytes on every run, so both servers are filled with identical mail. RFC 5322 messages
// with CRLF line ends (§2.3), a text/plain body of words from a small vocabulary, so that
// SEARCH HEADER Subject and SEARCH TEXT (RFC 9051 §6.4.4) find some messages and miss others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace harbor::bench {

// The words subjects and bodies are made of; search ops pick one of them at random.
std::span<const std::string_view> vocabulary();

// A message of about `size` octets (at least its header), number `index` of stream `seed`.
std::string generate_message(std::uint64_t seed, std::uint64_t index, std::size_t size);

// splitmix64: a small, fast, well-mixed generator (Steele, Lea, Flood 2014), enough for
// picking words and message numbers.
class Random {
public:
    explicit Random(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    // Uniform enough in [0, bound) for bound much smaller than 2^64.
    std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next() % bound; }

private:
    std::uint64_t state_;
};

}  // namespace harbor::bench
