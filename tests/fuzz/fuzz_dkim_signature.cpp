// Fuzzes the DKIM-Signature parser (RFC 6376 §3.2 tag-lists, §3.5 tags) and the canonicalization
// the verifier runs over the same untrusted bytes: no crash, nothing past the limits, and what
// a parse returns keeps the §6.1.1 invariants (From signed, i= within d=, digests of the right
// size, x= not before t=). The input also goes through b= removal, header canonicalization
// (relaxed output never has WSP runs), and the body canonicalizer, which must give the same
// bytes fed whole or one byte at a time.
// SECURITY: DKIM-Signature fields come from any sender; this target checks their bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/dkim/canonicalize.hpp"
#include "auth/dkim/signature.hpp"
#include "auth/dkim/tag_list.hpp"
#include "core/ascii.hpp"

namespace {

using namespace harbor::auth::dkim;

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

std::string byte_by_byte(Canon canon, std::string_view body)
{
    struct Sink final : CanonicalSink {
        std::string text;
        void write(std::string_view bytes) override { text.append(bytes); }
    } sink;
    BodyCanonicalizer canonicalizer(canon, sink);
    for (const char c : body) {
        canonicalizer.update(std::string_view(&c, 1));
    }
    canonicalizer.finish();
    return sink.text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    harbor::Result<std::vector<Tag>> tags = parse_tag_list(text);
    if (tags) {
        check(tags->size() <= default_max_tags);
        for (const Tag& tag : *tags) {
            check(tag.name.data() >= text.data() &&
                  tag.name.data() + tag.name.size() <= text.data() + size);
            check(!tag.name.empty());
        }
    }

    SignatureLimits limits;
    limits.max_field = 2048;
    limits.max_signed_headers = 16;
    limits.max_signature_octets = 512;
    harbor::Result<Signature> signature = parse_signature(text, limits);
    if (signature) {
        check(size <= limits.max_field);
        check(is_dns_name(signature->domain, 2));
        check(is_dns_name(signature->selector, 1));
        check(within_domain(signature->identity_domain(), signature->domain));
        check(!signature->signed_headers.empty());
        check(signature->signed_headers.size() <= limits.max_signed_headers);
        bool from = false;
        for (const std::string& name : signature->signed_headers) {
            from = from || harbor::iequals(name, "from");
        }
        check(from);
        check(signature->body_hash.size() ==
              (signature->algorithm == Algorithm::RsaSha1 ? 20u : 32u));
        check(!signature->signature.empty());
        check(signature->signature.size() <= limits.max_signature_octets);
        if (signature->timestamp && signature->expiration) {
            check(*signature->expiration >= *signature->timestamp);
        }
    } else {
        check(!signature.error().detail.empty());
    }

    const std::string field = "DKIM-Signature:" + std::string(text);
    const std::string stripped = remove_signature_value(field);
    check(stripped.size() <= field.size());
    check(std::string_view(stripped).substr(0, 15) == "DKIM-Signature:");
    std::string relaxed;
    canonicalize_header(Canon::Relaxed, field, FieldEnd::Crlf, relaxed);
    check(relaxed.ends_with("\r\n"));
    check(relaxed.find("  ") == std::string::npos);  // §3.4.2: WSP runs become one SP
    check(relaxed.find('\t') == std::string::npos);
    check(relaxed.find('\n') == relaxed.size() - 1);
    std::string simple;
    canonicalize_header(Canon::Simple, field, FieldEnd::None, simple);
    check(simple.size() <= 2 * field.size());

    for (const Canon canon : {Canon::Simple, Canon::Relaxed}) {
        const std::string whole = canonicalize_body(canon, text);
        check(whole == byte_by_byte(canon, text));
        check(whole.size() <= 2 * size + 2);
        check(whole.empty() || whole.ends_with("\r\n"));
    }
    return 0;
}
