// The router's answers by method, path, host and client: a table of requests and the status
// (and content) each must get, with a fake directory that serves example.org, cannot answer
// for down.example, and knows nothing else.
#include "http/router.hpp"

#include <gtest/gtest.h>

#include "core/metrics.hpp"
#include "http/autodiscover_request.hpp"

namespace harbor::http {
namespace {

Result<bool> fake_directory(std::string_view domain)
{
    if (domain == "down.example") {
        return unexpected(Errc::TempFail, "store busy");
    }
    if (domain.empty() || domain.find(' ') != std::string_view::npos) {
        return unexpected(Errc::Invalid, "not a domain");
    }
    return domain == "example.org";
}

Config test_config()
{
    Config config;
    config.hostname = "mail.example.org";
    auto add = [&](Protocol protocol, std::uint16_t port, TlsMode tls) {
        ListenerConfig listener;
        listener.protocol = protocol;
        listener.port = port;
        listener.tls = tls;
        config.listeners.push_back(listener);
    };
    add(Protocol::Imap, 993, TlsMode::Implicit);
    add(Protocol::Submission, 587, TlsMode::StartTls);
    config.http.mta_sts_mode = "enforce";
    config.http.mta_sts_mx = {"mail.example.org"};
    config.http.mta_sts_max_age_s = 86400;
    config.http.metrics_networks = {"127.0.0.0/8", "::1/128"};
    return config;
}

Router make_router(const Config& config = test_config())
{
    Result<Site> site = site_from(config);
    EXPECT_TRUE(site.has_value()) << site.error().to_string();
    return Router(std::move(*site), fake_directory);
}

Request request(std::string method, std::string path, std::string host = "mail.example.org",
                std::string query = {}, std::string body = {})
{
    Request out;
    out.method = std::move(method);
    out.path = std::move(path);
    out.host = std::move(host);
    out.query = std::move(query);
    out.body = std::move(body);
    out.peer = boost::asio::ip::make_address("127.0.0.1");
    return out;
}

std::string autodiscover_body(std::string_view address)
{
    return "<Autodiscover><Request><EMailAddress>" + std::string(address) +
           "</EMailAddress><AcceptableResponseSchema>" + std::string(outlook_response_schema) +
           "</AcceptableResponseSchema></Request></Autodiscover>";
}

constexpr std::string_view autoconfig_path = "/.well-known/autoconfig/mail/config-v1.1.xml";

TEST(Router, StatusTable)
{
    const Router router = make_router();
    struct Case {
        std::string_view name;
        Request request;
        int status;
    };
    const Case cases[] = {
        {"home", request("GET", "/"), 200},
        {"home head", request("HEAD", "/"), 200},
        {"unknown path", request("GET", "/admin"), 404},
        {"path case matters", request("GET", "/METRICS"), 404},
        {"query is not the path", request("GET", "/metricsx"), 404},
        {"post to a get page", request("POST", "/"), 405},
        {"delete", request("DELETE", "/metrics"), 405},
        {"unknown method", request("BREW", "/"), 501},
        {"lower-case method", request("get", "/"), 501},  // RFC 9110 §9.1: case-sensitive
        // autoconfig
        {"autoconfig, local address",
         request("GET", std::string(autoconfig_path), "x", "emailaddress=jo%40example.org"), 200},
        {"autoconfig, other path",
         request("GET", "/mail/config-v1.1.xml", "x", "emailaddress=jo@Example.ORG"), 200},
        {"autoconfig, foreign address",
         request("GET", std::string(autoconfig_path), "x", "emailaddress=jo%40evil.example"), 404},
        {"autoconfig, address literal",
         request("GET", std::string(autoconfig_path), "x", "emailaddress=jo%40%5B127.0.0.1%5D"),
         404},
        {"autoconfig, directory down",
         request("GET", std::string(autoconfig_path), "x", "emailaddress=jo%40down.example"), 503},
        {"autoconfig, not an address",
         request("GET", std::string(autoconfig_path), "x", "emailaddress=nobody"), 400},
        {"autoconfig, bad escape",
         request("GET", std::string(autoconfig_path), "x", "emailaddress=jo%4"), 400},
        {"autoconfig, injected line",
         request("GET", std::string(autoconfig_path), "x", "emailaddress=jo%0d%0a%40example.org"),
         400},
        {"autoconfig, no address", request("GET", std::string(autoconfig_path)), 200},
        {"autoconfig, post", request("POST", std::string(autoconfig_path)), 405},
        // autodiscover
        {"autodiscover",
         request("POST", "/autodiscover/autodiscover.xml", "x", "",
                 autodiscover_body("jo@example.org")),
         200},
        {"Autodiscover",
         request("POST", "/Autodiscover/Autodiscover.xml", "x", "",
                 autodiscover_body("jo@example.org")),
         200},
        {"autodiscover, foreign",
         request("POST", "/autodiscover/autodiscover.xml", "x", "",
                 autodiscover_body("jo@evil.example")),
         404},
        {"autodiscover, directory down",
         request("POST", "/autodiscover/autodiscover.xml", "x", "",
                 autodiscover_body("jo@down.example")),
         503},
        {"autodiscover, get", request("GET", "/autodiscover/autodiscover.xml"), 405},
        // mta-sts
        {"mta-sts", request("GET", "/.well-known/mta-sts.txt", "mta-sts.example.org"), 200},
        {"mta-sts head", request("HEAD", "/.well-known/mta-sts.txt", "mta-sts.example.org"), 200},
        {"mta-sts, foreign", request("GET", "/.well-known/mta-sts.txt", "mta-sts.evil.example"),
         404},
        {"mta-sts, no prefix", request("GET", "/.well-known/mta-sts.txt", "example.org"), 404},
        {"mta-sts, no host", request("GET", "/.well-known/mta-sts.txt", ""), 404},
        {"mta-sts, down", request("GET", "/.well-known/mta-sts.txt", "mta-sts.down.example"), 503},
        // metrics from loopback
        {"metrics", request("GET", "/metrics"), 200},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const Response response = router.route(c.request);
        EXPECT_EQ(response.status, c.status) << response.body;
        if (c.status == 405) {
            EXPECT_FALSE(response.allow.empty());
        }
    }
}

TEST(Router, AllowNamesTheMethods)
{
    const Router router = make_router();
    EXPECT_EQ(router.route(request("PUT", "/metrics")).allow, "GET, HEAD");
    EXPECT_EQ(router.route(request("GET", "/autodiscover/autodiscover.xml")).allow, "POST");
}

TEST(Router, AutoconfigProviderIsTheDomainAsked)
{
    const Router router = make_router();
    const Response by_address = router.route(
        request("GET", std::string(autoconfig_path), "x", "emailaddress=jo%40Example.ORG"));
    EXPECT_NE(by_address.body.find("<emailProvider id=\"example.org\">"), std::string::npos);
    EXPECT_EQ(by_address.content_type, "text/xml; charset=utf-8");
    // Without an address: the Host less "autoconfig." when that is local, else our hostname.
    const Response by_host =
        router.route(request("GET", "/mail/config-v1.1.xml", "autoconfig.example.org"));
    EXPECT_NE(by_host.body.find("<emailProvider id=\"example.org\">"), std::string::npos);
    const Response other =
        router.route(request("GET", "/mail/config-v1.1.xml", "autoconfig.evil.example"));
    EXPECT_EQ(other.status, 200);
    EXPECT_NE(other.body.find("<emailProvider id=\"mail.example.org\">"), std::string::npos);
    EXPECT_NE(by_address.body.find("<port>993</port>"), std::string::npos);
    EXPECT_NE(by_address.body.find("<port>587</port>"), std::string::npos);
}

TEST(Router, AutodiscoverErrors)
{
    const Router router = make_router();
    const Response missing =
        router.route(request("POST", "/autodiscover/autodiscover.xml", "x", "", "<Request/>"));
    EXPECT_EQ(missing.status, 200);
    EXPECT_NE(missing.body.find("<ErrorCode>600</ErrorCode>"), std::string::npos);
    const Response mobile = router.route(
        request("POST", "/autodiscover/autodiscover.xml", "x", "",
                "<Request><EMailAddress>jo@example.org</EMailAddress><AcceptableResponseSchema>"
                "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
                "</AcceptableResponseSchema></Request>"));
    EXPECT_NE(mobile.body.find("<ErrorCode>601</ErrorCode>"), std::string::npos);
    const Response found = router.route(request("POST", "/autodiscover/autodiscover.xml", "x", "",
                                                autodiscover_body("Jo@example.org")));
    EXPECT_NE(found.body.find("<LoginName>Jo@example.org</LoginName>"), std::string::npos);
}

TEST(Router, MtaStsPolicyText)
{
    const Router router = make_router();
    const Response policy =
        router.route(request("GET", "/.well-known/mta-sts.txt", "mta-sts.example.org"));
    EXPECT_EQ(policy.content_type, "text/plain");
    EXPECT_EQ(policy.body,
              "version: STSv1\r\nmode: enforce\r\nmx: mail.example.org\r\nmax_age: 86400\r\n");
}

TEST(Router, MetricsByConfigAndNetwork)
{
    metrics::counter("harbor_router_test_total", "A counter for the router test.").add(3);
    const Router router = make_router();
    const Response shown = router.route(request("GET", "/metrics"));
    EXPECT_EQ(shown.status, 200);
    EXPECT_EQ(shown.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(shown.body.find("# TYPE harbor_router_test_total counter\n"), std::string::npos);
    EXPECT_NE(shown.body.find("harbor_router_test_total 3\n"), std::string::npos);

    Request outside = request("GET", "/metrics");
    outside.peer = boost::asio::ip::make_address("192.0.2.1");
    EXPECT_EQ(router.route(outside).status, 403);
    Request mapped = request("GET", "/metrics");
    mapped.peer = boost::asio::ip::make_address("::ffff:127.0.0.1");  // dual-stack loopback
    EXPECT_EQ(router.route(mapped).status, 200);

    Config everyone = test_config();
    everyone.http.metrics_networks.clear();
    EXPECT_EQ(make_router(everyone).route(outside).status, 200);

    Config off = test_config();
    off.http.metrics = false;
    EXPECT_EQ(make_router(off).route(request("GET", "/metrics")).status, 404);
}

TEST(Router, SiteFromRefusesBadSettings)
{
    Config bad_network = test_config();
    bad_network.http.metrics_networks = {"10.0.0.0/33"};
    ASSERT_FALSE(site_from(bad_network).has_value());
    EXPECT_NE(site_from(bad_network).error().detail.find("http.metrics_networks"),
              std::string::npos);
    for (std::string pattern : {"", "a b", "mail.example.org\r\nmode: none", "*.", "a..b", "*"}) {
        SCOPED_TRACE(pattern);
        Config bad_mx = test_config();
        bad_mx.http.mta_sts_mx = {pattern};
        EXPECT_FALSE(site_from(bad_mx).has_value());
    }
}

TEST(QueryParameter, DecodesAndFinds)
{
    using Found = Result<std::optional<std::string>>;
    const Found found = query_parameter("a=1&EmailAddress=jo%40example.org&b", "emailaddress");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(**found, "jo@example.org");
    EXPECT_EQ(*query_parameter("emailaddress=a+b%2Bc", "emailaddress").value(), "a+b+c");
    EXPECT_EQ(*query_parameter("emailaddress", "emailaddress").value(), "");
    EXPECT_FALSE(query_parameter("x=1", "emailaddress").value().has_value());
    EXPECT_FALSE(query_parameter("", "emailaddress").value().has_value());
    EXPECT_FALSE(query_parameter("emailaddress=%zz", "emailaddress").has_value());
    EXPECT_FALSE(query_parameter("emailaddress=%4", "emailaddress").has_value());
    EXPECT_FALSE(query_parameter("emailaddress=a%00b", "emailaddress").has_value());
}

}  // namespace
}  // namespace harbor::http
