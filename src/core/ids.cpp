#include "core/ids.hpp"

#include <openssl/rand.h>

#include <string_view>
#include <vector>

#include "core/assert.hpp"

namespace harbor {
namespace {

std::string random_from(std::string_view alphabet, std::size_t length)
{
    std::string out;
    out.reserve(length);
    std::vector<unsigned char> random(length * 2 + 16);
    while (out.size() < length) {
        HARBOR_CHECK(RAND_bytes(random.data(), static_cast<int>(random.size())) == 1);
        // Rejection sampling keeps every character equally likely.
        const std::size_t limit = 256 - (256 % alphabet.size());
        for (unsigned char r : random) {
            if (r < limit && out.size() < length) {
                out += alphabet[r % alphabet.size()];
            }
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
