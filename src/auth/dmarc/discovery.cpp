// Policy discovery, RFC 7489 §6.6.3 steps 1-6.
// SECURITY: two lookups at most; names checked against DNS length limits before querying.
#include "auth/dmarc/discovery.hpp"

#include <vector>

#include "dns/names.hpp"

namespace harbor::auth::dmarc {

namespace asio = boost::asio;

namespace {

struct NameAnswer {
    bool failed = false;
    std::string error;
    std::vector<std::string> records;  // those starting with v=DMARC1 only
};

// Steps 1-2 (and 3-4 for the Organizational Domain): the TXT records at _dmarc.<domain>,
// without those that are not DMARC records.
asio::awaitable<NameAnswer> dmarc_records(dns::Lookups& dns, const std::string& domain)
{
    NameAnswer out;
    std::string name = "_dmarc." + domain;
    if (!dns::is_queryable_name(name)) {
        co_return out;  // no such name can exist, so it has no record
    }
    Result<dns::AnswerTxt> answer = co_await dns.txt(std::move(name));
    if (!answer) {
        // A name the resolver cannot even parse has no record either; every other error is
        // transient and must not read as "no policy" (STYLE.md §10.4: lookups are tri-state).
        if (answer.error().code != Errc::Invalid) {
            out.failed = true;
            out.error = answer.error().to_string();
        }
        co_return out;
    }
    for (std::string& text : answer->records) {
        if (is_dmarc_record(text)) {
            out.records.push_back(std::move(text));
        }
    }
    co_return out;
}

// Steps 5-6 for the records of one name.
Discovery conclude(NameAnswer answer, const std::string& domain, bool organisational,
                   const RecordLimits& limits)
{
    Discovery out;
    out.record_domain = domain;
    out.from_organisational_domain = organisational;
    if (answer.failed) {
        out.status = DiscoveryStatus::TempError;
        out.detail = std::move(answer.error);
    } else if (answer.records.empty()) {
        out.status = DiscoveryStatus::NoRecord;
    } else if (answer.records.size() > 1) {
        out.status = DiscoveryStatus::MultipleRecords;
        out.detail = std::to_string(answer.records.size()) + " DMARC records at _dmarc." + domain;
    } else if (Result<Record> record = parse_record(answer.records.front(), limits); !record) {
        out.status = DiscoveryStatus::InvalidRecord;
        out.detail = record.error().detail;
    } else {
        out.status = DiscoveryStatus::Found;
        out.record = std::move(*record);
    }
    return out;
}

}  // namespace

std::string_view discovery_status_name(DiscoveryStatus status)
{
    switch (status) {
        case DiscoveryStatus::Found:
            return "found";
        case DiscoveryStatus::NoRecord:
            return "no record";
        case DiscoveryStatus::MultipleRecords:
            return "multiple records";
        case DiscoveryStatus::InvalidRecord:
            return "invalid record";
        case DiscoveryStatus::TempError:
            return "temporary DNS error";
    }
    return "temporary DNS error";
}

asio::awaitable<Discovery> discover_policy(dns::Lookups& dns, const PublicSuffixList& suffixes,
                                           std::string from_domain, RecordLimits limits)
{
    NameAnswer at_from = co_await dmarc_records(dns, from_domain);
    if (at_from.failed || !at_from.records.empty()) {
        co_return conclude(std::move(at_from), from_domain, false, limits);
    }
    // Step 3: nothing at the From domain, so ask its Organizational Domain "(if different)".
    const std::string organisational(suffixes.organisational_domain(from_domain));
    if (organisational == from_domain) {
        co_return conclude(std::move(at_from), from_domain, false, limits);
    }
    NameAnswer at_organisational = co_await dmarc_records(dns, organisational);
    co_return conclude(std::move(at_organisational), organisational, true, limits);
}

}  // namespace harbor::auth::dmarc
