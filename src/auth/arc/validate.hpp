// ARC chain validation (RFC 8617 §5.2): the Chain Validation Status of a message (§4.4), the
// oldest ARC-Message-Signature that still validates (header.oldest-pass, §5.2 step 5, §6), and
// what each ARC Set said, for the receiver's Authentication-Results and local policy (§7.2).
// Keys are DKIM key records (RFC 8617 §5.2 imports RFC 6376's methods), fetched through
// dns::Lookups with auth/dkim/key_lookup.hpp; AMS checks are DKIM's (signature_check.hpp).
// SECURITY: the message is untrusted. The header block is split under mime::Limits; at most 50
// ARC Sets (150 ARC fields) are examined, each field parsed under FieldLimits; one key query
// per distinct key name (so at most 100); the body is hashed in a streaming pass once per
// distinct AMS c=/l=, at most max_body_hashes times; no copy of the message is made.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "auth/arc/fields.hpp"
#include "auth/dkim/crypto.hpp"
#include "auth/dkim/key_record.hpp"
#include "dns/lookups.hpp"
#include "mime/header.hpp"

namespace harbor::auth::arc {

constexpr std::size_t default_max_body_hashes = 4;

struct ValidateOptions {
    // The time an AMS's x= is compared with (RFC 6376 §3.5 x=).
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    unsigned min_rsa_bits = dkim::min_rsa_key_bits;  // RFC 8301 §3.2
    // §5.2 step 5 is optional: false skips the older AMS checks (and their key queries).
    bool find_oldest_pass = true;
    // Distinct body canonicalizations (AMS c= body and l=) hashed for the older AMS; an AMS
    // that would need another one counts as not validating for oldest-pass.
    std::size_t max_body_hashes = default_max_body_hashes;
    mime::Limits header_limits;
    FieldLimits field_limits;
    dkim::KeyRecordLimits key_limits;
};

// What became of one signature of an ARC Set.
enum class SignatureCheck { NotChecked, Pass, Fail };

std::string_view signature_check_name(SignatureCheck check);  // "not checked", "pass", "fail"

// One ARC Set (instance 1..N), as far as validation went.
struct InstanceResult {
    unsigned instance = 0;
    ChainStatus cv = ChainStatus::None;  // what its ARC-Seal says of the chain before it
    std::string seal_domain;             // AS d=, s=
    std::string seal_selector;
    std::string signature_domain;  // AMS d=, s=
    std::string signature_selector;
    std::string authserv_id;  // the AAR's authserv-id and its payload as written
    std::string results;
    SignatureCheck seal = SignatureCheck::NotChecked;
    SignatureCheck message_signature = SignatureCheck::NotChecked;
};

struct ChainValidation {
    ChainStatus status = ChainStatus::None;
    // N, the highest instance an ARC field names (0 without ARC fields): the next sealer adds
    // N + 1 (§5.1 step 3).
    unsigned sets = 0;
    // header.oldest-pass (§5.2 step 5, §6): 0 when every AMS validates, else the lowest
    // instance M + 1 above the newest AMS M that does not. Meaningful when status is Pass;
    // without find_oldest_pass only AMS N is checked, so it is N (0 for a single set).
    unsigned oldest_pass = 0;
    // The newest ARC-Seal says cv=fail: the chain was ended upstream (§5.2 step 2). status is
    // Fail, and a sealer adds no set (§5.1 step 2; seal_message refuses).
    bool terminated = false;
    // A key query failed to respond. RFC 8617 §5.2.1: "All errors, including DNS failures,
    // become unrecoverable and are considered permanent", so status is Fail and that is what
    // A-R and the next cv= say; a receiver still in the SMTP transaction may prefer to answer
    // 4xx and let the sender retry rather than act on this Fail.
    bool dns_error = false;
    std::string reason;  // why status is not Pass (or None), for the log and A-R
    // The sets 1..N in order, once each has its three fields and they parse; empty otherwise.
    std::vector<InstanceResult> instances;
};

// Validates the Authenticated Received Chain of `message` (header, empty line, body; CRLF or
// LF line ends): §5.2 steps 1-7, the AS before the older AMS (step 5 only runs for a chain
// that passes). None when the header holds no ARC field; Fail when the header block runs past
// header_limits (ARC fields might be hidden). Never fails as a whole. `dns` and the bytes
// behind `message` must outlive the coroutine. Suspends once per distinct key name.
boost::asio::awaitable<ChainValidation> validate_chain(dns::Lookups& dns, std::string_view message,
                                                       ValidateOptions options = {});

}  // namespace harbor::auth::arc
