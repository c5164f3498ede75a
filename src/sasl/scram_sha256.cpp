// SCRAM-SHA-256 server side: RFC 5802 §3 (algorithm), §5 (attributes), §7 (grammar); RFC 7677.
// SECURITY: untrusted client messages, bounded by max_scram_message; names are checked for
// UTF-8 validity and control characters; the proof is compared with CRYPTO_memcmp.
#include "sasl/scram_sha256.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "core/base64.hpp"
#include "sasl/sasl_string.hpp"

namespace harbor::sasl {
namespace {

Unexpected invalid(std::string detail)
{
    return unexpected(Errc::Invalid, "scram: " + std::move(detail));
}

ScramKey hmac_sha256(std::string_view key, std::string_view data)
{
    ScramKey out{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
    return out;
}

ScramKey sha256(const ScramKey& data)
{
    ScramKey out{};
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr);
    return out;
}

std::string_view as_bytes(const ScramKey& key)
{
    return {reinterpret_cast<const char*>(key.data()), key.size()};
}

std::vector<std::string_view> split_commas(std::string_view text)
{
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        fields.push_back(text.substr(start, comma - start));
        if (comma == std::string_view::npos) {
            return fields;
        }
        start = comma + 1;
    }
}

// printable = %x21-2B / %x2D-7E (RFC 5802 §7): any visible ASCII except ','.
bool is_valid_nonce(std::string_view nonce)
{
    if (nonce.empty()) {
        return false;
    }
    for (const char c : nonce) {
        if (c < 0x21 || c > 0x7e || c == ',') {
            return false;
        }
    }
    return true;
}

// saslname (RFC 5802 §5.1): '=' only as "=2C" (',') or "=3D" ('='); then SASL string checks.
Result<std::string> decode_saslname(std::string_view text, std::string_view what)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
            continue;
        }
        const std::string_view escape = text.substr(i, 3);
        if (escape == "=2C") {
            out += ',';
        } else if (escape == "=3D") {
            out += '=';
        } else {
            return invalid(std::string(what) + ": '=' not followed by 2C or 3D");
        }
        i += 2;
    }
    if (out.empty()) {
        return invalid(std::string(what) + " is empty");
    }
    if (out.size() > max_scram_username) {
        return invalid(std::string(what) + " too long");
    }
    if (Result<void> checked = check_sasl_string(out); !checked) {
        return invalid(std::string(what) + ": " + checked.error().detail);
    }
    return out;
}

// attr-val (RFC 5802 §7): ALPHA "=" value, value non-empty.
bool is_extension(std::string_view field)
{
    return field.size() >= 3 &&
           ((field[0] >= 'a' && field[0] <= 'z') || (field[0] >= 'A' && field[0] <= 'Z')) &&
           field[1] == '=';
}

Result<ScramKey> decode_key(std::string_view text)
{
    Result<std::string> bytes = decode_base64(text);
    if (!bytes || bytes->size() != ScramKey{}.size()) {
        return invalid("key is not 32 bytes of base64");
    }
    ScramKey key{};
    std::copy(bytes->begin(), bytes->end(), key.begin());
    return key;
}

Result<std::uint32_t> parse_iterations(std::string_view text)
{
    std::uint32_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || text[0] == '0' || ec != std::errc{} || ptr != text.data() + text.size()) {
        return invalid("bad iteration count");
    }
    if (value < scram_min_iterations || value > scram_max_iterations) {
        return invalid("iteration count out of range");
    }
    return value;
}

}  // namespace

Result<ScramCredentials> derive_scram_credentials(std::string_view password, std::string_view salt,
                                                  std::uint32_t iterations)
{
    if (salt.empty()) {
        return invalid("empty salt");
    }
    if (iterations < scram_min_iterations || iterations > scram_max_iterations) {
        return invalid("iteration count out of range");
    }
    if (Result<void> checked = check_sasl_string(password); !checked) {
        return invalid("password: " + checked.error().detail);
    }
    // SaltedPassword := Hi(Normalize(password), salt, i); Hi is PBKDF2 with HMAC (RFC 5802 §2.2).
    ScramKey salted{};
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          static_cast<int>(salted.size()), salted.data()) != 1) {
        return unexpected(Errc::Internal, "PKCS5_PBKDF2_HMAC failed");
    }
    ScramCredentials credentials;
    credentials.salt = std::string(salt);
    credentials.iterations = iterations;
    const ScramKey client_key = hmac_sha256(as_bytes(salted), "Client Key");
    credentials.stored_key = sha256(client_key);
    credentials.server_key = hmac_sha256(as_bytes(salted), "Server Key");
    OPENSSL_cleanse(salted.data(), salted.size());
    return credentials;
}

Result<ScramCredentials> make_scram_credentials(std::string_view password)
{
    std::string salt(scram_salt_bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
        1) {
        return unexpected(Errc::Internal, "RAND_bytes failed");
    }
    return derive_scram_credentials(password, salt);
}

std::string format_scram_credentials(const ScramCredentials& credentials)
{
    return encode_base64(credentials.salt) + ":" + std::to_string(credentials.iterations) + ":" +
           encode_base64(as_bytes(credentials.stored_key)) + ":" +
           encode_base64(as_bytes(credentials.server_key));
}

Result<ScramCredentials> parse_scram_credentials(std::string_view text)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t colon = text.find(':'); colon != std::string_view::npos;
         colon = text.find(':', start)) {
        parts.push_back(text.substr(start, colon - start));
        start = colon + 1;
    }
    parts.push_back(text.substr(start));
    if (parts.size() != 4) {
        return invalid("stored credentials need 4 ':'-separated fields");
    }
    ScramCredentials credentials;
    Result<std::string> salt = decode_base64(parts[0]);
    if (!salt || salt->empty()) {
        return invalid("stored salt is not base64");
    }
    credentials.salt = std::move(*salt);
    Result<std::uint32_t> iterations = parse_iterations(parts[1]);
    Result<ScramKey> stored_key = decode_key(parts[2]);
    Result<ScramKey> server_key = decode_key(parts[3]);
    HARBOR_TRY(iterations);
    if (!stored_key || !server_key) {
        return invalid("stored key is not 32 bytes of base64");
    }
    credentials.iterations = *iterations;
    credentials.stored_key = *stored_key;
    credentials.server_key = *server_key;
    return credentials;
}

Result<std::string> make_scram_nonce()
{
    std::string random(24, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()),
                   static_cast<int>(random.size())) != 1) {
        return unexpected(Errc::Internal, "RAND_bytes failed");
    }
    // base64 without padding is all printable and has no ','.
    return encode_base64(random, Padding::Omitted);
}

Result<ScramClientFirst> parse_scram_client_first(std::string_view message)
{
    if (message.size() > max_scram_message) {
        return invalid("client-first-message too long");
    }
    std::vector<std::string_view> fields = split_commas(message);
    if (fields.size() < 4) {
        return invalid("client-first-message needs gs2 header, n= and r=");
    }
    ScramClientFirst first;
    // gs2-cbind-flag (RFC 5802 §7). "y" means the client could bind but thinks we cannot,
    // which is true: we do not offer SCRAM-SHA-256-PLUS, so it is accepted (§6).
    if (fields[0].substr(0, 2) == "p=") {
        return unexpected(Errc::Unsupported, "scram: channel binding not supported");
    }
    if (fields[0] != "n" && fields[0] != "y") {
        return invalid("bad gs2-cbind-flag");
    }
    if (!fields[1].empty()) {
        if (fields[1].substr(0, 2) != "a=") {
            return invalid("bad authzid in gs2 header");
        }
        Result<std::string> authzid = decode_saslname(fields[1].substr(2), "authzid");
        HARBOR_TRY(authzid);
        first.authzid = std::move(*authzid);
    }
    first.gs2_header = std::string(fields[0]) + "," + std::string(fields[1]) + ",";
    first.bare = std::string(message.substr(first.gs2_header.size()));

    std::size_t next = 2;
    // RFC 5802 §5.1 "m": "If this attribute is present, the server MUST fail the authentication".
    if (fields[next].substr(0, 2) == "m=") {
        return unexpected(Errc::Unsupported, "scram: mandatory extension not supported");
    }
    if (fields[next].substr(0, 2) != "n=") {
        return invalid("expected n=username");
    }
    Result<std::string> username = decode_saslname(fields[next].substr(2), "username");
    HARBOR_TRY(username);
    first.username = std::move(*username);
    ++next;
    if (next >= fields.size() || fields[next].substr(0, 2) != "r=") {
        return invalid("expected r=nonce");
    }
    first.nonce = std::string(fields[next].substr(2));
    if (!is_valid_nonce(first.nonce)) {
        return invalid("bad client nonce");
    }
    for (++next; next < fields.size(); ++next) {
        if (!is_extension(fields[next])) {
            return invalid("bad extension in client-first-message");
        }
    }
    return first;
}

Result<ScramClientFinal> parse_scram_client_final(std::string_view message)
{
    if (message.size() > max_scram_message) {
        return invalid("client-final-message too long");
    }
    // The proof is always the last attribute (RFC 5802 §7).
    const std::size_t proof_at = message.rfind(",p=");
    if (proof_at == std::string_view::npos) {
        return invalid("missing p=proof");
    }
    ScramClientFinal final_message;
    final_message.without_proof = std::string(message.substr(0, proof_at));
    Result<std::string> proof = decode_base64(message.substr(proof_at + 3));
    if (!proof || proof->size() != ScramKey{}.size()) {
        return invalid("proof is not 32 bytes of base64");
    }
    final_message.proof = std::move(*proof);

    std::vector<std::string_view> fields = split_commas(final_message.without_proof);
    if (fields.size() < 2 || fields[0].substr(0, 2) != "c=" || fields[1].substr(0, 2) != "r=") {
        return invalid("client-final-message needs c= then r=");
    }
    Result<std::string> binding = decode_base64(fields[0].substr(2));
    if (!binding) {
        return invalid("c= is not base64");
    }
    final_message.channel_binding = std::move(*binding);
    final_message.nonce = std::string(fields[1].substr(2));
    if (!is_valid_nonce(final_message.nonce)) {
        return invalid("bad nonce in client-final-message");
    }
    for (std::size_t i = 2; i < fields.size(); ++i) {
        if (!is_extension(fields[i])) {
            return invalid("bad extension in client-final-message");
        }
    }
    return final_message;
}

Unexpected ScramServer::fail(Errc code, std::string detail)
{
    state_ = State::Failed;
    return unexpected(code, std::move(detail));
}

Result<ScramClientFirst> ScramServer::receive_client_first(std::string_view message)
{
    if (state_ != State::AwaitingClientFirst) {
        return fail(Errc::Internal, "scram: client-first-message out of order");
    }
    Result<ScramClientFirst> first = parse_scram_client_first(message);
    if (!first) {
        state_ = State::Failed;
        return first;
    }
    client_first_ = *first;
    state_ = State::AwaitingCredentials;
    return first;
}

Result<std::string> ScramServer::make_server_first(const ScramCredentials& credentials,
                                                   std::string_view server_nonce)
{
    if (state_ != State::AwaitingCredentials) {
        return fail(Errc::Internal, "scram: server-first-message out of order");
    }
    if (!is_valid_nonce(server_nonce) || credentials.salt.empty()) {
        return fail(Errc::Internal, "scram: bad server nonce or credentials");
    }
    credentials_ = credentials;
    // The server appends its own nonce to the client's (RFC 5802 §5.1 "r=").
    combined_nonce_ = client_first_.nonce + std::string(server_nonce);
    server_first_ = "r=" + combined_nonce_ + ",s=" + encode_base64(credentials.salt) +
                    ",i=" + std::to_string(credentials.iterations);
    state_ = State::AwaitingClientFinal;
    return server_first_;
}

Result<std::string> ScramServer::receive_client_final(std::string_view message)
{
    if (state_ != State::AwaitingClientFinal) {
        return fail(Errc::Internal, "scram: client-final-message out of order");
    }
    Result<ScramClientFinal> final_message = parse_scram_client_final(message);
    if (!final_message) {
        state_ = State::Failed;
        return unexpected(std::move(final_message).error());
    }
    // Without channel binding, c= carries exactly the gs2 header (RFC 5802 §7 cbind-input).
    if (final_message->channel_binding != client_first_.gs2_header) {
        return fail(Errc::Invalid, "scram: channel-bindings-dont-match");
    }
    if (final_message->nonce != combined_nonce_) {
        return fail(Errc::Invalid, "scram: nonce mismatch");
    }
    // AuthMessage := client-first-message-bare + "," + server-first-message + "," +
    //                client-final-message-without-proof                 (RFC 5802 §3)
    const std::string auth_message =
        client_first_.bare + "," + server_first_ + "," + final_message->without_proof;
    const ScramKey client_signature = hmac_sha256(as_bytes(credentials_.stored_key), auth_message);
    // ClientKey := ClientProof XOR ClientSignature; the client knows the password iff
    // H(ClientKey) == StoredKey.
    ScramKey client_key{};
    for (std::size_t i = 0; i < client_key.size(); ++i) {
        client_key[i] = static_cast<unsigned char>(
            static_cast<unsigned char>(final_message->proof[i]) ^ client_signature[i]);
    }
    const ScramKey candidate = sha256(client_key);
    OPENSSL_cleanse(client_key.data(), client_key.size());
    if (CRYPTO_memcmp(candidate.data(), credentials_.stored_key.data(), candidate.size()) != 0) {
        return fail(Errc::Permission, "scram: invalid-proof");
    }
    const ScramKey server_signature = hmac_sha256(as_bytes(credentials_.server_key), auth_message);
    state_ = State::Done;
    return "v=" + encode_base64(as_bytes(server_signature));
}

}  // namespace harbor::sasl
