// ARC sealing (RFC 8617 §5.1): the ARC Set a sealer adds on top of a message it passes on:
// ARC-Authentication-Results (§4.1.1), ARC-Message-Signature (§4.1.2) and ARC-Seal (§4.1.3)
// with instance N + 1, over the chain as validated on arrival (validate.hpp). Keys are DKIM
// signing keys (auth/dkim/sign.hpp, crypto.hpp): rsa-sha256 or ed25519-sha256.
// SECURITY: the message may come from anyone (a list or forwarder seals what it received):
// the header block is split under mime::Limits, ARC fields are parsed under FieldLimits, the
// body is hashed in place. The results text is Harbor's and is checked to be one header field.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "auth/arc/fields.hpp"
#include "auth/arc/format.hpp"
#include "auth/arc/validate.hpp"
#include "auth/dkim/sign.hpp"
#include "core/result.hpp"
#include "mime/header.hpp"

namespace harbor::auth::arc {

// dkim::default_signed_headers() and DKIM-Signature: "the signature of the AMS header field
// SHOULD include any DKIM-Signature header fields already present" (RFC 8617 §4.1.2).
std::vector<std::string> default_sealed_headers();

struct SealOptions {
    // The fields the AMS signs when present, each instance once (bottom-up, RFC 6376 §5.4.2),
    // nothing oversigned (a later hop may add a DKIM-Signature). Authentication-Results and the
    // ARC fields are refused: §4.1.2 says they "MUST NOT be included".
    std::vector<std::string> headers = default_sealed_headers();
    dkim::Canonicalization canonicalization{dkim::Canon::Relaxed, dkim::Canon::Relaxed};  // AMS c=
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();  // t= of both
    TagOrder tag_order = TagOrder::Rfc8617;
    mime::Limits header_limits;
    FieldLimits field_limits;
};

constexpr std::size_t max_results_text = 8 * 1024;  // the resinfo text put in the AAR

// The new ARC Set, each field through its CRLF.
struct ArcSet {
    unsigned instance = 0;
    ChainStatus cv = ChainStatus::None;  // the cv= of the new ARC-Seal
    std::string seal;                    // "ARC-Seal: ...\r\n"
    std::string message_signature;       // "ARC-Message-Signature: ...\r\n"
    std::string results;                 // "ARC-Authentication-Results: ...\r\n"

    // The three fields in the order they go on top of the message: AS, AMS, AAR (§5.1 step 4
    // attaches the AAR, then the AMS, then the AS, each above the one before).
    std::string fields() const { return seal + message_signature + results; }
};

// Seals `message` (header, empty line, body; CRLF or LF) for this ADMD. `results` is the
// resinfo part of the Authentication-Results this server added, its arc= result first
// (e.g. "arc=pass header.oldest-pass=0; spf=pass smtp.mailfrom=example.org; dkim=pass ..."):
// the AAR becomes "i=N+1; <authserv_id>; <results>" (§4.1.1; "none" when results is empty);
// it may hold folds (CRLF followed by WSP) and no other line ends. `incoming` is
// validate_chain()'s answer for this same message (before this server's changes, which must
// all be made before sealing, §5.1 step 1): cv= is its status (none for a message without ARC
// fields), and with cv=fail the ARC-Seal signs only the new set (§5.1.2). Errors:
//   Errc::Invalid      the newest ARC-Seal already says cv=fail ("there is no need to proceed",
//                      §5.1 step 2); `incoming` does not describe this message's chain; bad
//                      authserv_id or results text; a refused name in options.headers; a bad
//                      d= or s=, an RSA key under 1024 bits (RFC 8301 §3.2);
//   Errc::Limit        the new instance would pass 50 (§4.2.1); the header block is past
//                      header_limits; results longer than max_results_text;
//   Errc::Unsupported  rsa-sha1 (RFC 8301 §3.1), or an algorithm that does not match the key;
//   Errc::Internal     OpenSSL failed.
Result<ArcSet> seal_message(std::string_view message, const dkim::SigningKey& key,
                            std::string_view authserv_id, std::string_view results,
                            const ChainValidation& incoming, const SealOptions& options = {});

}  // namespace harbor::auth::arc
