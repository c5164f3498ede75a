// The three ARC header fields (RFC 8617 §4.1), parsed from their values:
// ARC-Authentication-Results (AAR, §4.1.1), ARC-Message-Signature (AMS, §4.1.2) and ARC-Seal
// (AS, §4.1.3), with the instance tag of §4.2.1 and the chain validation status of §4.4.
// The AMS and AS reuse DKIM's tag-lists and value grammars (auth/dkim/tag_list.hpp,
// signature.hpp) and are returned as dkim::Signature, so DKIM's key checks and hashing apply.
// SECURITY: every value comes from the message, so from anyone: capped by FieldLimits before
// any parse, one linear pass, at most dkim::default_max_tags tags; fuzzed by fuzz_arc_fields.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "auth/dkim/signature.hpp"
#include "core/result.hpp"

namespace harbor::auth::arc {

// RFC 8617 §4.2.1: "Instance tag values can range from 1-50 (inclusive)."
constexpr unsigned max_instance = 50;

constexpr std::string_view seal_field = "ARC-Seal";
constexpr std::string_view message_signature_field = "ARC-Message-Signature";
constexpr std::string_view results_field = "ARC-Authentication-Results";

// The Chain Validation Status (§4.4), as the AS's cv= tag and the A-R "arc" method write it.
enum class ChainStatus { None, Pass, Fail };

std::string_view chain_status_name(ChainStatus status);  // "none", "pass", "fail"

enum class FieldKind { Results, MessageSignature, Seal };

// Which ARC field a header field name is (ASCII case-insensitive), or nullopt.
std::optional<FieldKind> arc_field_kind(std::string_view name);

// ARC-Seal: a=, b=, d=, s=, t= as in DKIM, plus cv= and the instance (§4.1.3). `signature`
// has c=relaxed/relaxed (the only canonicalization of the AS), no bh= and no h=, and
// identity "@" + d= so that DKIM's key checks can run on it.
struct Seal {
    unsigned instance = 0;
    ChainStatus cv = ChainStatus::None;
    dkim::Signature signature;
};

// ARC-Message-Signature: a DKIM-Signature without v= and with i= as the instance (§4.1.2).
// `signature.identity` is "@" + d= (there is no AUID), `identity_given` false.
struct MessageSignature {
    unsigned instance = 0;
    dkim::Signature signature;
};

// ARC-Authentication-Results: the instance, then an Authentication-Results payload (§4.1.1).
struct AuthenticationResults {
    unsigned instance = 0;
    std::string authserv_id;  // the payload's authserv-id, unquoted
    std::string payload;      // authres-payload as written (folding kept), outer WSP trimmed
};

constexpr std::size_t default_max_results_field = 16 * 1024;  // AAR value bytes

struct FieldLimits {
    dkim::SignatureLimits signature;  // AMS and AS: value bytes, h= names, decoded b= octets
    std::size_t max_results = default_max_results_field;
};

// position = 1*2DIGIT, 1 to 50 (RFC 8617 §3.9 ABNF, §4.2.1). Errc::Invalid otherwise.
Result<unsigned> parse_instance(std::string_view value);

// Each parser takes the field value (everything after the colon, folding kept). Errors:
//   Errc::Invalid      tag-list syntax (dkim::parse_tag_list: duplicate tags, bad names, empty
//                      tag-specs), a required tag missing (AMS: i a b bh d h s; AS: i a b cv d s),
//                      a malformed value, h= in an ARC-Seal (§4.1.3: "MUST result in a cv status
//                      of fail"), ARC-Seal named in an AMS's h=, an AAR not starting with
//                      "i=N;" or without an authserv-id;
//   Errc::Unsupported  an unknown a= or c=, q= without dns/txt;
//   Errc::Limit        the value (or h=, or b=) past `limits`.
// DEVIATION(RFC 8617 §4.1.2, §4.1.3 ABNF "instance [CFWS] ';' tag-list"): in an AMS or AS the
// i= tag is accepted anywhere in the tag-list, as the ARC test suite and deployed sealers
// write it. The AAR keeps the ABNF: i= first, then ";".
// DEVIATION(RFC 6376 §3.5 h=): an AMS's h= may be empty or hold empty names, which select
// nothing (the ARC test suite's ams_fields_h_empty and ams_fields_h_mis_hdr expect a pass).
// DEVIATION(RFC 6376 §3.5 c=): an AMS without c= is relaxed/relaxed (ams_fields_c_na).
Result<Seal> parse_seal(std::string_view value, const FieldLimits& limits = {});
Result<MessageSignature> parse_message_signature(std::string_view value,
                                                 const FieldLimits& limits = {});
Result<AuthenticationResults> parse_authentication_results(std::string_view value,
                                                           const FieldLimits& limits = {});

// Only the instance of an ARC field of `kind` (its i=, the rest unchecked): how a sealer finds
// "the highest instance number" of a chain that does not validate (§5.1 step 3).
Result<unsigned> parse_field_instance(FieldKind kind, std::string_view value,
                                      const FieldLimits& limits = {});

// Only the cv= of an ARC-Seal value, when its tag-list parses and cv= is a chain-status.
std::optional<ChainStatus> peek_seal_status(std::string_view value, const FieldLimits& limits = {});

}  // namespace harbor::auth::arc
