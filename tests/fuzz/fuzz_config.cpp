// Fuzzes harbor.toml parsing: a broken file is an error naming file:line:key, never a crash
// or an exception escaping parse_config.
#include <cstdint>
#include <string_view>

#include "core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)harbor::parse_config(text, "fuzz.toml");
    return 0;
}
