#include "filter/mail_auth.hpp"

#include "auth/arc/result_info.hpp"
#include "auth/spf/check_host.hpp"
#include "core/idna.hpp"
#include "filter/deadline_lookups.hpp"

namespace harbor::filter {
namespace {

// RFC 8601 §2.7.1: one dkim result per signature, "none" for an unsigned message; then DMARC
// (RFC 7489 §11.2), or why it could not be evaluated.
void append_message_results(const MessageFindings& found, std::string_view client_ip,
                            std::vector<auth::ResultInfo>& results)
{
    if (found.dkim.empty()) {
        results.push_back({"dkim", "none", "", {}, ""});
    }
    for (const auth::dkim::SignatureResult& signature : found.dkim) {
        auth::ResultInfo dkim{
            "dkim", std::string(auth::dkim::outcome_name(signature.result)), "", {}, ""};
        if (signature.testing) {
            dkim.comment = "key in testing mode";  // RFC 6376 §3.6.1 t=y
        } else if (signature.partial_body) {
            dkim.comment = "body partly signed";  // §8.2 l=
        }
        dkim.reason = signature.reason;
        if (!signature.domain.empty()) {
            dkim.properties.push_back({"header", "d", signature.domain});
            dkim.properties.push_back({"header", "s", signature.selector});
            dkim.properties.push_back({"header", "i", signature.identity});
            dkim.properties.push_back({"header", "a", signature.algorithm});
        }
        results.push_back(std::move(dkim));
    }
    results.push_back(auth::arc::arc_result_info(found.arc, client_ip));
    if (found.dmarc) {
        results.push_back(auth::dmarc::result_info(*found.dmarc));
    } else {
        results.push_back({"dmarc",
                           "permerror",
                           std::string(auth::dmarc::author_status_name(found.author.status)),
                           {},
                           ""});
    }
}

}  // namespace

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
        none.domain = request.domain;
        co_return none;
    }
    // An SMTPUTF8 sender's domain is asked in its A-label form (RFC 8616 §4).
    Result<std::string> ascii = idna_to_ascii(request.domain);
    if (!ascii) {
        auth::spf::Outcome none;
        none.reason = "not a domain: " + ascii.error().detail;
        none.domain = request.domain;
        co_return none;
    }
    request.domain = std::move(*ascii);
    DeadlineLookups bounded(lookups_, std::chrono::steady_clock::now() + settings_.spf_time_limit);
    auth::spf::Outcome outcome = co_await auth::spf::check_host(bounded, request);
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
            "spf", std::string(auth::spf::status_name(findings.spf->status)), "", {}, ""};
        if (findings.spf_for_helo) {
            if (!findings.spf->domain.empty()) {
                spf.properties.push_back({"smtp", "helo", findings.spf->domain});
            }
        } else {
            spf.properties.push_back({"smtp", "mailfrom", mail_from});
        }
        results.push_back(std::move(spf));
    }
    if (findings.helo_spf && !findings.helo_spf->domain.empty()) {
        results.push_back({"spf",
                           std::string(auth::spf::status_name(findings.helo_spf->status)),
                           "",
                           {{"smtp", "helo", findings.helo_spf->domain}},
                           ""});
    }
    if (findings.message) {
        append_message_results(*findings.message, findings.client_ip, results);
    }
    return auth::authentication_results_field(settings_.authserv_id, results);
}

std::string MailAuth::results_text(const MailAuthFindings& findings,
                                   const std::string& mail_from) const
{
    // What follows "Authentication-Results: <authserv-id>;", less the fold before the first
    // result and the final CRLF: the authserv-id is our hostname, which holds no ';'.
    const std::string field = results_field(findings, mail_from);
    std::size_t start = field.find(';') + 1;
    while (start < field.size() && (field[start] == ' ' || field[start] == '\r' ||
                                    field[start] == '\n' || field[start] == '\t')) {
        ++start;
    }
    return field.substr(start, field.size() - 2 - start);
}

}  // namespace harbor::filter
