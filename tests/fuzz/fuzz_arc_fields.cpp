// Fuzzes the ARC field parsers (RFC 8617 §4.1.1-§4.1.3, §4.2.1) and the chain collection over a
// header block (§5.2 steps 1-3): no crash, nothing past the limits, and what parses keeps the
// rules (instances 1-50, a known cv=, no h= in a seal, no ARC-Seal in an AMS's h=, an AAR with
// an authserv-id; sets 1..N complete when the chain is well formed). The ARC-Seal hash input is
// built over what was collected, and the AAR folder must unfold back to its input.
// SECURITY: ARC fields come from any sender and any intermediary; this target checks bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/arc/chain.hpp"
#include "auth/arc/fields.hpp"
#include "auth/arc/format.hpp"
#include "core/ascii.hpp"
#include "mime/header.hpp"

namespace {

using namespace harbor::auth::arc;

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

FieldLimits small_limits()
{
    FieldLimits limits;
    limits.signature.max_field = 2048;
    limits.signature.max_signed_headers = 16;
    limits.signature.max_signature_octets = 512;
    limits.max_results = 1024;
    return limits;
}

void check_instance(unsigned instance)
{
    check(instance >= 1 && instance <= max_instance);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const FieldLimits limits = small_limits();

    harbor::Result<Seal> seal = parse_seal(text, limits);
    if (seal) {
        check(size <= limits.signature.max_field);
        check_instance(seal->instance);
        check(seal->signature.signed_headers.empty() && seal->signature.body_hash.empty());
        check(!seal->signature.signature.empty());
        check(seal->signature.signature.size() <= limits.signature.max_signature_octets);
        check(seal->signature.identity == "@" + seal->signature.domain);
        check(peek_seal_status(text, limits) == seal->cv);
        check(parse_field_instance(FieldKind::Seal, text, limits).value_or(0) == seal->instance);
    } else {
        check(!seal.error().detail.empty());
    }

    harbor::Result<MessageSignature> ams = parse_message_signature(text, limits);
    if (ams) {
        check_instance(ams->instance);
        check(ams->signature.signed_headers.size() <= limits.signature.max_signed_headers);
        for (const std::string& name : ams->signature.signed_headers) {
            check(!name.empty() && !harbor::iequals(name, seal_field));
        }
        check(ams->signature.body_hash.size() ==
              (ams->signature.algorithm == harbor::auth::dkim::Algorithm::RsaSha1 ? 20u : 32u));
        check(!ams->signature.identity_given);
        if (ams->signature.timestamp && ams->signature.expiration) {
            check(*ams->signature.expiration >= *ams->signature.timestamp);
        }
    }

    harbor::Result<AuthenticationResults> results = parse_authentication_results(text, limits);
    if (results) {
        check(size <= limits.max_results);
        check_instance(results->instance);
        check(!results->authserv_id.empty());
        check(results->payload.size() <= size);
        check(parse_field_instance(FieldKind::Results, text, limits).value_or(0) ==
              results->instance);
    }

    // The input as a header block: collect the chain and hash what a seal would sign.
    const harbor::mime::HeaderBlock block =
        harbor::mime::parse_header_block(text, 0, harbor::mime::Limits{});
    const Chain chain = collect_chain(block.fields, limits);
    check(chain.highest <= max_instance);
    if (chain.problem.empty()) {
        check(chain.sets.size() == chain.highest);
        for (const SetFields& set : chain.sets) {
            check(set.results != nullptr && set.message_signature != nullptr &&
                  set.seal != nullptr);
        }
        const std::vector<std::string_view> fields =
            sealed_fields(text, chain.sets, chain.sets.size());
        check(fields.size() == 3 * chain.sets.size());
        const std::string input = seal_hash_input(fields);
        check(input.size() <= 2 * size + 2 * fields.size() + 2);
    } else {
        check(chain.sets.empty());
    }

    // The AAR folder: same text once unfolded.
    if (size <= 4096) {
        const std::string folded = fold_at_spaces(text);
        check(harbor::mime::unfold(folded) == harbor::mime::unfold(text));
    }
    return 0;
}
