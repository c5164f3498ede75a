// The public pages. See router.hpp for the list and pages.hpp for the contract.
#include "http/pages.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "directory/address.hpp"
#include "http/autodiscover_request.hpp"

namespace harbor::http {
namespace {

constexpr std::string_view xml_type = "text/xml; charset=utf-8";
// Prometheus text exposition format 0.0.4.
constexpr std::string_view metrics_type = "text/plain; version=0.0.4; charset=utf-8";
// RFC 8461 §3.2: the policy's media type is text/plain; some senders compare it exactly, so
// no parameters.
constexpr std::string_view policy_type = "text/plain";
constexpr std::string_view autoconfig_host_prefix = "autoconfig.";

enum class Locality { Local, Foreign, Unknown };

// Whether `domain` is served here. A name that is not a domain is simply not ours; a
// directory that cannot answer is Unknown (503), never "not ours" (STYLE.md §10.4 tri-state).
Locality locality_of(const PageContext& context, std::string_view domain)
{
    Result<bool> local = context.is_local_domain(domain);
    if (local) {
        return *local ? Locality::Local : Locality::Foreign;
    }
    if (local.error().code == Errc::Invalid) {
        return Locality::Foreign;
    }
    log::warn("http.domain_check.failed",
              {{"domain", std::string(domain)}, {"error", local.error().to_string()}});
    return Locality::Unknown;
}

Response answer_for(Locality locality)
{
    return text_response(locality == Locality::Unknown ? 503 : 404);
}

Response xml_response(std::string body)
{
    Response response;
    response.content_type = std::string(xml_type);
    response.body = std::move(body);
    // The documents follow the domain list and the listeners: revalidate every time.
    response.cache_control = "no-cache";
    return response;
}

// The domain an autoconfig request without an address is about: its host name less
// "autoconfig." when that is a local domain (Thunderbird asks autoconfig.<domain>), else our
// own host name, which serves every domain alike.
Result<std::string> autoconfig_domain_of_host(const PageContext& context, std::string_view host)
{
    if (host.starts_with(autoconfig_host_prefix)) {
        host.remove_prefix(autoconfig_host_prefix.size());
    }
    if (!host.empty()) {
        Result<std::string> domain = directory::normalize_domain(host);
        if (domain) {
            const Locality locality = locality_of(context, *domain);
            if (locality == Locality::Unknown) {
                return unexpected(Errc::TempFail, "domain check failed");
            }
            if (locality == Locality::Local) {
                return std::move(*domain);
            }
        }
    }
    return context.site.servers.hostname;
}

}  // namespace

Response home_page(const PageContext& /*context*/, const Request& /*request*/)
{
    Response response = text_response(200, "Harbor\n");
    response.cache_control = "no-cache";
    return response;
}

// Thunderbird asks with ?emailaddress=<the address the user typed>.
Response autoconfig_page(const PageContext& context, const Request& request)
{
    Result<std::optional<std::string>> email = query_parameter(request.query, "emailaddress");
    if (!email) {
        return text_response(400);
    }
    std::string domain;
    if (*email) {
        Result<directory::Address> address = directory::parse_address(**email);
        if (!address) {
            return text_response(400);
        }
        if (address->is_literal) {
            return text_response(404);  // an address literal is never a local mailbox
        }
        const Locality locality = locality_of(context, address->domain);
        if (locality != Locality::Local) {
            return answer_for(locality);
        }
        domain = address->domain;
    } else {
        Result<std::string> from_host = autoconfig_domain_of_host(context, request.host);
        if (!from_host) {
            return text_response(503);
        }
        domain = std::move(*from_host);
    }
    return xml_response(format_autoconfig(context.site.servers, domain));
}

// A malformed request gets Autodiscover's own <Error> (as Exchange answers), with 200; an
// address of a domain we do not serve gets 404, so that Outlook goes on to its next way of
// finding settings (the next Autodiscover URL, the SRV record, its own guesses) instead of
// stopping at a document that says nothing.
Response autodiscover_page(const PageContext& context, const Request& request)
{
    Result<AutodiscoverRequest> parsed = parse_autodiscover_request(request.body);
    if (!parsed) {
        log::debug("http.autodiscover.invalid", {{"error", parsed.error().to_string()}});
        return xml_response(format_autodiscover_error(600, "Invalid Request"));
    }
    if (!parsed->response_schema.empty() && parsed->response_schema != outlook_response_schema) {
        // ActiveSync's mobilesync schema and the like: Harbor speaks only IMAP, POP3, SMTP.
        return xml_response(
            format_autodiscover_error(601, "Requested schema version not supported"));
    }
    Result<directory::Address> address = directory::parse_address(parsed->email);
    if (!address) {
        return xml_response(format_autodiscover_error(600, "Invalid Request"));
    }
    if (address->is_literal) {
        return text_response(404);
    }
    const Locality locality = locality_of(context, address->domain);
    if (locality != Locality::Local) {
        return answer_for(locality);
    }
    return xml_response(format_autodiscover(context.site.servers, address->format()));
}

// RFC 8461 §3.3: fetched from https://mta-sts.<Policy Domain>/.well-known/mta-sts.txt.
Response mta_sts_page(const PageContext& context, const Request& request)
{
    std::optional<std::string> name = policy_domain_of(request.host);
    if (!name) {
        return text_response(404);
    }
    Result<std::string> domain = directory::normalize_domain(*name);
    if (!domain) {
        return text_response(404);
    }
    const Locality locality = locality_of(context, *domain);
    if (locality != Locality::Local) {
        return answer_for(locality);
    }
    Response response;
    response.content_type = std::string(policy_type);
    response.body = format_mta_sts_policy(context.site.mta_sts, context.site.servers.hostname);
    // RFC 8461 §3.3: senders must not use HTTP caching for the policy; say so anyway.
    response.cache_control = "no-cache";
    return response;
}

Response metrics_page(const PageContext& context, const Request& request)
{
    if (!context.site.metrics) {
        return text_response(404);
    }
    const net::NetworkList& allowed = context.site.metrics_networks;
    if (!allowed.empty() && !allowed.contains(request.peer)) {
        return text_response(403);
    }
    Response response;
    response.content_type = std::string(metrics_type);
    response.body = metrics::render_text();
    return response;  // no-store: every scrape is new
}

}  // namespace harbor::http
