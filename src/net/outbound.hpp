// Outbound connections for the protocols that act as clients (the SMTP client, RFC 5321 §3;
// later LMTP/relay routes): a TCP connect with a deadline, and the client TLS settings for a
// STARTTLS upgrade (RFC 3207 §4; Connection::start_tls_client does the handshake).
// TLS 1.2 and 1.3 only (RFC 8996, RFC 9325 §3.1.1). The caller chooses whether the server's
// certificate must verify: not for opportunistic TLS, where any encryption beats none
// (RFC 7435 §1.3), and against the system CA store or a given CA file where TLS is required.
// SECURITY: the remote server is untrusted; every step has a deadline; the CA file is read with
// the process's privileges and only its path ever appears in errors.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <filesystem>
#include <memory>

#include "core/result.hpp"
#include "net/awaitable.hpp"

namespace boost::asio::ssl {
class context;
}

namespace harbor::net {

// Opens a TCP connection to `remote` before `deadline`. Errc::Timeout when the deadline
// passes, Errc::Io (connection refused, unreachable) otherwise.
Awaitable<Result<asio::ip::tcp::socket>> connect_tcp(asio::any_io_executor executor,
                                                     asio::ip::tcp::endpoint remote,
                                                     Deadline deadline);

enum class TlsVerify {
    None,  // encrypt whatever certificate the server shows; whether it verified is still known
    Peer,  // the chain must verify and the certificate must match the server's name
};

struct ClientTlsOptions {
    TlsVerify verify = TlsVerify::None;
    // Trust anchors: empty for the system store (OpenSSL's default paths, Debian's
    // /etc/ssl/certs), or one PEM file (a private CA, a test's self-signed certificate).
    std::filesystem::path ca_file;
};

// An OpenSSL client context, built once and shared by every connection that uses it.
class ClientTlsContext {
public:
    // Errc::NotFound / Errc::Invalid for an unreadable or bad CA file; Errc::Internal when
    // OpenSSL refuses the settings.
    static Result<std::shared_ptr<ClientTlsContext>> create(const ClientTlsOptions& options);

    TlsVerify verify() const { return verify_; }
    std::shared_ptr<asio::ssl::context> context() const { return context_; }

    ClientTlsContext(TlsVerify verify, std::shared_ptr<asio::ssl::context> context);

private:
    TlsVerify verify_;
    std::shared_ptr<asio::ssl::context> context_;
};

// What a client handshake negotiated, for logs and trace fields.
struct TlsSessionInfo {
    std::string version;         // "TLSv1.3"
    std::string cipher;          // "TLS_AES_256_GCM_SHA384"
    bool peer_verified = false;  // chain and name verified against the context's trust anchors
};

}  // namespace harbor::net
