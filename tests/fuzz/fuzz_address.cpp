// Fuzzes parse_address (RFC 5321 §4.1.2, RFC 6531) and checks the round trip: whatever parses
// formats to a form that parses to the same address.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "directory/address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = harbor::directory::parse_address(text);
    if (!parsed) {
        return 0;
    }
    auto again = harbor::directory::parse_address(parsed->format());
    if (!again || !(*again == *parsed)) {
        std::abort();
    }
    (void)harbor::directory::split_subaddress(parsed->local_part);
    return 0;
}
