// The MTA-STS policy this server publishes for its local domains (RFC 8461 §3.2): served at
// https://mta-sts.<domain>/.well-known/mta-sts.txt as text/plain, "key: value" lines. The
// outbound side reads other domains' policies with smtp::queue::parse_sts_policy; what is
// written here must parse there (http_test checks the round trip).
// SECURITY: the host name comes from the request; only its domain part is used, and only
// after the directory says the domain is local.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::http {

// [http] mta_sts_mode, mta_sts_mx, mta_sts_max_age_s (core/config.hpp HttpConfig).
struct MtaStsSettings {
    std::string mode = "testing";  // "enforce", "testing" or "none" (checked by the config)
    std::vector<std::string> mx;   // MX patterns: "mail.example.org", "*.example.org"
    std::uint32_t max_age = 7 * 24 * 3600;
};

// §3.2: version first, then mode, one mx line per pattern, max_age; CRLF line ends.
// `hostname` is the mx when settings.mx is empty.
std::string format_mta_sts_policy(const MtaStsSettings& settings, std::string_view hostname);

// §3.3: the policy host is "mta-sts." followed by the Policy Domain. `host` as Request::host
// has it (lower case, no port); nullopt for any other name.
std::optional<std::string> policy_domain_of(std::string_view host);

}  // namespace harbor::http
