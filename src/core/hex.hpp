// Lower-case hexadecimal of bytes: digests as names (blob ids are SHA-256 in hex).
#pragma once

#include <string>
#include <string_view>

namespace harbor {

inline std::string lower_hex(std::string_view bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(digits[byte >> 4]);
        out.push_back(digits[byte & 0x0f]);
    }
    return out;
}

}  // namespace harbor
