// ARC field parsers: RFC 8617 §4.1.1 (AAR), §4.1.2 (AMS), §4.1.3 (AS), §4.2.1 (instance),
// §3.9 (ABNF); the DKIM value grammars come from RFC 6376 §3.5 through auth/dkim.
// SECURITY: each value is checked against FieldLimits before it is parsed; CFWS comments are
// skipped in one pass with a depth counter (no recursion).
#include "auth/arc/fields.hpp"

#include "auth/dkim/tag_list.hpp"
#include "auth/results/authentication_results.hpp"
#include "core/ascii.hpp"

namespace harbor::auth::arc {

namespace {

constexpr std::size_t max_time_digits = 12;    // RFC 6376 §3.5 t=, x=
constexpr std::size_t max_length_digits = 76;  // RFC 6376 §3.5 l=
constexpr std::size_t max_digest_octets = 64;  // bh= before its size is checked

Unexpected invalid(std::string_view what, std::string detail)
{
    return unexpected(Errc::Invalid, std::string(what) + ": " + std::move(detail));
}

Result<void> check_size(std::string_view value, std::size_t limit, std::string_view what)
{
    if (value.size() > limit) {
        return unexpected(Errc::Limit,
                          std::string(what) + " longer than " + std::to_string(limit) + " bytes");
    }
    return ok();
}

Result<std::vector<dkim::Tag>> tags_of(std::string_view value, std::string_view what)
{
    Result<std::vector<dkim::Tag>> tags = dkim::parse_tag_list(value);
    if (!tags) {
        return unexpected(tags.error().code,
                          std::string(what) + " syntax error: " + tags.error().detail);
    }
    return tags;
}

Result<void> require(const std::vector<dkim::Tag>& tags,
                     std::initializer_list<std::string_view> names, std::string_view what)
{
    for (const std::string_view name : names) {
        if (dkim::find_tag(tags, name) == nullptr) {
            return invalid(what, "missing required tag " + std::string(name) + "=");
        }
    }
    return ok();
}

Result<ChainStatus> parse_status(std::string_view value)
{
    // chain-status = ("none" / "fail" / "pass"): ABNF strings are case-insensitive (RFC 5234).
    if (iequals(value, "none")) {
        return ChainStatus::None;
    }
    if (iequals(value, "pass")) {
        return ChainStatus::Pass;
    }
    if (iequals(value, "fail")) {
        return ChainStatus::Fail;
    }
    return unexpected(Errc::Invalid, "cv= is not none, pass or fail");
}

// The tags an AMS and an AS share with DKIM-Signature: a=, b=, d=, s=, t=.
Result<void> parse_common(const std::vector<dkim::Tag>& tags, const FieldLimits& limits,
                          std::string_view what, dkim::Signature& out)
{
    Result<dkim::Algorithm> algorithm =
        dkim::parse_algorithm_value(dkim::find_tag(tags, "a")->value);
    if (!algorithm) {
        return unexpected(algorithm.error().code,
                          std::string(what) + ": " + algorithm.error().detail);
    }
    out.algorithm = *algorithm;
    const std::string_view domain = dkim::find_tag(tags, "d")->value;
    if (!dkim::is_dns_name(domain, 2)) {
        return invalid(what, "d= is not a domain name");
    }
    out.domain = std::string(domain);
    out.identity = "@" + out.domain;  // no AUID in ARC (§4.1.2, §4.1.3)
    const std::string_view selector = dkim::find_tag(tags, "s")->value;
    if (!dkim::is_dns_name(selector, 1)) {
        return invalid(what, "s= is not a selector");
    }
    out.selector = std::string(selector);
    Result<std::string> signature = dkim::parse_base64_value(dkim::find_tag(tags, "b")->value, "b",
                                                             limits.signature.max_signature_octets);
    if (!signature) {
        return unexpected(signature.error().code,
                          std::string(what) + ": " + signature.error().detail);
    }
    out.signature = std::move(*signature);
    if (const dkim::Tag* t = dkim::find_tag(tags, "t")) {
        Result<std::uint64_t> timestamp = dkim::parse_decimal_value(t->value, max_time_digits, "t");
        if (!timestamp) {
            return invalid(what, timestamp.error().detail);
        }
        out.timestamp = *timestamp;
    }
    return ok();
}

// h= of an AMS: DKIM's list of field names (§4.1.2), see the DEVIATION in fields.hpp.
Result<void> parse_signed_headers(std::string_view value, const FieldLimits& limits,
                                  dkim::Signature& out)
{
    for (const std::string_view name : dkim::split_list(value)) {
        if (name.empty()) {
            continue;
        }
        if (!dkim::is_header_field_name(name)) {
            return invalid(message_signature_field, "bad header name in h=");
        }
        // The ARC test suite (ams_fields_h_includes_as) and dkimpy refuse an AMS over an AS;
        // §4.1.2 forbids sealers to list any ARC field, but early sealers listed the AAR.
        if (iequals(name, seal_field)) {
            return invalid(message_signature_field, "h= names ARC-Seal (RFC 8617 §4.1.2)");
        }
        if (out.signed_headers.size() >= limits.signature.max_signed_headers) {
            return unexpected(Errc::Limit, "more than " +
                                               std::to_string(limits.signature.max_signed_headers) +
                                               " names in h=");
        }
        out.signed_headers.emplace_back(name);
    }
    return ok();
}

// CFWS (RFC 5322 §3.2.2): WSP, line ends and comments, which nest and may hold quoted-pairs.
std::size_t skip_cfws(std::string_view text, std::size_t at)
{
    std::size_t depth = 0;
    while (at < text.size()) {
        const char c = text[at];
        if (depth > 0) {
            if (c == '\\') {
                ++at;
            } else if (c == '(') {
                ++depth;
            } else if (c == ')') {
                --depth;
            }
        } else if (c == '(') {
            depth = 1;
        } else if (!dkim::is_fws(c)) {
            break;
        }
        ++at;
    }
    return at;
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && dkim::is_fws(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && dkim::is_fws(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

struct InstancePrefix {
    unsigned instance = 0;
    std::size_t end = 0;  // just past the ";"
};

// arc-info = instance [CFWS] ";" authres-payload, instance = [CFWS] %s"i" [CFWS] "=" [CFWS]
// position (§4.1.1, §3.9).
Result<InstancePrefix> parse_instance_prefix(std::string_view value)
{
    std::size_t at = skip_cfws(value, 0);
    if (at >= value.size() || value[at] != 'i') {
        return invalid(results_field, "does not start with i=");
    }
    at = skip_cfws(value, at + 1);
    if (at >= value.size() || value[at] != '=') {
        return invalid(results_field, "does not start with i=");
    }
    at = skip_cfws(value, at + 1);
    const std::size_t digits = at;
    while (at < value.size() && is_ascii_digit(value[at]) && at - digits < 3) {
        ++at;
    }
    Result<unsigned> instance = parse_instance(value.substr(digits, at - digits));
    if (!instance) {
        return invalid(results_field, instance.error().detail);
    }
    at = skip_cfws(value, at);
    if (at >= value.size() || value[at] != ';') {
        return invalid(results_field, "no ';' after the instance");
    }
    return InstancePrefix{*instance, at + 1};
}

}  // namespace

std::string_view chain_status_name(ChainStatus status)
{
    switch (status) {
        case ChainStatus::None:
            return "none";
        case ChainStatus::Pass:
            return "pass";
        case ChainStatus::Fail:
            return "fail";
    }
    return "fail";
}

std::optional<FieldKind> arc_field_kind(std::string_view name)
{
    if (iequals(name, seal_field)) {
        return FieldKind::Seal;
    }
    if (iequals(name, message_signature_field)) {
        return FieldKind::MessageSignature;
    }
    if (iequals(name, results_field)) {
        return FieldKind::Results;
    }
    return std::nullopt;
}

Result<unsigned> parse_instance(std::string_view value)
{
    if (value.empty() || value.size() > 2 || !is_ascii_digit(value[0]) ||
        (value.size() == 2 && !is_ascii_digit(value[1]))) {
        return unexpected(Errc::Invalid, "i= is not 1*2DIGIT");
    }
    unsigned instance = static_cast<unsigned>(value[0] - '0');
    if (value.size() == 2) {
        instance = instance * 10 + static_cast<unsigned>(value[1] - '0');
    }
    if (instance < 1 || instance > max_instance) {
        return unexpected(Errc::Invalid, "i= is outside 1-50 (RFC 8617 §4.2.1)");
    }
    return instance;
}

Result<Seal> parse_seal(std::string_view value, const FieldLimits& limits)
{
    HARBOR_TRY(check_size(value, limits.signature.max_field, seal_field));
    Result<std::vector<dkim::Tag>> parsed = tags_of(value, seal_field);
    HARBOR_TRY(parsed);
    const std::vector<dkim::Tag>& tags = *parsed;
    HARBOR_TRY(require(tags, {"i", "a", "b", "cv", "d", "s"}, seal_field));
    if (dkim::find_tag(tags, "h") != nullptr) {
        return invalid(seal_field, "h= is not allowed (RFC 8617 §4.1.3)");
    }
    Seal out;
    Result<unsigned> instance = parse_instance(dkim::find_tag(tags, "i")->value);
    if (!instance) {
        return invalid(seal_field, instance.error().detail);
    }
    out.instance = *instance;
    Result<ChainStatus> cv = parse_status(dkim::find_tag(tags, "cv")->value);
    if (!cv) {
        return invalid(seal_field, cv.error().detail);
    }
    out.cv = *cv;
    HARBOR_TRY(parse_common(tags, limits, seal_field, out.signature));
    // §4.1.3: "only 'relaxed' header field canonicalization ... is used"; other tags ignored.
    out.signature.canonicalization = {dkim::Canon::Relaxed, dkim::Canon::Relaxed};
    return out;
}

Result<MessageSignature> parse_message_signature(std::string_view value, const FieldLimits& limits)
{
    constexpr std::string_view what = message_signature_field;
    HARBOR_TRY(check_size(value, limits.signature.max_field, what));
    Result<std::vector<dkim::Tag>> parsed = tags_of(value, what);
    HARBOR_TRY(parsed);
    const std::vector<dkim::Tag>& tags = *parsed;
    HARBOR_TRY(require(tags, {"i", "a", "b", "bh", "d", "h", "s"}, what));
    MessageSignature out;
    Result<unsigned> instance = parse_instance(dkim::find_tag(tags, "i")->value);
    if (!instance) {
        return invalid(what, instance.error().detail);
    }
    out.instance = *instance;
    dkim::Signature& signature = out.signature;
    HARBOR_TRY(parse_common(tags, limits, what, signature));
    Result<std::string> body_hash =
        dkim::parse_base64_value(dkim::find_tag(tags, "bh")->value, "bh", max_digest_octets);
    if (!body_hash) {
        return unexpected(body_hash.error().code,
                          std::string(what) + ": " + body_hash.error().detail);
    }
    const std::size_t digest_size = signature.algorithm == dkim::Algorithm::RsaSha1 ? 20 : 32;
    if (body_hash->size() != digest_size) {
        return invalid(what, "bh= is not a digest of the a= hash");
    }
    signature.body_hash = std::move(*body_hash);
    HARBOR_TRY(parse_signed_headers(dkim::find_tag(tags, "h")->value, limits, signature));
    // v= is "ignored" (§4.1.2).
    // DEVIATION(RFC 6376 §3.5 c=): without c= an AMS is relaxed/relaxed, not simple/simple, as
    // the ARC test suite (ams_fields_c_na) and dkimpy read it; ARC sealers write c= anyway.
    signature.canonicalization = {dkim::Canon::Relaxed, dkim::Canon::Relaxed};
    if (const dkim::Tag* c = dkim::find_tag(tags, "c")) {
        Result<dkim::Canonicalization> canon = dkim::parse_canonicalization_value(c->value);
        if (!canon) {
            return unexpected(canon.error().code, std::string(what) + ": " + canon.error().detail);
        }
        signature.canonicalization = *canon;
    }
    if (const dkim::Tag* l = dkim::find_tag(tags, "l")) {
        Result<std::uint64_t> length = dkim::parse_decimal_value(l->value, max_length_digits, "l");
        if (!length) {
            return invalid(what, length.error().detail);
        }
        signature.body_length = *length;
    }
    if (const dkim::Tag* q = dkim::find_tag(tags, "q")) {
        Result<void> methods = dkim::check_query_methods(q->value);
        if (!methods) {
            return unexpected(methods.error().code,
                              std::string(what) + ": " + methods.error().detail);
        }
    }
    if (const dkim::Tag* x = dkim::find_tag(tags, "x")) {
        Result<std::uint64_t> expiration =
            dkim::parse_decimal_value(x->value, max_time_digits, "x");
        if (!expiration) {
            return invalid(what, expiration.error().detail);
        }
        signature.expiration = *expiration;
    }
    if (signature.timestamp && signature.expiration &&
        *signature.expiration < *signature.timestamp) {
        return invalid(what, "x= is earlier than t=");
    }
    return out;
}

Result<AuthenticationResults> parse_authentication_results(std::string_view value,
                                                           const FieldLimits& limits)
{
    HARBOR_TRY(check_size(value, limits.max_results, results_field));
    Result<InstancePrefix> prefix = parse_instance_prefix(value);
    HARBOR_TRY(prefix);
    AuthenticationResults out;
    out.instance = prefix->instance;
    out.payload = std::string(trim(value.substr(prefix->end)));
    out.authserv_id = authserv_id_of(out.payload);
    if (out.authserv_id.empty()) {
        return invalid(results_field, "no authserv-id (RFC 8601 §2.2)");
    }
    return out;
}

Result<unsigned> parse_field_instance(FieldKind kind, std::string_view value,
                                      const FieldLimits& limits)
{
    if (kind == FieldKind::Results) {
        HARBOR_TRY(check_size(value, limits.max_results, results_field));
        Result<InstancePrefix> prefix = parse_instance_prefix(value);
        HARBOR_TRY(prefix);
        return prefix->instance;
    }
    HARBOR_TRY(check_size(value, limits.signature.max_field, "ARC field"));
    Result<std::vector<dkim::Tag>> tags = tags_of(value, "ARC field");
    HARBOR_TRY(tags);
    const dkim::Tag* i = dkim::find_tag(*tags, "i");
    if (i == nullptr) {
        return unexpected(Errc::Invalid, "missing required tag i=");
    }
    return parse_instance(i->value);
}

std::optional<ChainStatus> peek_seal_status(std::string_view value, const FieldLimits& limits)
{
    if (value.size() > limits.signature.max_field) {
        return std::nullopt;
    }
    Result<std::vector<dkim::Tag>> tags = dkim::parse_tag_list(value);
    if (!tags) {
        return std::nullopt;
    }
    const dkim::Tag* cv = dkim::find_tag(*tags, "cv");
    if (cv == nullptr) {
        return std::nullopt;
    }
    Result<ChainStatus> status = parse_status(cv->value);
    return status ? std::optional<ChainStatus>(*status) : std::nullopt;
}

}  // namespace harbor::auth::arc
