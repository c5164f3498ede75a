// DKIM-Signature parser: RFC 6376 §3.5 (tags), §6.1.1 (what a verifier must refuse), RFC 8463
// §3 (ed25519-sha256), RFC 8301 §3.1 (rsa-sha1 is recognised, refused later by the verifier).
// SECURITY: bounded by SignatureLimits; decimal values are range-checked digit by digit.
#include "auth/dkim/signature.hpp"

#include <limits>

#include "auth/dkim/tag_list.hpp"
#include "core/ascii.hpp"
#include "core/base64.hpp"

namespace harbor::auth::dkim {

namespace {

constexpr std::size_t max_time_digits = 12;     // RFC 6376 §3.5 t=, x=: 1*12DIGIT
constexpr std::size_t max_length_digits = 76;   // RFC 6376 §3.5 l=: 1*76DIGIT
constexpr std::size_t max_name_octets = 253;    // RFC 1035 §3.1
constexpr std::size_t max_label_octets = 63;    // RFC 1035 §2.3.4
constexpr std::size_t max_copied_headers = 64;  // z= entries kept

bool is_alnum(char c)
{
    return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The detail of a malformed number, built out of line: GCC 12 reports a false -Warray-bounds
// when the concatenation is inlined into parse_decimal.
[[gnu::noinline]] Unexpected bad_number(std::string_view tag, std::string_view problem)
{
    std::string detail(tag);
    detail += "= ";
    detail += problem;
    return unexpected(Errc::Invalid, std::move(detail));
}

// 1*max_digits DIGIT, saturating at 2^64-1 (l= may have 76 digits; the note under §3.5 l=
// asks implementations to guard against overflow).
Result<std::uint64_t> parse_decimal(std::string_view text, std::size_t max_digits,
                                    std::string_view tag)
{
    if (text.empty() || text.size() > max_digits) {
        return bad_number(tag, "has too many or no digits");
    }
    constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    for (const char c : text) {
        if (!is_ascii_digit(c)) {
            return bad_number(tag, "is not a number");
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        value = value > (top - digit) / 10 ? top : value * 10 + digit;
    }
    return value;
}

// RFC 5322 §3.6.8 field-name: printable US-ASCII except ":".
bool is_field_name(std::string_view name)
{
    if (name.empty()) {
        return false;
    }
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 33 || byte > 126 || c == ':') {
            return false;
        }
    }
    return true;
}

Result<std::string> decode_base64_tag(std::string_view value, std::string_view tag,
                                      std::size_t max_octets)
{
    const std::string text = remove_fws(value);
    if (text.empty()) {
        return unexpected(Errc::Invalid, std::string(tag) + "= is empty");
    }
    if (text.size() / 4 * 3 > max_octets + 3) {
        return unexpected(Errc::Limit, std::string(tag) + "= is longer than " +
                                           std::to_string(max_octets) + " octets");
    }
    Result<std::string> bytes = decode_base64(text);
    if (!bytes) {
        return unexpected(Errc::Invalid, std::string(tag) + "= is not base64");
    }
    if (bytes->size() > max_octets) {
        return unexpected(Errc::Limit, std::string(tag) + "= is longer than " +
                                           std::to_string(max_octets) + " octets");
    }
    return bytes;
}

Result<Algorithm> parse_algorithm(std::string_view value)
{
    // ABNF literals are case-insensitive (RFC 5234 §2.3).
    if (iequals(value, "rsa-sha256")) {
        return Algorithm::RsaSha256;
    }
    if (iequals(value, "ed25519-sha256")) {
        return Algorithm::Ed25519Sha256;
    }
    if (iequals(value, "rsa-sha1")) {
        return Algorithm::RsaSha1;
    }
    return unexpected(Errc::Unsupported, "unknown algorithm a=" + std::string(value));
}

Result<Canon> parse_canon(std::string_view value)
{
    if (iequals(value, "simple")) {
        return Canon::Simple;
    }
    if (iequals(value, "relaxed")) {
        return Canon::Relaxed;
    }
    if (value.empty()) {
        return unexpected(Errc::Invalid, "empty canonicalization in c=");
    }
    // §3.4: "Verifiers MUST ignore any signatures that use unrecognized canonicalization".
    return unexpected(Errc::Unsupported, "unknown canonicalization " + std::string(value));
}

Result<Canonicalization> parse_canonicalization(std::string_view value)
{
    const std::size_t slash = value.find('/');
    Result<Canon> header = parse_canon(value.substr(0, slash));
    HARBOR_TRY(header);
    Canonicalization out;
    out.header = *header;
    if (slash != std::string_view::npos) {  // "c=relaxed" means relaxed/simple (§3.5 c=)
        Result<Canon> body = parse_canon(value.substr(slash + 1));
        HARBOR_TRY(body);
        out.body = *body;
    }
    return out;
}

Result<void> parse_signed_headers(std::string_view value, const SignatureLimits& limits,
                                  Signature& out)
{
    bool has_from = false;
    for (const std::string_view name : split_list(value)) {
        if (!is_field_name(name)) {
            return unexpected(Errc::Invalid, "bad header name in h=");
        }
        if (out.signed_headers.size() >= limits.max_signed_headers) {
            return unexpected(
                Errc::Limit,
                "more than " + std::to_string(limits.max_signed_headers) + " names in h=");
        }
        has_from = has_from || iequals(name, "from");
        out.signed_headers.emplace_back(name);
    }
    if (!has_from) {
        return unexpected(Errc::Invalid, "From field not signed");  // §6.1.1
    }
    return ok();
}

Result<void> parse_identity(std::string_view value, Signature& out)
{
    Result<std::string> identity = decode_quoted_printable(value);
    if (!identity) {
        return unexpected(Errc::Invalid, "i= is not dkim-quoted-printable");
    }
    const std::size_t at = identity->rfind('@');
    if (at == std::string::npos) {
        return unexpected(Errc::Invalid, "i= has no '@'");
    }
    const std::string_view domain = std::string_view(*identity).substr(at + 1);
    if (!is_dns_name(domain, 2)) {
        return unexpected(Errc::Invalid, "i= domain is not a domain name");
    }
    if (!within_domain(domain, out.domain)) {
        return unexpected(Errc::Invalid, "domain mismatch: i= is not within d=");  // §6.1.1
    }
    out.identity = std::move(*identity);
    out.identity_given = true;
    return ok();
}

Result<void> parse_query_methods(std::string_view value)
{
    for (const std::string_view method : split_list(value)) {
        if (method.empty()) {
            return unexpected(Errc::Invalid, "empty query method in q=");
        }
        if (iequals(method, "dns/txt")) {
            return ok();  // unrecognised methods are ignored (§3.5 q=)
        }
    }
    return unexpected(Errc::Unsupported, "no supported query method in q=");
}

Result<void> parse_copied_headers(std::string_view value, Signature& out)
{
    for (const std::string_view copy : split_list(value, '|')) {
        Result<std::string> field = decode_quoted_printable(copy);
        if (!field || field->find(':') == std::string::npos) {
            return unexpected(Errc::Invalid, "bad copied header in z=");
        }
        if (out.copied_headers.size() < max_copied_headers) {
            out.copied_headers.push_back(std::move(*field));
        }
    }
    return ok();
}

}  // namespace

std::string_view algorithm_name(Algorithm algorithm)
{
    switch (algorithm) {
        case Algorithm::RsaSha1:
            return "rsa-sha1";
        case Algorithm::RsaSha256:
            return "rsa-sha256";
        case Algorithm::Ed25519Sha256:
            return "ed25519-sha256";
    }
    return "unknown";
}

std::string_view canon_name(Canon canon)
{
    return canon == Canon::Relaxed ? "relaxed" : "simple";
}

std::string_view key_type_name(KeyType type)
{
    return type == KeyType::Ed25519 ? "ed25519" : "rsa";
}

KeyType key_type_of(Algorithm algorithm)
{
    return algorithm == Algorithm::Ed25519Sha256 ? KeyType::Ed25519 : KeyType::Rsa;
}

std::string_view Signature::identity_domain() const
{
    const std::size_t at = identity.rfind('@');
    return at == std::string::npos ? std::string_view() : std::string_view(identity).substr(at + 1);
}

std::string Signature::key_name() const
{
    return ascii_lowercase(selector) + "._domainkey." + ascii_lowercase(domain);
}

bool same_domain(std::string_view a, std::string_view b)
{
    return iequals(a, b);
}

bool within_domain(std::string_view name, std::string_view domain)
{
    if (same_domain(name, domain)) {
        return true;
    }
    return name.size() > domain.size() + 1 && name[name.size() - domain.size() - 1] == '.' &&
           iequals(name.substr(name.size() - domain.size()), domain);
}

bool is_dns_name(std::string_view name, std::size_t min_labels)
{
    if (name.empty() || name.size() > max_name_octets) {
        return false;
    }
    std::size_t labels = 0;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) {
            dot = name.size();
        }
        const std::string_view label = name.substr(start, dot - start);
        if (label.empty() || label.size() > max_label_octets || label.front() == '-' ||
            label.back() == '-') {
            return false;
        }
        for (const char c : label) {
            if (!is_alnum(c) && c != '-' && c != '_') {
                return false;
            }
        }
        ++labels;
        start = dot + 1;
    }
    return labels >= min_labels;
}

Result<Signature> parse_signature(std::string_view value, const SignatureLimits& limits)
{
    if (value.size() > limits.max_field) {
        return unexpected(Errc::Limit, "DKIM-Signature longer than " +
                                           std::to_string(limits.max_field) + " bytes");
    }
    Result<std::vector<Tag>> parsed = parse_tag_list(value);
    if (!parsed) {
        return unexpected(parsed.error().code, "signature syntax error: " + parsed.error().detail);
    }
    const std::vector<Tag>& tags = *parsed;
    for (const std::string_view name : {"v", "a", "b", "bh", "d", "h", "s"}) {
        if (find_tag(tags, name) == nullptr) {
            return unexpected(Errc::Invalid,
                              "signature missing required tag " + std::string(name) + "=");
        }
    }
    Signature out;
    const std::string_view version = find_tag(tags, "v")->value;
    Result<std::uint64_t> version_number = parse_decimal(version, max_time_digits, "v");
    HARBOR_TRY(version_number);
    if (version != "1") {
        return unexpected(Errc::Unsupported, "incompatible version v=" + std::string(version));
    }
    Result<Algorithm> algorithm = parse_algorithm(find_tag(tags, "a")->value);
    HARBOR_TRY(algorithm);
    out.algorithm = *algorithm;

    const std::string_view domain = find_tag(tags, "d")->value;
    if (!is_dns_name(domain, 2)) {
        return unexpected(Errc::Invalid, "d= is not a domain name");
    }
    out.domain = std::string(domain);
    const std::string_view selector = find_tag(tags, "s")->value;
    if (!is_dns_name(selector, 1)) {
        return unexpected(Errc::Invalid, "s= is not a selector");
    }
    out.selector = std::string(selector);

    Result<std::string> signature =
        decode_base64_tag(find_tag(tags, "b")->value, "b", limits.max_signature_octets);
    HARBOR_TRY(signature);
    out.signature = std::move(*signature);
    Result<std::string> body_hash = decode_base64_tag(find_tag(tags, "bh")->value, "bh", 64);
    HARBOR_TRY(body_hash);
    const std::size_t digest_size = out.algorithm == Algorithm::RsaSha1 ? 20 : 32;
    if (body_hash->size() != digest_size) {
        return unexpected(Errc::Invalid, "bh= is not a digest of the a= hash");
    }
    out.body_hash = std::move(*body_hash);
    HARBOR_TRY(parse_signed_headers(find_tag(tags, "h")->value, limits, out));

    if (const Tag* c = find_tag(tags, "c")) {
        Result<Canonicalization> canonicalization = parse_canonicalization(c->value);
        HARBOR_TRY(canonicalization);
        out.canonicalization = *canonicalization;
    }
    if (const Tag* i = find_tag(tags, "i")) {
        HARBOR_TRY(parse_identity(i->value, out));
    } else {
        out.identity = "@" + out.domain;  // §3.5 i= default
    }
    if (const Tag* l = find_tag(tags, "l")) {
        Result<std::uint64_t> length = parse_decimal(l->value, max_length_digits, "l");
        HARBOR_TRY(length);
        out.body_length = *length;
    }
    if (const Tag* q = find_tag(tags, "q")) {
        HARBOR_TRY(parse_query_methods(q->value));
    }
    if (const Tag* t = find_tag(tags, "t")) {
        Result<std::uint64_t> timestamp = parse_decimal(t->value, max_time_digits, "t");
        HARBOR_TRY(timestamp);
        out.timestamp = *timestamp;
    }
    if (const Tag* x = find_tag(tags, "x")) {
        Result<std::uint64_t> expiration = parse_decimal(x->value, max_time_digits, "x");
        HARBOR_TRY(expiration);
        out.expiration = *expiration;
    }
    // DEVIATION(RFC 6376 §3.5 x=): "MUST be greater than" t=; x= equal to t= is accepted (as
    // dkimpy does), and such a signature has expired by the time anyone verifies it anyway.
    if (out.timestamp && out.expiration && *out.expiration < *out.timestamp) {
        return unexpected(Errc::Invalid, "x= is earlier than t=");
    }
    if (const Tag* z = find_tag(tags, "z")) {
        HARBOR_TRY(parse_copied_headers(z->value, out));
    }
    return out;
}

Result<Algorithm> parse_algorithm_value(std::string_view value)
{
    return parse_algorithm(value);
}

Result<Canonicalization> parse_canonicalization_value(std::string_view value)
{
    return parse_canonicalization(value);
}

Result<std::uint64_t> parse_decimal_value(std::string_view value, std::size_t max_digits,
                                          std::string_view tag)
{
    return parse_decimal(value, max_digits, tag);
}

Result<std::string> parse_base64_value(std::string_view value, std::string_view tag,
                                       std::size_t max_octets)
{
    return decode_base64_tag(value, tag, max_octets);
}

Result<void> check_query_methods(std::string_view value)
{
    return parse_query_methods(value);
}

bool is_header_field_name(std::string_view name)
{
    return is_field_name(name);
}

}  // namespace harbor::auth::dkim
