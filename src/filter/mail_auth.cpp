#include "filter/mail_auth.hpp"

#include "auth/spf/check_host.hpp"
#include "core/idna.hpp"

namespace harbor::filter {
namespace {

// Lookups that fail at once after a deadline: the time limit of one SPF check.
class DeadlineLookups final : public dns::Lookups {
public:
    DeadlineLookups(dns::Lookups& inner, std::chrono::steady_clock::time_point deadline)
        : inner_(inner), deadline_(deadline)
    {
    }
    Awaitable<Result<dns::AnswerTxt>> txt(std::string name) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.txt(std::move(name));
    }
    Awaitable<Result<dns::AnswerA>> a(std::string name) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.a(std::move(name));
    }
    Awaitable<Result<dns::AnswerAaaa>> aaaa(std::string name) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.aaaa(std::move(name));
    }
    Awaitable<Result<dns::AnswerMx>> mx(std::string name) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.mx(std::move(name));
    }
    Awaitable<Result<dns::AnswerPtr>> ptr(boost::asio::ip::address address) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.ptr(address);
    }

private:
    bool late() const { return std::chrono::steady_clock::now() >= deadline_; }
    static Unexpected too_late() { return unexpected(Errc::TempFail, "the check took too long"); }

    dns::Lookups& inner_;
    std::chrono::steady_clock::time_point deadline_;
};

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
            "spf", std::string(auth::spf::status_name(findings.spf->status)), "", {}};
        if (findings.spf_for_helo) {
            if (!findings.spf->domain.empty()) {
                spf.properties.push_back({"smtp", "helo", findings.spf->domain});
            }
        } else {
            spf.properties.push_back({"smtp", "mailfrom", mail_from});
        }
        results.push_back(std::move(spf));
    }
    return auth::authentication_results_field(settings_.authserv_id, results);
}

}  // namespace harbor::filter
