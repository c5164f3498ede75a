// DKIM key record parser, RFC 6376 §3.6.1 and §6.1.2 steps 5-8; RFC 8463 §4.2 (k=ed25519).
// SECURITY: bounded by KeyRecordLimits; list tags are split once, unknown values ignored.
#include "auth/dkim/key_record.hpp"

#include "auth/dkim/tag_list.hpp"
#include "core/ascii.hpp"
#include "core/base64.hpp"

namespace harbor::auth::dkim {

namespace {

Result<KeyType> parse_key_type(std::string_view value)
{
    if (iequals(value, "rsa")) {
        return KeyType::Rsa;
    }
    if (iequals(value, "ed25519")) {
        return KeyType::Ed25519;
    }
    return unexpected(Errc::Unsupported, "unknown key type k=" + std::string(value));
}

Result<std::string> decode_key(std::string_view value, const KeyRecordLimits& limits)
{
    const std::string text = remove_fws(value);
    if (text.size() / 4 * 3 > limits.max_key_octets + 3) {
        return unexpected(Errc::Limit,
                          "p= longer than " + std::to_string(limits.max_key_octets) + " octets");
    }
    Result<std::string> key = decode_base64(text);
    if (!key) {
        return unexpected(Errc::Invalid, "key syntax error: p= is not base64");
    }
    return key;
}

}  // namespace

bool KeyRecord::allows(Algorithm algorithm) const
{
    return algorithm == Algorithm::RsaSha1 ? allows_sha1 : allows_sha256;
}

Result<KeyRecord> parse_key_record(std::string_view text, const KeyRecordLimits& limits)
{
    if (text.size() > limits.max_record) {
        return unexpected(Errc::Limit,
                          "key record longer than " + std::to_string(limits.max_record) + " bytes");
    }
    Result<std::vector<Tag>> parsed = parse_tag_list(text);
    if (!parsed) {
        return unexpected(parsed.error().code, "key syntax error: " + parsed.error().detail);
    }
    const std::vector<Tag>& tags = *parsed;
    // v= is optional, but when present it MUST be first and exactly "DKIM1" (a string
    // comparison: "DKIM1.0" is another version).
    if (const Tag* version = find_tag(tags, "v")) {
        if (version != &tags.front() || version->value != "DKIM1") {
            return unexpected(Errc::Invalid, "key syntax error: v= is not a leading DKIM1");
        }
    }
    KeyRecord out;
    if (const Tag* k = find_tag(tags, "k")) {
        Result<KeyType> type = parse_key_type(k->value);
        HARBOR_TRY(type);
        out.key_type = *type;
    }
    const Tag* p = find_tag(tags, "p");
    if (p == nullptr) {
        return unexpected(Errc::Invalid, "key syntax error: no p= tag");
    }
    Result<std::string> key = decode_key(p->value, limits);
    HARBOR_TRY(key);
    out.public_key = std::move(*key);
    out.revoked = out.public_key.empty();
    if (const Tag* h = find_tag(tags, "h")) {
        // Unrecognised algorithms are ignored; a list naming none we know allows none.
        out.allows_sha1 = false;
        out.allows_sha256 = false;
        for (const std::string_view hash : split_list(h->value)) {
            out.allows_sha1 = out.allows_sha1 || iequals(hash, "sha1");
            out.allows_sha256 = out.allows_sha256 || iequals(hash, "sha256");
        }
    }
    if (const Tag* s = find_tag(tags, "s")) {
        out.email_service = false;
        for (const std::string_view service : split_list(s->value)) {
            out.email_service = out.email_service || service == "*" || iequals(service, "email");
        }
    }
    if (const Tag* t = find_tag(tags, "t")) {
        for (const std::string_view flag : split_list(t->value)) {
            // Flags are plain-text, compared as written; unknown flags are ignored.
            out.testing = out.testing || flag == "y";
            out.strict_identity = out.strict_identity || flag == "s";
        }
    }
    if (const Tag* n = find_tag(tags, "n")) {
        out.notes = std::string(n->value);
    }
    return out;
}

}  // namespace harbor::auth::dkim
