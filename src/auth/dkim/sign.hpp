// DKIM signing (RFC 6376 §5; ed25519-sha256 from RFC 8463): the DKIM-Signature field to
// prepend to a message, with relaxed/relaxed canonicalization, From oversigned and t= set by
// default. Keys come from crypto.hpp (load_private_key, generate_key).
// SECURITY: the message may come from a local user; the header block is split under
// mime::Limits and the body is hashed as it streams (no second copy).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/signature.hpp"
#include "core/result.hpp"
#include "mime/header.hpp"

namespace harbor::auth::dkim {

struct SigningKey {
    std::string domain;    // d=, the SDID
    std::string selector;  // s=; the public key sits at <selector>._domainkey.<domain>
    PrivateKey key;
    Algorithm algorithm = Algorithm::RsaSha256;  // must match the key: rsa-sha256 or ed25519-sha256
};

// From, To, Cc, Subject, Date, Message-ID, MIME-Version, Content-Type,
// Content-Transfer-Encoding, Reply-To, In-Reply-To, References, Sender: the fields RFC 6376
// §5.4.1 recommends, less those transit changes (Received, Return-Path).
std::vector<std::string> default_signed_headers();

struct SignOptions {
    // Fields to sign when present, each instance once (bottom-up, §5.4.2). From is always
    // signed (§5.4) even when missing from this list.
    std::vector<std::string> headers = default_signed_headers();
    // Names listed in h= once more than the message has them (signed even when absent), so a
    // field of that name added later breaks the signature (§5.4.2, §8.15).
    std::vector<std::string> oversigned = {"From"};
    Canonicalization canonicalization{Canon::Relaxed, Canon::Relaxed};
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();  // t=
    std::optional<std::chrono::seconds> expire_after;                              // x= = t= + this
    std::string identity;      // i= (the AUID); empty leaves it out ("@" + d= implied)
    bool body_length = false;  // add l= with the length of the canonical body (§5.3.1)
    mime::Limits header_limits;
};

// The DKIM-Signature header field, folded at 78 columns, ending in CRLF, to prepend to
// `message` (header, empty line, body; CRLF or LF line ends). Errors:
//   Errc::Invalid      the message has no From field (RFC 6376 §5.4 "The From header field MUST
//                      be signed"), a bad d=, s= or i= (i= must be within d=), an RSA key under
//                      1024 bits (RFC 8301 §3.2);
//   Errc::Unsupported  rsa-sha1 (RFC 8301 §3.1), or an algorithm that does not match the key;
//   Errc::Limit        the header block is past header_limits;
//   Errc::Internal     OpenSSL failed.
Result<std::string> sign_message(std::string_view message, const SigningKey& key,
                                 const SignOptions& options = {});

}  // namespace harbor::auth::dkim
