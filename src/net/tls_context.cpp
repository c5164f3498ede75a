// Builds OpenSSL 3 server contexts (RFC 8446 TLS 1.3, RFC 5246 TLS 1.2 with the RFC 9325
// recommendations) and swaps them atomically on reload.
// SECURITY: the key file is read with the process's privileges; errors never print key bytes.
#include "net/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <system_error>

namespace harbor::net {
namespace {

// TLS 1.2: forward secrecy (ECDHE) and AEAD only, strongest first.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
constexpr const char* tls13_suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
constexpr const char* groups = "X25519:P-256:P-384";

Result<void> check_readable(const std::filesystem::path& file, std::string_view what)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        return unexpected(Errc::NotFound, std::string(what) + " file " + file.string() + ": " +
                                              (ec ? ec.message() : "not a regular file"));
    }
    return ok();
}

Result<std::shared_ptr<boost::asio::ssl::context>> build(const std::filesystem::path& certificate,
                                                         const std::filesystem::path& key)
{
    HARBOR_TRY(check_readable(certificate, "certificate"));
    HARBOR_TRY(check_readable(key, "key"));
    ERR_clear_error();

    SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
    if (raw == nullptr) {
        return unexpected(Errc::Internal, "SSL_CTX_new: " + openssl_errors());
    }
    // Owned by the asio context from here on, freed with it.
    auto context = std::make_shared<boost::asio::ssl::context>(raw);

    if (SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(raw, TLS1_3_VERSION) != 1) {
        return unexpected(Errc::Internal, "TLS versions: " + openssl_errors());
    }
    SSL_CTX_set_options(
        raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Idle IMAP connections are many; their read/write buffers need not stay allocated.
    SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(raw, tls12_ciphers) != 1 ||
        SSL_CTX_set_ciphersuites(raw, tls13_suites) != 1 ||
        SSL_CTX_set1_groups_list(raw, groups) != 1) {
        return unexpected(Errc::Internal, "cipher settings: " + openssl_errors());
    }

    if (SSL_CTX_use_certificate_chain_file(raw, certificate.c_str()) != 1) {
        return unexpected(Errc::Invalid,
                          "certificate file " + certificate.string() + ": " + openssl_errors());
    }
    if (SSL_CTX_use_PrivateKey_file(raw, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        return unexpected(Errc::Invalid, "key file " + key.string() + ": " + openssl_errors());
    }
    if (SSL_CTX_check_private_key(raw) != 1) {
        ERR_clear_error();
        return unexpected(Errc::Invalid, "key file " + key.string() +
                                             " does not match certificate " + certificate.string());
    }
    return context;
}

}  // namespace

TlsContext::TlsContext(std::filesystem::path certificate, std::filesystem::path key,
                       std::shared_ptr<boost::asio::ssl::context> context)
    : certificate_(std::move(certificate)), key_(std::move(key)), context_(std::move(context))
{
}

Result<std::shared_ptr<TlsContext>> TlsContext::load(std::filesystem::path certificate,
                                                     std::filesystem::path key)
{
    auto context = build(certificate, key);
    HARBOR_TRY(context);
    return std::make_shared<TlsContext>(std::move(certificate), std::move(key),
                                        std::move(*context));
}

Result<void> TlsContext::reload()
{
    auto context = build(certificate_, key_);
    HARBOR_TRY(context);
    std::lock_guard lock(mutex_);
    context_ = std::move(*context);
    return ok();
}

std::shared_ptr<boost::asio::ssl::context> TlsContext::current() const
{
    std::lock_guard lock(mutex_);
    return context_;
}

std::string openssl_errors()
{
    std::string out;
    while (unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!out.empty()) {
            out += "; ";
        }
        out += buf;
    }
    return out.empty() ? "unknown OpenSSL error" : out;
}

}  // namespace harbor::net
