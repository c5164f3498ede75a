// The result of verifying one DKIM signature, in the vocabulary of Authentication-Results
// (RFC 8601 §2.7.1), and how Harbor maps RFC 6376's PERMFAIL reasons onto it.
#pragma once

#include <string>
#include <string_view>

namespace harbor::auth::dkim {

enum class Outcome {
    Pass,       // the signature verified
    Fail,       // it was processed and failed a test: body hash or signature mismatch, x= in
                // the past, l= beyond the body, an RSA key under 1024 bits (RFC 8301 §3.2)
    Neutral,    // it could not be processed: syntax errors, an unsupported v=, a=, c= or q=,
                // a missing tag, i= outside d=, From not signed (RFC 6376 §6.1.1)
    Policy,     // it may be sound but is not acceptable here: rsa-sha1 (RFC 8301 §3.1)
    TempError,  // the key could not be fetched now (RFC 6376 §6.1.2 step 2)
    PermError,  // the key is missing, revoked, malformed or unfit for the signature
                // (RFC 6376 §6.1.2 steps 3-8), or the header block is past Harbor's limits
};

std::string_view outcome_name(Outcome outcome);  // "pass", "fail", ... as in A-R

struct SignatureResult {
    Outcome result = Outcome::Neutral;
    std::string domain;         // d= (empty when the field did not parse)
    std::string selector;       // s=
    std::string identity;       // i=, or "@" + d= when absent
    std::string algorithm;      // a=, e.g. "rsa-sha256"
    std::string reason;         // why it did not pass (RFC 6376 §6.1 wording); empty on pass
    bool testing = false;       // the key says t=y: treat like an unsigned message (§3.6.1)
    bool partial_body = false;  // l= covers less than the canonical body (§8.2)

    // Whether a pass carries less than it seems to (RFC 6376 §3.6.1 t=y, §8.2 l=).
    bool weak() const { return testing || partial_body; }
};

}  // namespace harbor::auth::dkim
