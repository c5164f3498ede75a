// Certificates for DANE tests (RFC 7671, RFC 7672): a private CA and a leaf it signed, made with
// the openssl command (Debian's openssl, scripts/deps) in the test's directory, and the TLSA
// association data of each (RFC 6698 §2.1.2, §2.1.3). Test-only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/dane.hpp"

namespace harbor::smtp::client::test {

struct DaneCerts {
    std::filesystem::path ca;     // the CA certificate (PEM)
    std::filesystem::path chain;  // leaf then CA (PEM), what the server shows
    std::filesystem::path key;    // the leaf's key
    std::filesystem::path leaf;   // the leaf alone
};

// A CA "Harbor Test DANE CA" and a leaf for `hosts` (the first its CN, each a subjectAltName
// DNS name) in `dir`.
Result<DaneCerts> make_dane_certs(const std::filesystem::path& dir,
                                  const std::vector<std::string>& hosts);

// A TLSA record for the certificate in `pem` (its first one): selector 0 the whole DER
// certificate, 1 its SubjectPublicKeyInfo; matching type 0 exact, 1 SHA-256, 2 SHA-512.
Result<net::DaneRecord> tlsa_for(const std::filesystem::path& pem, std::uint8_t usage,
                                 std::uint8_t selector, std::uint8_t matching_type);

// "3 1 1 ab12..." for a zone file.
std::string tlsa_rdata_text(const net::DaneRecord& record);

}  // namespace harbor::smtp::client::test
