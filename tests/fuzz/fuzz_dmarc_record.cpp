// Fuzzes the DMARC record parser (RFC 7489 §6.3, §6.4): no crash, no input past the limits,
// and what a parse returns keeps its invariants (pct in range, URIs drawn from the input and
// capped, a valid policy or the §6.6.3 fallback with a reporting URI). The same bytes also go
// through is_dmarc_record, which must agree with the parser on the version tag.
// SECURITY: DMARC records come from any DNS zone; this target checks their bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/dmarc/record.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace harbor::auth::dmarc;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    RecordLimits limits;
    limits.max_record = 2048;
    limits.max_uris = 8;
    harbor::Result<Record> record = parse_record(text, limits);
    if (!record) {
        check(!record.error().detail.empty());
        return 0;
    }
    check(size <= limits.max_record);
    check(is_dmarc_record(text));
    check(record->percent <= 100);
    check(record->aggregate_uris.size() <= limits.max_uris);
    check(record->failure_uris.size() <= limits.max_uris);
    for (const auto* uris : {&record->aggregate_uris, &record->failure_uris}) {
        for (const ReportUri& uri : *uris) {
            check(uri.uri.find(':') != std::string::npos);
            check(text.find(uri.uri) != std::string_view::npos);
        }
    }
    if (record->policy_defaulted) {
        check(record->policy == Policy::None && !record->aggregate_uris.empty());
        check(!record->subdomain_policy.has_value());
    }
    check(record->policy_for_subdomain() == record->subdomain_policy.value_or(record->policy));
    for (const std::string& tag : record->ignored_tags) {
        check(tag.size() <= 32);
    }
    return 0;
}
