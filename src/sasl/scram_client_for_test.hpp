// Test support: the client side of SCRAM-SHA-256 (RFC 5802 §3, §7; RFC 7677), written
// independently of ScramServer so tests of the server (and of SMTP, IMAP and POP3 sessions that
// use it) exercise it against a second implementation. Not for production: no SASLprep, the
// nonce comes from the test, and malformed server messages are only reported.
// SECURITY: test-only; parses only messages from the server under test.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "core/result.hpp"

namespace harbor::sasl::testing {

class ScramClientForTest {
public:
    using Key = std::array<unsigned char, 32>;

    // The nonce must be printable ASCII without ',' (RFC 5802 §7 "printable").
    ScramClientForTest(std::string username, std::string password, std::string nonce,
                       std::string authzid = {})
        : username_(std::move(username)),
          password_(std::move(password)),
          nonce_(std::move(nonce)),
          authzid_(std::move(authzid))
    {
    }

    // gs2-header + client-first-message-bare (RFC 5802 §7).
    std::string client_first() const { return gs2_header() + client_first_bare(); }

    // The client-final-message for a server-first-message "r=...,s=...,i=...". Errc::Invalid
    // if the server's message is malformed or its nonce does not extend ours.
    Result<std::string> client_final(std::string_view server_first)
    {
        std::string_view nonce;
        std::string_view salt_b64;
        std::string_view iterations_text;
        std::size_t start = 0;
        while (start <= server_first.size()) {
            std::size_t comma = server_first.find(',', start);
            if (comma == std::string_view::npos) {
                comma = server_first.size();
            }
            const std::string_view field = server_first.substr(start, comma - start);
            if (field.substr(0, 2) == "r=") {
                nonce = field.substr(2);
            } else if (field.substr(0, 2) == "s=") {
                salt_b64 = field.substr(2);
            } else if (field.substr(0, 2) == "i=") {
                iterations_text = field.substr(2);
            }
            start = comma + 1;
        }
        if (nonce.substr(0, nonce_.size()) != nonce_ || nonce.size() == nonce_.size()) {
            return unexpected(Errc::Invalid, "test client: server nonce does not extend ours");
        }
        Result<std::string> salt = decode_base64(salt_b64);
        int iterations = 0;
        const auto parsed = std::from_chars(
            iterations_text.data(), iterations_text.data() + iterations_text.size(), iterations);
        if (!salt || salt->empty() || parsed.ec != std::errc{} || iterations <= 0) {
            return unexpected(Errc::Invalid, "test client: bad salt or iteration count");
        }
        // SaltedPassword := Hi(password, salt, i); ClientKey := HMAC(SaltedPassword, "Client
        // Key"); StoredKey := H(ClientKey); AuthMessage := client-first-bare "," server-first ","
        // client-final-without-proof; ClientProof := ClientKey XOR HMAC(StoredKey, AuthMessage).
        Key salted{};
        PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()),
                          reinterpret_cast<const unsigned char*>(salt->data()),
                          static_cast<int>(salt->size()), iterations, EVP_sha256(),
                          static_cast<int>(salted.size()), salted.data());
        const Key client_key = hmac(as_view(salted), "Client Key");
        Key stored_key{};
        unsigned int length = 0;
        EVP_Digest(client_key.data(), client_key.size(), stored_key.data(), &length, EVP_sha256(),
                   nullptr);
        const std::string without_proof =
            "c=" + encode_base64(gs2_header()) + ",r=" + std::string(nonce);
        const std::string auth_message =
            client_first_bare() + "," + std::string(server_first) + "," + without_proof;
        const Key client_signature = hmac(as_view(stored_key), auth_message);
        Key proof{};
        for (std::size_t i = 0; i < proof.size(); ++i) {
            proof[i] = static_cast<unsigned char>(client_key[i] ^ client_signature[i]);
        }
        // ServerSignature := HMAC(HMAC(SaltedPassword, "Server Key"), AuthMessage).
        const Key server_key = hmac(as_view(salted), "Server Key");
        expected_server_final_ =
            "v=" + encode_base64(as_view(hmac(as_view(server_key), auth_message)));
        return without_proof + ",p=" + encode_base64(as_view(proof));
    }

    // "v=<ServerSignature>" the server must answer with, once client_final() has run.
    const std::string& expected_server_final() const { return expected_server_final_; }

private:
    static std::string_view as_view(const Key& key)
    {
        return {reinterpret_cast<const char*>(key.data()), key.size()};
    }

    static Key hmac(std::string_view key, std::string_view data)
    {
        Key out{};
        unsigned int length = 0;
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
        return out;
    }

    // saslname (RFC 5802 §5.1): ',' as "=2C", '=' as "=3D".
    static std::string escape_saslname(std::string_view name)
    {
        std::string out;
        for (const char c : name) {
            if (c == ',') {
                out += "=2C";
            } else if (c == '=') {
                out += "=3D";
            } else {
                out += c;
            }
        }
        return out;
    }

    std::string gs2_header() const
    {
        return authzid_.empty() ? std::string("n,,") : "n,a=" + escape_saslname(authzid_) + ",";
    }

    std::string client_first_bare() const
    {
        return "n=" + escape_saslname(username_) + ",r=" + nonce_;
    }

    std::string username_;
    std::string password_;
    std::string nonce_;
    std::string authzid_;
    std::string expected_server_final_;
};

}  // namespace harbor::sasl::testing
