// MTA-STS (RFC 8461): the "_mta-sts" TXT record that announces a policy (§3.1), the policy file
// fetched over HTTPS (§3.2), and which MX hosts a policy allows (§4.1). Pure over text, so every
// rule is tested and fuzzed without DNS or HTTPS; fetching and caching are mta_sts_cache.hpp's.
// SECURITY: the TXT record and the policy are the remote domain's, untrusted: the policy is read
// only up to max_policy_size, with at most max_mx_patterns patterns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace harbor::smtp::queue {

// §3.3: senders limit the policy's size; 64 KiB is what the RFC's example and Postfix's
// mta-sts resolver use.
inline constexpr std::size_t max_policy_size = 64 * 1024;
inline constexpr std::size_t max_mx_patterns = 256;
inline constexpr std::uint32_t max_policy_age = 31'557'600;  // §3.2: about a year

// §3.1: "v=STSv1; id=...". Of the TXT records (each one's strings joined), those that do not
// begin with "v=STSv1;" are dropped; unless exactly one remains and it parses, the domain has
// no policy (nullopt).
std::optional<std::string> parse_sts_record_id(std::span<const std::string> txt_records);

enum class StsMode { Enforce, Testing, None };

std::string_view sts_mode_name(StsMode mode);  // "enforce", "testing", "none"

struct StsPolicy {
    StsMode mode = StsMode::None;
    std::vector<std::string> mx;  // lower case; "*.example.com" matches one more label
    std::uint32_t max_age = 0;    // seconds, at most max_policy_age
    friend bool operator==(const StsPolicy&, const StsPolicy&) = default;
};

// §3.2: "key: value" lines ending in LF or CRLF; version STSv1, mode and max_age required, mx
// required unless mode is none; unknown keys ignored. Errc::Invalid says what is wrong.
Result<StsPolicy> parse_sts_policy(std::string_view text);

// §4.1: `host` (an MX name, any case, no trailing dot) is one of the policy's, exactly or by a
// wildcard that stands for exactly its leftmost label.
bool sts_allows_mx(const StsPolicy& policy, std::string_view host);

}  // namespace harbor::smtp::queue
