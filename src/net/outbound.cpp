// Outbound TCP connect under a deadline and the OpenSSL client context: TLS 1.2+ (RFC 8996),
// the RFC 9325 §4 cipher recommendations, no compression or renegotiation, trust anchors from
// the system store or one CA file.
// SECURITY: the connect timer reaches the socket only through shared state that the coroutine
// clears before it returns, so a late timer cannot touch a finished frame.
#include "net/outbound.hpp"

#include "net/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <system_error>

namespace harbor::net {
namespace {

// TLS 1.2: forward secrecy and AEAD first, then what OpenSSL's defaults allow at security
// level 2 (a mail server that only speaks CBC suites still gets encryption, RFC 7435 §1.3).
constexpr const char* outbound_tls12_ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "DEFAULT:!aNULL:!eNULL:!MD5:!RC4:!3DES:@SECLEVEL=2";

struct ConnectState {
    bool timed_out = false;
    asio::ip::tcp::socket* socket = nullptr;  // cleared before connect_tcp returns
};

}  // namespace

Awaitable<Result<asio::ip::tcp::socket>> connect_tcp(asio::any_io_executor executor,
                                                     asio::ip::tcp::endpoint remote,
                                                     Deadline deadline)
{
    asio::ip::tcp::socket socket(executor);
    auto state = std::make_shared<ConnectState>();
    state->socket = &socket;
    asio::steady_timer timer(executor, deadline);
    timer.async_wait([weak = std::weak_ptr<ConnectState>(state)](boost::system::error_code ec) {
        auto current = weak.lock();
        if (ec || !current || current->socket == nullptr) {
            return;
        }
        current->timed_out = true;
        boost::system::error_code ignored;
        current->socket->close(ignored);  // ends the pending connect with operation_aborted
    });
    auto [ec] = co_await socket.async_connect(remote, use_tuple);
    state->socket = nullptr;
    timer.cancel();
    const std::string where =
        remote.address().to_string() + " port " + std::to_string(remote.port());
    if (state->timed_out) {
        co_return unexpected(Errc::Timeout, "connect to " + where + ": deadline passed");
    }
    if (ec) {
        co_return unexpected(Errc::Io, "connect to " + where + ": " + ec.message());
    }
    boost::system::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    co_return std::move(socket);
}

ClientTlsContext::ClientTlsContext(TlsVerify verify, std::shared_ptr<asio::ssl::context> context)
    : verify_(verify), context_(std::move(context))
{
}

Result<std::shared_ptr<ClientTlsContext>> ClientTlsContext::create(const ClientTlsOptions& options)
{
    ERR_clear_error();
    SSL_CTX* raw = SSL_CTX_new(TLS_client_method());
    if (raw == nullptr) {
        return unexpected(Errc::Internal, "SSL_CTX_new: " + openssl_errors());
    }
    // Owned by the asio context from here on, freed with it.
    auto context = std::make_shared<asio::ssl::context>(raw);
    if (SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION) != 1) {
        return unexpected(Errc::Internal, "TLS versions: " + openssl_errors());
    }
    SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_cipher_list(raw, outbound_tls12_ciphers) != 1) {
        return unexpected(Errc::Internal, "cipher settings: " + openssl_errors());
    }
    if (options.ca_file.empty()) {
        if (SSL_CTX_set_default_verify_paths(raw) != 1) {
            return unexpected(Errc::Internal, "system CA store: " + openssl_errors());
        }
    } else {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(options.ca_file, ec)) {
            return unexpected(Errc::NotFound, "CA file " + options.ca_file.string() + ": " +
                                                  (ec ? ec.message() : "not a regular file"));
        }
        if (SSL_CTX_load_verify_locations(raw, options.ca_file.c_str(), nullptr) != 1) {
            return unexpected(Errc::Invalid,
                              "CA file " + options.ca_file.string() + ": " + openssl_errors());
        }
    }
    // Lets a connection check the server against TLSA records (Connection::start_tls_client);
    // connections without them verify as before.
    if (SSL_CTX_dane_enable(raw) <= 0) {
        return unexpected(Errc::Internal, "DANE: " + openssl_errors());
    }
    // With SSL_VERIFY_NONE OpenSSL still checks the chain and the name and keeps the result
    // (SSL_get_verify_result), so an opportunistic session can report whether it verified.
    SSL_CTX_set_verify(raw, options.verify == TlsVerify::Peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
                       nullptr);
    return std::make_shared<ClientTlsContext>(options.verify, std::move(context));
}

}  // namespace harbor::net
