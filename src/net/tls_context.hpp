// Server TLS settings shared by all listeners: TLS 1.2 and 1.3 only, ECDHE + AEAD suites,
// no compression (CRIME), no renegotiation, server cipher preference (RFC 9325 / BCP 195).
// reload() swaps in a new certificate and key for new connections (SIGHUP); connections
// already running keep the context they started with.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace harbor::net {

class TlsContext {
public:
    // Reads the PEM certificate chain and private key. Errors name the file at fault.
    static Result<std::shared_ptr<TlsContext>> load(std::filesystem::path certificate,
                                                    std::filesystem::path key);

    // Reads the same files again; on failure the current context stays in use.
    Result<void> reload();

    // The context for a handshake starting now.
    std::shared_ptr<boost::asio::ssl::context> current() const;

    const std::filesystem::path& certificate_file() const { return certificate_; }
    const std::filesystem::path& key_file() const { return key_; }

    TlsContext(std::filesystem::path certificate, std::filesystem::path key,
               std::shared_ptr<boost::asio::ssl::context> context);

private:
    std::filesystem::path certificate_;
    std::filesystem::path key_;
    mutable std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> context_;
};

// Drains OpenSSL's thread-local error queue into one line (for server and client contexts).
std::string openssl_errors();

}  // namespace harbor::net
