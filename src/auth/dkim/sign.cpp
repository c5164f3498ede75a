// DKIM signer, RFC 6376 §5.4 (fields to sign, §5.4.2 multiple instances), §5.5 (hashes),
// §5.6 (the field, prepended), §3.7; RFC 8463 (ed25519-sha256); RFC 8301 (no rsa-sha1, keys of
// at least 1024 bits).
// SECURITY: header bounded by mime::Limits; the body is hashed in place.
#include "auth/dkim/sign.hpp"

#include "auth/dkim/digest.hpp"
#include "auth/dkim/field_folder.hpp"
#include "auth/dkim/header_hash.hpp"
#include "core/ascii.hpp"
#include "core/base64.hpp"

namespace harbor::auth::dkim {

namespace {

// dkim-quoted-printable for i= (RFC 6376 §2.11): everything outside dkim-safe-char as =XX.
std::string encode_quoted_printable(std::string_view text)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x21 && byte <= 0x7e && c != ';' && c != '=') {
            out.push_back(c);
        } else {
            out.push_back('=');
            out.push_back(digits[byte >> 4]);
            out.push_back(digits[byte & 0x0f]);
        }
    }
    return out;
}

bool contains(const std::vector<std::string>& names, std::string_view name)
{
    for (const std::string& candidate : names) {
        if (iequals(candidate, name)) {
            return true;
        }
    }
    return false;
}

// h=: each configured name once per instance present, oversigned names once more (§5.4.2).
std::vector<std::string> names_to_sign(const std::vector<mime::HeaderField>& fields,
                                       const SignOptions& options)
{
    std::vector<std::string> wanted;
    if (!contains(options.headers, "from")) {
        wanted.emplace_back("from");
    }
    for (const std::vector<std::string>* list : {&options.headers, &options.oversigned}) {
        for (const std::string& name : *list) {
            if (!contains(wanted, name)) {
                wanted.push_back(ascii_lowercase(name));
            }
        }
    }
    std::vector<std::string> out;
    for (const std::string& name : wanted) {
        std::size_t times = mime::count_fields(fields, name);
        times += contains(options.oversigned, name) ? 1 : 0;
        for (std::size_t i = 0; i < times; ++i) {
            out.push_back(name);
        }
    }
    return out;
}

Result<void> check_key(const SigningKey& key, const SignOptions& options)
{
    if (key.algorithm == Algorithm::RsaSha1) {
        return unexpected(Errc::Unsupported, "rsa-sha1 MUST NOT be used for signing (RFC 8301)");
    }
    if (key.key.empty() || key.key.type() != key_type_of(key.algorithm)) {
        return unexpected(Errc::Unsupported,
                          "the key does not match a=" + std::string(algorithm_name(key.algorithm)));
    }
    if (key.key.type() == KeyType::Rsa && key.key.bits() < min_rsa_key_bits) {
        return unexpected(Errc::Invalid, "RSA signing keys need at least 1024 bits (RFC 8301)");
    }
    if (!is_dns_name(key.domain, 2)) {
        return unexpected(Errc::Invalid, "d= " + key.domain + " is not a domain name");
    }
    if (!is_dns_name(key.selector, 1)) {
        return unexpected(Errc::Invalid, "s= " + key.selector + " is not a selector");
    }
    if (!options.identity.empty()) {
        const std::size_t at = options.identity.rfind('@');
        if (at == std::string::npos ||
            !within_domain(std::string_view(options.identity).substr(at + 1), key.domain)) {
            return unexpected(Errc::Invalid, "i= must be an address within d= (RFC 6376 §3.5)");
        }
    }
    return ok();
}

}  // namespace

std::vector<std::string> default_signed_headers()
{
    return {"From",         "To",           "Cc",
            "Subject",      "Date",         "Message-ID",
            "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
            "Reply-To",     "In-Reply-To",  "References",
            "Sender"};
}

Result<std::string> sign_message(std::string_view message, const SigningKey& key,
                                 const SignOptions& options)
{
    HARBOR_TRY(check_key(key, options));
    const mime::HeaderBlock header = mime::parse_header_block(message, 0, options.header_limits);
    if (header.truncated != mime::Limit::None) {
        return unexpected(Errc::Limit,
                          "header block past " + std::string(mime::limit_name(header.truncated)));
    }
    if (mime::count_fields(header.fields, "from") == 0) {
        return unexpected(Errc::Invalid, "the message has no From field to sign (RFC 6376 §5.4)");
    }
    const std::string_view body =
        header.missing_separator ? std::string_view() : message.substr(header.length);
    const Canonicalization& canon = options.canonicalization;
    const BodyHash body_hash = hash_body(canon.body, std::nullopt, body);
    const std::vector<std::string> names = names_to_sign(header.fields, options);

    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(options.now.time_since_epoch()).count();
    const std::uint64_t timestamp = now < 0 ? 0 : static_cast<std::uint64_t>(now);
    FieldFolder field("DKIM-Signature:");
    field.add("v=1;", FieldFolder::Join::Space);
    field.add("a=" + std::string(algorithm_name(key.algorithm)) + ";", FieldFolder::Join::Space);
    field.add("c=" + std::string(canon_name(canon.header)) + "/" +
                  std::string(canon_name(canon.body)) + ";",
              FieldFolder::Join::Space);
    field.add("d=" + key.domain + ";", FieldFolder::Join::Space);
    field.add("s=" + key.selector + ";", FieldFolder::Join::Space);
    if (!options.identity.empty()) {
        field.add("i=" + encode_quoted_printable(options.identity) + ";", FieldFolder::Join::Space);
    }
    field.add("t=" + std::to_string(timestamp) + ";", FieldFolder::Join::Space);
    if (options.expire_after) {
        const auto after = options.expire_after->count() < 1 ? 1 : options.expire_after->count();
        field.add("x=" + std::to_string(timestamp + static_cast<std::uint64_t>(after)) + ";",
                  FieldFolder::Join::Space);
    }
    if (options.body_length) {
        field.add("l=" + std::to_string(body_hash.canonical_length) + ";",
                  FieldFolder::Join::Space);
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string piece =
            (i == 0 ? "h=" : "") + names[i] + (i + 1 == names.size() ? ";" : ":");
        field.add(piece, i == 0 ? FieldFolder::Join::Space : FieldFolder::Join::Tight);
    }
    field.add("bh=" + encode_base64(body_hash.digest) + ";", FieldFolder::Join::Space);
    field.add("b=", FieldFolder::Join::Space);

    // §3.7 step 2: the signed fields, then this field with an empty b= and no final CRLF.
    const std::string input = header_hash_input(message, select_headers(header.fields, names),
                                                canon.header, field.text());
    Result<std::string> signature = sign_digest(key.key, sha256(input));
    HARBOR_TRY(signature);
    field.add_base64(encode_base64(*signature));
    return field.text() + "\r\n";
}

}  // namespace harbor::auth::dkim
