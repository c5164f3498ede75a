// The DKIM-Signature header field (RFC 6376 §3.5) parsed from its value, with the algorithms of
// RFC 6376 §3.3 and RFC 8463 §3 (ed25519-sha256) and the canonicalizations of §3.4.
// SECURITY: the field comes from the message, so from anyone: the value is capped by
// SignatureLimits (bytes, tags, h= names, decoded sizes), numbers are range-checked before they
// are stored, domains and selectors are checked against DNS name syntax. Fuzzed by
// fuzz_dkim_signature.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace harbor::auth::dkim {

// a= (RFC 6376 §3.3, RFC 8463 §3). rsa-sha1 is parsed so that it can be named and refused
// (RFC 8301 §3.1: "rsa-sha1 MUST NOT be used for signing or verifying").
enum class Algorithm { RsaSha1, RsaSha256, Ed25519Sha256 };

// k= of a key record (RFC 6376 §3.6.1, RFC 8463 §4.2).
enum class KeyType { Rsa, Ed25519 };

// c= (RFC 6376 §3.4), one for the header and one for the body.
enum class Canon { Simple, Relaxed };

struct Canonicalization {
    Canon header = Canon::Simple;  // the default is simple/simple (§3.5 c=)
    Canon body = Canon::Simple;
    friend bool operator==(const Canonicalization&, const Canonicalization&) = default;
};

std::string_view algorithm_name(Algorithm algorithm);  // "rsa-sha256", as in a=
std::string_view canon_name(Canon canon);              // "simple", "relaxed"
std::string_view key_type_name(KeyType type);          // "rsa", "ed25519", as in k=
KeyType key_type_of(Algorithm algorithm);

struct Signature {
    Algorithm algorithm = Algorithm::RsaSha256;
    std::string signature;  // b=, decoded
    std::string body_hash;  // bh=, decoded (32 octets for SHA-256)
    Canonicalization canonicalization;
    std::string domain;                        // d= as written (the SDID)
    std::vector<std::string> signed_headers;   // h= names as written, in order
    std::string identity;                      // i= decoded, or "@" + d= when absent (§3.5)
    bool identity_given = false;               // i= was present
    std::optional<std::uint64_t> body_length;  // l=; saturated at 2^64-1
    std::string selector;                      // s=
    std::optional<std::uint64_t> timestamp;    // t=
    std::optional<std::uint64_t> expiration;   // x=
    std::vector<std::string> copied_headers;   // z=, each "name:value" decoded (diagnostic)

    // The domain part of the AUID (after the last "@" of i=).
    std::string_view identity_domain() const;
    // "<s>._domainkey.<d>", lowercase (RFC 6376 §3.6.2.1).
    std::string key_name() const;
};

constexpr std::size_t default_max_signature_field = 32 * 1024;  // bytes of the field value
constexpr std::size_t default_max_signed_headers = 256;         // names in h=
constexpr std::size_t default_max_signature_octets = 1024;      // b= decoded: RSA 8192 bits

struct SignatureLimits {
    std::size_t max_field = default_max_signature_field;
    std::size_t max_signed_headers = default_max_signed_headers;
    std::size_t max_signature_octets = default_max_signature_octets;
};

// True when a and b name the same DNS domain (ASCII case-insensitive, RFC 4343).
bool same_domain(std::string_view a, std::string_view b);
// True when `name` is `domain` or a subdomain of it.
bool within_domain(std::string_view name, std::string_view domain);
// RFC 5321 sub-domain *("." sub-domain), at most 253 octets, labels of 1-63 octets. `min_labels`
// is 2 for d= and i= domains (RFC 6376 §3.5 domain-name), 1 for selectors. Underscores are
// accepted in labels: DNS allows them and selectors in use carry them.
bool is_dns_name(std::string_view name, std::size_t min_labels);

// Parses the value of one DKIM-Signature field (everything after the colon, folding kept).
// Errors, each naming the RFC 6376 §6.1.1 reason in its detail:
//   Errc::Invalid      tag-list syntax, a required tag missing (v a b bh d h s), a malformed
//                      value, i= outside d=, h= without From, x= before t=;
//   Errc::Unsupported  v= other than 1, an unknown a= or c=, q= without dns/txt;
//   Errc::Limit        the value, h= or b= past `limits`.
Result<Signature> parse_signature(std::string_view value, const SignatureLimits& limits = {});

// The value grammars DKIM-Signature shares with ARC-Message-Signature and ARC-Seal (RFC 8617
// §4.1.2, §4.1.3 import them from RFC 6376 §3.5), for auth/arc's parsers. Each error detail
// names the tag.
Result<Algorithm> parse_algorithm_value(std::string_view value);                // a=
Result<Canonicalization> parse_canonicalization_value(std::string_view value);  // c=
// 1*max_digits DIGIT (t= and x= take 12, l= 76), saturating at 2^64-1.
Result<std::uint64_t> parse_decimal_value(std::string_view value, std::size_t max_digits,
                                          std::string_view tag);
// base64 with FWS anywhere (b=, bh=), at most max_octets once decoded; empty is Invalid.
Result<std::string> parse_base64_value(std::string_view value, std::string_view tag,
                                       std::size_t max_octets);
// q=: Errc::Unsupported unless one of the methods is dns/txt.
Result<void> check_query_methods(std::string_view value);
// RFC 5322 §3.6.8 field-name (printable US-ASCII except ":"), as h= lists them.
bool is_header_field_name(std::string_view name);

}  // namespace harbor::auth::dkim
