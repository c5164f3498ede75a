// Self-signed server certificates for the demo and for first starts without a real one:
// X.509 v3 (RFC 5280) with subjectAltName DNS:<hostname>, DNS:localhost, IP:127.0.0.1, IP:::1
// (RFC 6125 §6.4.4: clients match the SAN, not the CN). EC P-256 key, SHA-256 signature.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>

#include "core/result.hpp"

namespace harbor::net {

// Writes a fresh key (mode 0600) and certificate (0644), each via a temporary file + rename,
// so a crash never leaves half a PEM behind. `hostname` is letters, digits, '-' and '.' only.
Result<void> generate_self_signed(std::string_view hostname,
                                  const std::filesystem::path& certificate_file,
                                  const std::filesystem::path& key_file,
                                  std::chrono::days validity = std::chrono::days{825});

}  // namespace harbor::net
