// Self-signed certificate generation with the OpenSSL 3 EVP and X509 APIs (RFC 5280).
// SECURITY: the private key file is created 0600 before any byte is written to it.
#include "net/self_signed.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "core/file.hpp"

namespace harbor::net {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

Unexpected openssl_failure(std::string_view what)
{
    std::string detail(what);
    if (unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        detail += ": ";
        detail += buf;
    }
    ERR_clear_error();
    return unexpected(Errc::Internal, std::move(detail));
}

bool valid_hostname(std::string_view name)
{
    if (name.empty() || name.size() > 253) {
        return false;
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Result<void> add_extension(X509* cert, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
        return openssl_failure("certificate extension " + value);
    }
    return ok();
}

Result<std::string> to_pem(BioPtr& bio)
{
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    if (size <= 0 || data == nullptr) {
        return openssl_failure("PEM encoding");
    }
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

Result<void> generate_self_signed(std::string_view hostname,
                                  const std::filesystem::path& certificate_file,
                                  const std::filesystem::path& key_file, std::chrono::days validity)
{
    if (!valid_hostname(hostname)) {
        return unexpected(Errc::Invalid, "not a host name: " + std::string(hostname));
    }
    const std::string host(hostname);
    ERR_clear_error();

    PkeyPtr key(EVP_EC_gen("P-256"));
    X509Ptr cert(X509_new());
    BnPtr serial(BN_new());
    if (!key || !cert || !serial) {
        return openssl_failure("key generation");
    }
    // 63 random bits: positive and unique enough for certificates nobody else issues.
    if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
        BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
        return openssl_failure("certificate serial");
    }
    // Backdated an hour so clocks slightly behind ours accept it at once.
    const long seconds = static_cast<long>(std::chrono::seconds(validity).count());
    if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), seconds) == nullptr ||
        X509_set_pubkey(cert.get(), key.get()) != 1) {
        return openssl_failure("certificate validity");
    }
    X509_NAME* name = X509_get_subject_name(cert.get());
    const auto* cn = reinterpret_cast<const unsigned char*>(host.c_str());
    const auto* org = reinterpret_cast<const unsigned char*>("Harbor self-signed");
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, org, -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1 ||
        X509_set_issuer_name(cert.get(), name) != 1) {
        return openssl_failure("certificate subject");
    }
    std::string san = "DNS:" + host;
    if (host != "localhost") {
        san += ",DNS:localhost";
    }
    san += ",IP:127.0.0.1,IP:::1";
    HARBOR_TRY(add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
    HARBOR_TRY(add_extension(cert.get(), NID_key_usage, "critical,digitalSignature"));
    HARBOR_TRY(add_extension(cert.get(), NID_ext_key_usage, "serverAuth"));
    HARBOR_TRY(add_extension(cert.get(), NID_subject_key_identifier, "hash"));
    HARBOR_TRY(add_extension(cert.get(), NID_subject_alt_name, san));
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
        return openssl_failure("certificate signature");
    }

    BioPtr key_bio(BIO_new(BIO_s_mem()));
    BioPtr cert_bio(BIO_new(BIO_s_mem()));
    if (!key_bio || !cert_bio ||
        PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1 ||
        PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
        return openssl_failure("PEM encoding");
    }
    auto key_pem = to_pem(key_bio);
    HARBOR_TRY(key_pem);
    auto cert_pem = to_pem(cert_bio);
    HARBOR_TRY(cert_pem);
    HARBOR_TRY(write_file_atomically(key_file, *key_pem, 0600));
    return write_file_atomically(certificate_file, *cert_pem, 0644);
}

}  // namespace harbor::net
