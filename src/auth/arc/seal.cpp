// ARC sealer actions, RFC 8617 §5.1 (steps 1-4), §5.1.1 (what the ARC-Seal signs), §5.1.2
// (cv=fail: only the new set), §4.1.1-§4.1.3 (the fields), §4.2.1 (at most 50 sets); hashes
// and signatures as RFC 6376 §3.7, §5.4-§5.6, RFC 8463 and RFC 8301 ask.
// SECURITY: header bounded by mime::Limits; results text checked to stay inside one field.
#include "auth/arc/seal.hpp"

#include "auth/arc/chain.hpp"
#include "auth/dkim/digest.hpp"
#include "auth/dkim/header_hash.hpp"
#include "auth/dkim/tag_list.hpp"
#include "core/ascii.hpp"
#include "core/base64.hpp"
#include "mime/token.hpp"

namespace harbor::auth::arc {

namespace {

constexpr std::size_t max_authserv_id = 255;

Result<void> check_key(const dkim::SigningKey& key)
{
    if (key.algorithm == dkim::Algorithm::RsaSha1) {
        return unexpected(Errc::Unsupported, "rsa-sha1 MUST NOT be used for signing (RFC 8301)");
    }
    if (key.key.empty() || key.key.type() != dkim::key_type_of(key.algorithm)) {
        return unexpected(Errc::Unsupported, "the key does not match a=" +
                                                 std::string(dkim::algorithm_name(key.algorithm)));
    }
    if (key.key.type() == dkim::KeyType::Rsa && key.key.bits() < dkim::min_rsa_key_bits) {
        return unexpected(Errc::Invalid, "RSA signing keys need at least 1024 bits (RFC 8301)");
    }
    if (!dkim::is_dns_name(key.domain, 2)) {
        return unexpected(Errc::Invalid, "d= " + key.domain + " is not a domain name");
    }
    if (!dkim::is_dns_name(key.selector, 1)) {
        return unexpected(Errc::Invalid, "s= " + key.selector + " is not a selector");
    }
    return ok();
}

// RFC 8601 §2.2 authserv-id = value; Harbor writes a token (a host name).
Result<void> check_authserv_id(std::string_view id)
{
    if (id.empty() || id.size() > max_authserv_id) {
        return unexpected(Errc::Invalid, "the authserv-id must be 1-255 octets");
    }
    for (const char c : id) {
        if (!mime::is_token_char(c)) {
            return unexpected(Errc::Invalid, "the authserv-id is not a token (RFC 8601 §2.2)");
        }
    }
    return ok();
}

// The resinfo text stays one header field: a line end only as CRLF followed by WSP, no other
// control characters (UTF-8 is allowed, RFC 8616 §5).
Result<void> check_results(std::string_view text)
{
    if (text.size() > max_results_text) {
        return unexpected(Errc::Limit, "results text longer than " +
                                           std::to_string(max_results_text) + " octets");
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte == '\r') {
            if (i + 2 >= text.size() || text[i + 1] != '\n' ||
                (text[i + 2] != ' ' && text[i + 2] != '\t')) {
                return unexpected(Errc::Invalid, "results text holds a line end that is no fold");
            }
            ++i;  // the LF
            continue;
        }
        if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
            return unexpected(Errc::Invalid, "results text holds a control character");
        }
    }
    return ok();
}

// Leading and trailing WSP and line ends go, so the AAR has no line of whitespace only.
std::string_view trim_folds(std::string_view text)
{
    while (!text.empty() && dkim::is_fws(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && dkim::is_fws(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool refused_name(std::string_view name)
{
    return arc_field_kind(name).has_value() || iequals(name, "Authentication-Results");
}

// h=: each configured name once per instance present in the header (RFC 6376 §5.4.2).
Result<std::vector<std::string>> names_to_sign(const std::vector<mime::HeaderField>& fields,
                                               const std::vector<std::string>& configured)
{
    std::vector<std::string> seen;
    std::vector<std::string> out;
    for (const std::string& name : configured) {
        if (refused_name(name)) {
            return unexpected(
                Errc::Invalid,
                name + " MUST NOT be signed by an ARC-Message-Signature (RFC 8617 §4.1.2)");
        }
        if (!dkim::is_header_field_name(name)) {
            return unexpected(Errc::Invalid, "'" + name + "' is not a header field name");
        }
        const std::string lower = ascii_lowercase(name);
        bool duplicate = false;
        for (const std::string& earlier : seen) {
            duplicate = duplicate || earlier == lower;
        }
        if (duplicate) {
            continue;
        }
        seen.push_back(lower);
        const std::size_t times = mime::count_fields(fields, lower);
        for (std::size_t i = 0; i < times; ++i) {
            out.push_back(lower);
        }
    }
    return out;
}

std::string join_names(const std::vector<std::string>& names)
{
    std::string out;
    for (const std::string& name : names) {
        out += (out.empty() ? "" : ":") + name;
    }
    return out;
}

// The chain status the new seal records, and whether `incoming` fits this message's chain.
Result<ChainStatus> new_status(const Chain& chain, const ChainValidation& incoming)
{
    if (chain.arc_fields == 0) {
        if (incoming.status != ChainStatus::None) {
            return unexpected(Errc::Invalid,
                              "the validation result is not this message's: it "
                              "found ARC fields, the message has none");
        }
        return ChainStatus::None;
    }
    if (incoming.status == ChainStatus::None) {
        return unexpected(Errc::Invalid,
                          "the validation result is not this message's: the "
                          "message has ARC fields");
    }
    if (incoming.status == ChainStatus::Pass &&
        (!chain.problem.empty() || incoming.sets != chain.highest ||
         chain.sets.size() != chain.highest)) {
        return unexpected(Errc::Invalid,
                          "the validation result is not this message's: it "
                          "passed a chain of another shape");
    }
    return incoming.status;
}

Result<std::string> sign(const dkim::SigningKey& key, std::string_view input)
{
    Result<std::string> signature = dkim::sign_digest(key.key, dkim::sha256(input));
    HARBOR_TRY(signature);
    return encode_base64(*signature);
}

}  // namespace

std::vector<std::string> default_sealed_headers()
{
    std::vector<std::string> names = dkim::default_signed_headers();
    names.emplace_back("DKIM-Signature");
    return names;
}

Result<ArcSet> seal_message(std::string_view message, const dkim::SigningKey& key,
                            std::string_view authserv_id, std::string_view results,
                            const ChainValidation& incoming, const SealOptions& options)
{
    HARBOR_TRY(check_key(key));
    HARBOR_TRY(check_authserv_id(authserv_id));
    results = trim_folds(results);
    HARBOR_TRY(check_results(results));
    const mime::HeaderBlock header = mime::parse_header_block(message, 0, options.header_limits);
    if (header.truncated != mime::Limit::None) {
        return unexpected(Errc::Limit,
                          "header block past " + std::string(mime::limit_name(header.truncated)));
    }
    const Chain chain = collect_chain(header.fields, options.field_limits);
    if (chain.terminated) {
        return unexpected(Errc::Invalid,
                          "the newest ARC-Seal says cv=fail: no set is added "
                          "(RFC 8617 §5.1 step 2)");
    }
    if (chain.highest >= max_instance) {
        return unexpected(Errc::Limit,
                          "the chain has 50 ARC sets, the most there may be "
                          "(RFC 8617 §4.2.1)");
    }
    Result<ChainStatus> cv = new_status(chain, incoming);
    HARBOR_TRY(cv);
    Result<std::vector<std::string>> names = names_to_sign(header.fields, options.headers);
    HARBOR_TRY(names);

    ArcSet out;
    out.instance = chain.highest + 1;  // §5.1 step 3
    out.cv = *cv;
    const std::string instance = std::to_string(out.instance);
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(options.now.time_since_epoch()).count();
    const std::string timestamp = std::to_string(seconds < 0 ? 0 : seconds);
    const std::string algorithm(dkim::algorithm_name(key.algorithm));

    // §4.1.1: the AAR.
    const std::string_view resinfo = results.empty() ? std::string_view("none") : results;
    out.results = fold_at_spaces(std::string(results_field) + ": i=" + instance + "; " +
                                 std::string(authserv_id) + "; " + std::string(resinfo)) +
                  "\r\n";

    // §4.1.2: the AMS, a DKIM signature over this message as it leaves (RFC 6376 §3.7).
    const std::string_view body =
        header.missing_separator ? std::string_view() : message.substr(header.length);
    const dkim::Canonicalization& canon = options.canonicalization;
    const dkim::BodyHash body_hash = dkim::hash_body(canon.body, std::nullopt, body);
    const std::vector<TagValue> ams_tags = {
        {"i", instance},
        {"a", algorithm},
        {"c", std::string(dkim::canon_name(canon.header)) + "/" +
                  std::string(dkim::canon_name(canon.body))},
        {"d", key.domain},
        {"s", key.selector},
        {"t", timestamp},
        {"h", join_names(*names)},
        {"bh", encode_base64(body_hash.digest)},
    };
    const std::string ams_unsigned =
        format_signature_field(message_signature_field, ams_tags, options.tag_order, "");
    Result<std::string> ams_signature =
        sign(key, dkim::header_hash_input(message, dkim::select_headers(header.fields, *names),
                                          canon.header, ams_unsigned));
    HARBOR_TRY(ams_signature);
    out.message_signature = format_signature_field(message_signature_field, ams_tags,
                                                   options.tag_order, *ams_signature) +
                            "\r\n";

    // §4.1.3, §5.1.1: the AS over sets 1..N and the new one; §5.1.2: only the new one when
    // the chain failed.
    const std::vector<TagValue> seal_tags = {
        {"i", instance},   {"a", algorithm},
        {"t", timestamp},  {"cv", std::string(chain_status_name(out.cv))},
        {"d", key.domain}, {"s", key.selector},
    };
    const std::string seal_unsigned =
        format_signature_field(seal_field, seal_tags, options.tag_order, "");
    std::vector<std::string_view> signed_fields;
    if (out.cv != ChainStatus::Fail) {
        signed_fields = sealed_fields(message, chain.sets, chain.sets.size());
    }
    signed_fields.push_back(out.results);
    signed_fields.push_back(out.message_signature);
    signed_fields.push_back(seal_unsigned);
    Result<std::string> seal_signature = sign(key, seal_hash_input(signed_fields));
    HARBOR_TRY(seal_signature);
    out.seal =
        format_signature_field(seal_field, seal_tags, options.tag_order, *seal_signature) + "\r\n";
    return out;
}

}  // namespace harbor::auth::arc
