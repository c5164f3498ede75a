// DKIM verification of a whole message (RFC 6376 §6): every DKIM-Signature field, each with
// its own result (RFC 8601 §2.7.1 names, see outcome.hpp), ed25519-sha256 included (RFC 8463).
// SECURITY: the message is untrusted. The header block is split under mime::Limits, at most
// max_signatures fields are examined (§6.1: verifiers MAY limit them), each field and key
// record is parsed under its limits, the body is canonicalized and hashed in one streaming
// pass per distinct c=/l= pair (no copy of the body), and identical key names are queried once.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <string_view>
#include <vector>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/key_record.hpp"
#include "auth/dkim/outcome.hpp"
#include "auth/dkim/signature.hpp"
#include "dns/lookups.hpp"
#include "mime/header.hpp"

namespace harbor::auth::dkim {

constexpr std::size_t default_max_signatures = 10;

struct VerifyOptions {
    // The verification time for x= (§3.5 x=: when the message was first received, if known).
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    std::size_t max_signatures = default_max_signatures;  // fields past this are not examined
    unsigned min_rsa_bits = min_rsa_key_bits;             // RFC 8301 §3.2
    mime::Limits header_limits;
    SignatureLimits signature_limits;
    KeyRecordLimits key_limits;
};

// Verifies the DKIM-Signature fields of `message` (header, empty line, body; CRLF or LF line
// ends) from the top of the header down, the first max_signatures of them. The result lists
// them in that order; an unsigned message gives an empty list (A-R "dkim=none"). Never fails
// as a whole: DNS trouble is a per-signature TempError. `dns` and the bytes behind `message`
// must outlive the coroutine. Suspends once per distinct key name.
boost::asio::awaitable<std::vector<SignatureResult>> verify_message(dns::Lookups& dns,
                                                                    std::string_view message,
                                                                    VerifyOptions options = {});

}  // namespace harbor::auth::dkim
