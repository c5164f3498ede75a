// Method and path to page (the table), and the Site from the Config. See router.hpp; the pages
// themselves are in pages.cpp.
#include "http/router.hpp"

#include <exception>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "http/pages.hpp"

namespace harbor::http {
namespace {

enum class Methods { GetHead, Post };

struct Page {
    std::string_view path;
    bool any_case;  // Outlook's clients differ in the case of the Autodiscover path
    Methods methods;
    Response (*handle)(const PageContext&, const Request&);
};

constexpr Page pages[] = {
    {"/", false, Methods::GetHead, home_page},
    {"/.well-known/autoconfig/mail/config-v1.1.xml", false, Methods::GetHead, autoconfig_page},
    {"/mail/config-v1.1.xml", false, Methods::GetHead, autoconfig_page},
    {"/autodiscover/autodiscover.xml", true, Methods::Post, autodiscover_page},
    {"/.well-known/mta-sts.txt", false, Methods::GetHead, mta_sts_page},
    {"/metrics", false, Methods::GetHead, metrics_page},
};

// RFC 9110 §9.3 and RFC 5789 (PATCH): the methods we recognise; others are 501 (§9.1).
bool is_known_method(std::string_view method)
{
    for (std::string_view known :
         {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
        if (method == known) {
            return true;
        }
    }
    return false;
}

bool allows(Methods methods, std::string_view method)
{
    return methods == Methods::GetHead ? method == "GET" || method == "HEAD" : method == "POST";
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

Result<std::string> percent_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
            const int low = high >= 0 ? hex_value(text[i + 2]) : -1;
            if (low < 0) {
                return unexpected(Errc::Invalid, "bad percent-encoding");
            }
            c = static_cast<char>(high * 16 + low);
            i += 2;
        }
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return unexpected(Errc::Invalid, "control character in query");
        }
        out += c;
    }
    return out;
}

// MX patterns (RFC 8461 §3.2 sts-policy-mx-value): a host name, or "*." and a host name.
bool is_mx_pattern(std::string_view pattern)
{
    if (pattern.starts_with("*.")) {
        pattern.remove_prefix(2);
    }
    if (pattern.empty() || pattern.size() > 253 || pattern.front() == '.' ||
        pattern.back() == '.') {
        return false;
    }
    for (char c : pattern) {
        const bool ldh = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ldh) {
            return false;
        }
    }
    return pattern.find("..") == std::string_view::npos;
}

}  // namespace

Result<std::optional<std::string>> query_parameter(std::string_view query, std::string_view name)
{
    std::size_t pos = 0;
    while (pos <= query.size()) {
        std::size_t end = query.find('&', pos);
        if (end == std::string_view::npos) {
            end = query.size();
        }
        const std::string_view pair = query.substr(pos, end - pos);
        const std::size_t equals = pair.find('=');
        const std::string_view key = pair.substr(0, equals);
        if (iequals(key, name)) {
            Result<std::string> value = percent_decode(
                equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1));
            HARBOR_TRY(value);
            return std::optional<std::string>(std::move(*value));
        }
        pos = end + 1;
    }
    return std::optional<std::string>();
}

Result<Site> site_from(const Config& config)
{
    Site site;
    site.servers = mail_servers_of(config.hostname, config.listeners);
    site.mta_sts.mode = config.http.mta_sts_mode;
    site.mta_sts.mx = config.http.mta_sts_mx;
    site.mta_sts.max_age = config.http.mta_sts_max_age_s;
    for (const std::string& pattern : site.mta_sts.mx) {
        if (!is_mx_pattern(pattern)) {
            return unexpected(Errc::Invalid, "http.mta_sts_mx: not a host name or *.host name: \"" +
                                                 pattern + "\"");
        }
    }
    site.metrics = config.http.metrics;
    Result<net::NetworkList> networks = net::NetworkList::parse(config.http.metrics_networks);
    if (!networks) {
        return unexpected(Errc::Invalid, "http.metrics_networks: " + networks.error().detail);
    }
    site.metrics_networks = std::move(*networks);
    return site;
}

Router::Router(Site site, DomainCheck is_local_domain)
    : site_(std::move(site)), is_local_domain_(std::move(is_local_domain))
{
}

Response Router::route(const Request& request) const
{
    if (!is_known_method(request.method)) {
        return text_response(501);
    }
    for (const Page& page : pages) {
        const bool match =
            page.any_case ? iequals(request.path, page.path) : request.path == page.path;
        if (!match) {
            continue;
        }
        if (!allows(page.methods, request.method)) {
            Response refused = text_response(405);
            refused.allow = page.methods == Methods::GetHead ? "GET, HEAD" : "POST";
            return refused;
        }
        try {
            return page.handle(PageContext{site_, is_local_domain_}, request);
        } catch (const std::exception& e) {
            log::error("http.page.failed", {{"path", std::string(page.path)}, {"error", e.what()}});
            return text_response(500);
        }
    }
    return text_response(404);
}

}  // namespace harbor::http
