// Connection's TLS: the in-place upgrade of a server session (STARTTLS, or implicit TLS from the
// first byte) and of a client session, with the server's certificate checked against the trust
// anchors or DANE records (RFC 3207, RFC 7672). See connection.hpp.
// SECURITY: plaintext buffered before the handshake is discarded (RFC 3207 §6); a handshake has a
// deadline like every other read. Handshakes are counted by side and version (docs/metrics.md).
#include <boost/asio/ssl/error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string_view>

#include "core/metrics.hpp"
#include "net/connection.hpp"
#include "net/tls_context.hpp"

namespace harbor::net {
namespace {

// One side's counters. The version label is one of a fixed set: "other" stands for whatever
// else a context might allow (TLS 1.0 and 1.1 are refused by ours).
struct HandshakeMetrics {
    metrics::Counter& tls13;
    metrics::Counter& tls12;
    metrics::Counter& other;
    metrics::Counter& failed;

    explicit HandshakeMetrics(const char* side)
        : tls13(done(side, "TLSv1.3")),
          tls12(done(side, "TLSv1.2")),
          other(done(side, "other")),
          failed(metrics::counter("harbor_tls_handshake_failures_total",
                                  "TLS handshakes that failed or timed out, by side.",
                                  {{"side", side}}))
    {
    }

    void count_success(std::string_view version) const
    {
        (version == "TLSv1.3" ? tls13 : version == "TLSv1.2" ? tls12 : other).add();
    }

    static metrics::Counter& done(const char* side, const char* version)
    {
        return metrics::counter("harbor_tls_handshakes_total",
                                "Completed TLS handshakes, by protocol version and side.",
                                {{"version", version}, {"side", side}});
    }
};

const HandshakeMetrics& handshake_metrics(asio::ssl::stream_base::handshake_type type)
{
    static const HandshakeMetrics server("server");
    static const HandshakeMetrics client("client");
    return type == asio::ssl::stream_base::server ? server : client;
}

}  // namespace

Result<void> Connection::before_handshake()
{
    if (tls_) {
        return unexpected(Errc::Invalid, "TLS already active");
    }
    if (aborted_) {
        return unexpected(Errc::Closed, "shutting down");
    }
    if (inflater_) {
        // RFC 4978 §3: compression sits above TLS, so TLS cannot start under it.
        return unexpected(Errc::Invalid, "compression already active");
    }
    // RFC 3207 §6 (§4.2 for the client): bytes that arrived before the handshake were not
    // protected by it and must not be taken as commands or replies afterwards (STARTTLS
    // command injection).
    buffer_.clear();
    begin_ = 0;
    skip_to_lf_ = false;
    return ok();
}

Awaitable<Result<void>> Connection::handshake(asio::ssl::stream_base::handshake_type type,
                                              Deadline deadline)
{
    arm_timer(deadline);
    auto [ec] = co_await tls_->async_handshake(type, use_tuple);
    disarm_timer();
    const HandshakeMetrics& counted = handshake_metrics(type);
    if (ec) {
        counted.failed.add();
        Error error = failure(ec, "TLS handshake");
        if (error.code == Errc::Io) {
            error.detail = "TLS handshake: " + ec.message();
        }
        co_return unexpected(std::move(error));
    }
    counted.count_success(SSL_get_version(tls_->native_handle()));
    co_return ok();
}

Awaitable<Result<void>> Connection::start_tls(Deadline deadline)
{
    if (tls_context_ == nullptr) {
        co_return unexpected(Errc::Unsupported, "no TLS certificate configured");
    }
    if (Result<void> ready = before_handshake(); !ready) {
        co_return ready;
    }
    auto context = tls_context_->current();
    tls_snapshot_ = context;
    tls_ = std::make_unique<TlsStream>(socket_, *context);
    co_return co_await handshake(asio::ssl::stream_base::server, deadline);
}

Awaitable<Result<void>> Connection::start_tls_client(std::shared_ptr<asio::ssl::context> context,
                                                     std::string server_name, Deadline deadline,
                                                     std::vector<DaneRecord> dane)
{
    if (Result<void> ready = before_handshake(); !ready) {
        co_return ready;
    }
    tls_snapshot_ = context;
    tls_ = std::make_unique<TlsStream>(socket_, *context);
    SSL* ssl = tls_->native_handle();
    if (!dane.empty()) {
        // The context has DANE enabled (net/outbound.cpp). server_name is the TLSA base domain:
        // the name DANE-TA(2) chains must carry (RFC 7672 §3.2.2); DANE-EE(3) binds the key
        // alone, with no name check (§3.1.1).
        if (SSL_dane_enable(ssl, server_name.c_str()) <= 0) {
            co_return unexpected(Errc::Internal, "DANE could not be enabled for this connection");
        }
        SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
        for (const DaneRecord& record : dane) {
            // A record OpenSSL cannot use (a digest of the wrong length) is skipped, as unusable.
            (void)SSL_dane_tlsa_add(ssl, record.usage, record.selector, record.matching_type,
                                    record.data.data(), record.data.size());
        }
        dane_ = true;
    }
    boost::system::error_code not_an_address;
    (void)asio::ip::make_address(server_name, not_an_address);
    if (!server_name.empty() && not_an_address) {
        // SSL_set_tlsext_host_name() without its C cast.
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(server_name.c_str()));
        SSL_set1_host(ssl, server_name.c_str());
    } else if (!server_name.empty()) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name.c_str());
    }
    co_return co_await handshake(asio::ssl::stream_base::client, deadline);
}

bool Connection::tls_peer_verified() const
{
    if (!tls_) {
        return false;
    }
    SSL* ssl = const_cast<TlsStream&>(*tls_).native_handle();
    X509* certificate = SSL_get0_peer_certificate(ssl);
    return certificate != nullptr && SSL_get_verify_result(ssl) == X509_V_OK;
}

bool Connection::tls_dane_verified() const
{
    if (!tls_ || !dane_) {
        return false;
    }
    SSL* ssl = const_cast<TlsStream&>(*tls_).native_handle();
    return SSL_get_verify_result(ssl) == X509_V_OK &&
           SSL_get0_dane_authority(ssl, nullptr, nullptr) >= 0;
}

std::string Connection::tls_description() const
{
    if (!tls_) {
        return {};
    }
    SSL* ssl = const_cast<TlsStream&>(*tls_).native_handle();
    return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

}  // namespace harbor::net
