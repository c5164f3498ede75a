// ARC Set collection and structure, RFC 8617 §4.2, §5.2 steps 1-3; the ARC-Seal's signed
// fields, §5.1.1 (cv=fail scope: §5.1.2, applied by the sealer).
// SECURITY: stops examining after max_fields ARC fields; sets are indexed by instance (<= 50).
#include "auth/arc/chain.hpp"

#include <algorithm>

#include "auth/dkim/canonicalize.hpp"
#include "auth/dkim/header_hash.hpp"

namespace harbor::auth::arc {

namespace {

const mime::HeaderField*& slot(SetFields& set, FieldKind kind)
{
    switch (kind) {
        case FieldKind::Results:
            return set.results;
        case FieldKind::MessageSignature:
            return set.message_signature;
        case FieldKind::Seal:
            break;
    }
    return set.seal;
}

std::string_view field_name(FieldKind kind)
{
    switch (kind) {
        case FieldKind::Results:
            return results_field;
        case FieldKind::MessageSignature:
            return message_signature_field;
        case FieldKind::Seal:
            break;
    }
    return seal_field;
}

}  // namespace

Chain collect_chain(const std::vector<mime::HeaderField>& fields, const FieldLimits& limits,
                    std::size_t max_fields)
{
    Chain chain;
    struct Found {
        FieldKind kind;
        const mime::HeaderField* field;
        unsigned instance;
    };
    std::vector<Found> found;
    for (const mime::HeaderField& field : fields) {
        const std::optional<FieldKind> kind = arc_field_kind(field.name);
        if (!kind) {
            continue;
        }
        ++chain.arc_fields;
        if (chain.arc_fields > max_fields) {
            continue;  // counted, not parsed: the chain already fails (§5.2 step 1)
        }
        Result<unsigned> instance = parse_field_instance(*kind, field.value, limits);
        if (!instance) {
            if (chain.problem.empty()) {
                chain.problem = std::string(field_name(*kind)) +
                                " without a valid i=: " + instance.error().detail;
            }
            continue;
        }
        chain.highest = std::max(chain.highest, *instance);
        found.push_back(Found{*kind, &field, *instance});
    }
    if (chain.arc_fields > max_fields) {
        chain.problem = "more than " + std::to_string(max_fields / 3) + " ARC sets (RFC 8617 §5.2)";
    }
    for (const Found& item : found) {
        if (item.kind == FieldKind::Seal && item.instance == chain.highest &&
            peek_seal_status(item.field->value, limits) == ChainStatus::Fail) {
            chain.terminated = true;
        }
    }
    if (!chain.problem.empty()) {
        return chain;
    }
    std::vector<SetFields> sets(chain.highest);
    for (const Found& item : found) {
        const mime::HeaderField*& place = slot(sets[item.instance - 1], item.kind);
        if (place != nullptr) {
            // §4.2.1: "exactly one instance of each ARC header field ... for a given instance"
            chain.problem = "two " + std::string(field_name(item.kind)) +
                            " fields with i=" + std::to_string(item.instance);
            return chain;
        }
        place = item.field;
    }
    for (std::size_t k = 0; k < sets.size(); ++k) {
        for (const FieldKind kind :
             {FieldKind::Results, FieldKind::MessageSignature, FieldKind::Seal}) {
            if (slot(sets[k], kind) == nullptr) {
                // §5.2 step 3: one of each per set, instances 1..N without gaps.
                chain.problem =
                    "ARC set " + std::to_string(k + 1) + " has no " + std::string(field_name(kind));
                return chain;
            }
        }
    }
    chain.sets = std::move(sets);
    return chain;
}

std::vector<std::string_view> sealed_fields(std::string_view message,
                                            const std::vector<SetFields>& sets, std::size_t count)
{
    std::vector<std::string_view> out;
    out.reserve(3 * count);
    for (std::size_t k = 0; k < count && k < sets.size(); ++k) {
        out.push_back(dkim::raw_field(message, *sets[k].results));
        out.push_back(dkim::raw_field(message, *sets[k].message_signature));
        out.push_back(dkim::raw_field(message, *sets[k].seal));
    }
    return out;
}

std::string seal_hash_input(const std::vector<std::string_view>& fields)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < fields.size(); ++i) {
        dkim::canonicalize_header(dkim::Canon::Relaxed, fields[i], dkim::FieldEnd::Crlf, out);
    }
    if (!fields.empty()) {
        const std::string stripped =
            dkim::remove_signature_value(dkim::without_line_end(fields.back()));
        dkim::canonicalize_header(dkim::Canon::Relaxed, stripped, dkim::FieldEnd::None, out);
    }
    return out;
}

}  // namespace harbor::auth::arc
