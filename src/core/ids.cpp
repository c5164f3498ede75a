#include "core/ids.hpp"

#include <openssl/rand.h>

#include <array>

namespace harbor {

std::string new_id()
{
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    std::array<unsigned char, 12> random{};
    RAND_bytes(random.data(), static_cast<int>(random.size()));
    std::string id(random.size(), 'a');
    for (std::size_t i = 0; i < random.size(); ++i) {
        id[i] = alphabet[random[i] & 31];
    }
    return id;
}

}  // namespace harbor
