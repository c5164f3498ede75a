#include "filter/mail_auth.hpp"

#include "auth/spf/check_host.hpp"

namespace harbor::filter {

MailAuth::MailAuth(dns::Lookups& lookups, MailAuthSettings settings)
    : lookups_(lookups), settings_(std::move(settings))
{
}

boost::asio::awaitable<auth::spf::Outcome> MailAuth::check_sender(boost::asio::ip::address client,
                                                                  std::string helo,
                                                                  std::string mail_from) const
{
    auth::spf::Request request;
    request.ip = client;
    const std::size_t at = mail_from.rfind('@');
    request.domain = mail_from.empty() || at == std::string::npos ? helo : mail_from.substr(at + 1);
    request.sender = std::move(mail_from);
    request.helo = std::move(helo);
    request.receiver = settings_.authserv_id;
    if (request.domain.empty() || request.domain.front() == '[') {
        auth::spf::Outcome none;
        none.reason = "no domain to check";
        co_return none;
    }
    auth::spf::Outcome outcome = co_await auth::spf::check_host(lookups_, request);
    co_return outcome;
}

std::string MailAuth::results_field(const MailAuthFindings& findings,
                                    const std::string& mail_from) const
{
    std::vector<auth::ResultInfo> results;
    if (findings.spf) {
        // RFC 8601 §2.7.2: smtp.mailfrom (the address, or its domain), smtp.helo for the null
        // reverse path.
        auth::ResultInfo spf{
            "spf", std::string(auth::spf::status_name(findings.spf->status)), "", {}};
        if (findings.spf_for_helo) {
            spf.properties.push_back({"smtp", "helo", findings.spf->domain});
        } else {
            spf.properties.push_back({"smtp", "mailfrom", mail_from});
        }
        results.push_back(std::move(spf));
    }
    return auth::authentication_results_field(settings_.authserv_id, results);
}

}  // namespace harbor::filter
