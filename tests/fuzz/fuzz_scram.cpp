// Fuzzes the SCRAM-SHA-256 message parsers (RFC 5802 §7), the credential storage string and
// strict base64: untrusted SASL input never crashes, hangs or allocates without bound.
#include <cstdint>
#include <string_view>

#include "core/base64.hpp"
#include "sasl/scram_sha256.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)harbor::sasl::parse_scram_client_first(text);
    (void)harbor::sasl::parse_scram_client_final(text);
    (void)harbor::sasl::parse_scram_credentials(text);
    auto decoded = harbor::decode_base64(text);
    if (decoded && harbor::encode_base64(*decoded) != text) {
        __builtin_trap();  // strict decoding accepts only the canonical encoding
    }
    return 0;
}
