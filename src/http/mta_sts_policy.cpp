// The MTA-STS policy file (RFC 8461 §3.2). See mta_sts_policy.hpp.
#include "http/mta_sts_policy.hpp"

namespace harbor::http {

namespace {
constexpr std::string_view policy_host_prefix = "mta-sts.";  // RFC 8461 §3.3
}

std::string format_mta_sts_policy(const MtaStsSettings& settings, std::string_view hostname)
{
    // §3.2: "version" must come first; the other fields may come in any order.
    std::string out = "version: STSv1\r\n";
    out += "mode: " + settings.mode + "\r\n";
    if (settings.mx.empty()) {
        out += "mx: " + std::string(hostname) + "\r\n";
    }
    for (const std::string& pattern : settings.mx) {
        out += "mx: " + pattern + "\r\n";
    }
    out += "max_age: " + std::to_string(settings.max_age) + "\r\n";
    return out;
}

std::optional<std::string> policy_domain_of(std::string_view host)
{
    if (!host.starts_with(policy_host_prefix) || host.size() == policy_host_prefix.size()) {
        return std::nullopt;
    }
    return std::string(host.substr(policy_host_prefix.size()));
}

}  // namespace harbor::http
