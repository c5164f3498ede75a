// The "arc" Authentication-Results method, RFC 8617 §6, §10.1, §10.2.
#include "auth/arc/result_info.hpp"

namespace harbor::auth::arc {

ResultInfo arc_result_info(const ChainValidation& validation, std::string_view remote_ip)
{
    ResultInfo info;
    info.method = "arc";
    info.result = std::string(chain_status_name(validation.status));
    if (validation.status == ChainStatus::Pass) {
        info.properties.push_back(
            {"header", "oldest-pass", std::to_string(validation.oldest_pass)});
    }
    if (!remote_ip.empty()) {
        info.properties.push_back({"smtp", "remote-ip", std::string(remote_ip)});
    }
    if (validation.status == ChainStatus::Fail) {
        info.reason = validation.reason;
    }
    return info;
}

}  // namespace harbor::auth::arc
