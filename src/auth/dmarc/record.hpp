// The DMARC policy record (RFC 7489 §6.3 tags, §6.4 formal definition): the TXT record a
// Domain Owner publishes at _dmarc.<domain>, parsed into policy, alignment modes, sampling and
// the reporting addresses (kept for aggregate and failure reports).
// SECURITY: the record comes from DNS, so from anyone: input capped by RecordLimits
// (max_record, max_uris), one linear pass, no recursion. Fuzzed by fuzz_dmarc_record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace harbor::auth::dmarc {

// p= and sp= (RFC 7489 §6.3), ordered from weakest to strongest.
enum class Policy { None, Quarantine, Reject };

// adkim= and aspf= (RFC 7489 §3.1).
enum class AlignmentMode { Relaxed, Strict };

std::string_view policy_name(Policy policy);  // "none", "quarantine", "reject"

// One rua= or ruf= entry: "mailto:reports@example.com!10m" (RFC 7489 §6.2, §6.4 dmarc-uri).
struct ReportUri {
    std::string uri;                        // as published, percent-encoding kept
    std::optional<std::uint64_t> max_size;  // the "!size" in octets, saturated at 2^64-1
    friend bool operator==(const ReportUri&, const ReportUri&) = default;
};

// fo= (RFC 7489 §6.3): when failure reports are wanted.
struct FailureOptions {
    bool all_fail = true;   // "0": every mechanism failed to give an aligned pass (default)
    bool any_fail = false;  // "1": any mechanism failed to give an aligned pass
    bool dkim = false;      // "d": a DKIM signature failed, aligned or not
    bool spf = false;       // "s": SPF failed, aligned or not
    friend bool operator==(const FailureOptions&, const FailureOptions&) = default;
};

struct Record {
    Policy policy = Policy::None;
    std::optional<Policy> subdomain_policy;  // sp=; without it p= applies to subdomains
    AlignmentMode dkim_alignment = AlignmentMode::Relaxed;
    AlignmentMode spf_alignment = AlignmentMode::Relaxed;
    unsigned percent = 100;                 // pct=, 0-100
    std::vector<ReportUri> aggregate_uris;  // rua=
    std::vector<ReportUri> failure_uris;    // ruf=
    FailureOptions failure_options;         // fo=
    std::string report_format = "afrf";     // rf=, the only registered format (RFC 7489 §11.4)
    std::uint32_t report_interval = 86400;  // ri=, seconds

    // RFC 7489 §6.6.3 step 6: p= was missing or invalid (or sp= invalid) but rua= held a valid
    // URI, so the record stands as "v=DMARC1; p=none" plus its reporting addresses.
    bool policy_defaulted = false;
    // Known tags whose value broke the grammar and fell back to the default (RFC 7489 §6.3:
    // "Syntax errors in the remainder of the record SHOULD be discarded in favor of default
    // values"), and later duplicates of a tag; for the log.
    std::vector<std::string> ignored_tags;

    // The policy for a message whose From domain is a subdomain of the one the record was
    // found for (RFC 7489 §6.3 sp).
    Policy policy_for_subdomain() const { return subdomain_policy.value_or(policy); }
};

constexpr std::size_t default_max_record = 4096;  // bytes of one TXT record's text
constexpr std::size_t default_max_uris = 32;      // per rua= or ruf= tag

struct RecordLimits {
    std::size_t max_record = default_max_record;
    std::size_t max_uris = default_max_uris;
};

// True when the text starts with the version tag "v=DMARC1" (RFC 7489 §6.6.3 step 2: other
// TXT records at _dmarc.<domain> are discarded before the others are counted).
bool is_dmarc_record(std::string_view text);

// Parses one record (a TXT record's character-strings already concatenated). Errors:
//   Errc::Limit    the text is longer than limits.max_record;
//   Errc::Invalid  empty, not starting with v=DMARC1, or p=/sp= missing or invalid without a
//                  valid rua= URI to fall back on (RFC 7489 §6.6.3 step 6).
// Everything else that breaks the grammar is ignored (RFC 7489 §6.3) and named in
// Record::ignored_tags: other bad values keep their defaults, a piece without "=" is skipped,
// bad URIs are dropped from rua=/ruf=, and URIs past limits.max_uris are dropped.
Result<Record> parse_record(std::string_view text, RecordLimits limits = {});

}  // namespace harbor::auth::dmarc
