// DANE test certificates. See dane_certs_for_test.hpp.
#include "smtp/client/dane_certs_for_test.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "core/hex.hpp"

namespace harbor::smtp::client::test {
namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};

std::vector<std::uint8_t> digest(const EVP_MD* md, const std::vector<std::uint8_t>& data)
{
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr);
    out.resize(length);
    return out;
}

}  // namespace

Result<DaneCerts> make_dane_certs(const std::filesystem::path& dir,
                                  const std::vector<std::string>& hosts)
{
    DaneCerts certs{dir / "ca.pem", dir / "chain.pem", dir / "leaf.key", dir / "leaf.pem"};
    const std::string host = hosts.empty() ? "localhost" : hosts.front();
    std::string names;
    for (const std::string& name : hosts) {
        names += (names.empty() ? "DNS:" : ",DNS:") + name;
    }
    std::ofstream(dir / "leaf.ext") << "subjectAltName=" << names << "\n";
    const std::string cd = "cd '" + dir.string() + "' && ";
    const std::string quiet = " 2>/dev/null";
    const std::string commands =
        cd + "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes" +
        " -keyout ca.key -out ca.pem -days 2 -subj '/CN=Harbor Test DANE CA'" + quiet + " && " +
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key" +
        " -out leaf.csr -subj '/CN=" + host + "'" + quiet + " && " +
        "openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2" +
        " -extfile leaf.ext -out leaf.pem" + quiet + " && cat leaf.pem ca.pem > chain.pem";
    if (std::system(commands.c_str()) != 0) {
        return unexpected(Errc::NotFound,
                          "openssl could not make the test certificates (scripts/deps)");
    }
    return certs;
}

Result<net::DaneRecord> tlsa_for(const std::filesystem::path& pem, std::uint8_t usage,
                                 std::uint8_t selector, std::uint8_t matching_type)
{
    std::FILE* file = std::fopen(pem.c_str(), "r");
    if (file == nullptr) {
        return unexpected(Errc::NotFound, "cannot read " + pem.string());
    }
    std::unique_ptr<X509, X509Free> cert(PEM_read_X509(file, nullptr, nullptr, nullptr));
    std::fclose(file);
    if (!cert) {
        return unexpected(Errc::Invalid, "no certificate in " + pem.string());
    }
    unsigned char* der = nullptr;
    const int length = selector == 0 ? i2d_X509(cert.get(), &der)
                                     : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
    if (length <= 0) {
        return unexpected(Errc::Internal, "DER encoding failed");
    }
    std::vector<std::uint8_t> data(der, der + length);
    OPENSSL_free(der);
    if (matching_type == 1) {
        data = digest(EVP_sha256(), data);
    } else if (matching_type == 2) {
        data = digest(EVP_sha512(), data);
    }
    return net::DaneRecord{usage, selector, matching_type, std::move(data)};
}

std::string tlsa_rdata_text(const net::DaneRecord& record)
{
    return std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
           std::to_string(record.matching_type) + " " +
           lower_hex(std::string_view(reinterpret_cast<const char*>(record.data.data()),
                                      record.data.size()));
}

}  // namespace harbor::smtp::client::test
