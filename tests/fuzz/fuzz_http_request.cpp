// Fuzzes the HTTP request path without a socket: bytes -> http::RequestParser (fed in pieces
// whose sizes the first input byte chooses, the unused rest offered again as the session does,
// pipelined requests one after another) -> http::Router (a fake directory that serves
// example.org) -> format_response; and the whole input as an Autodiscover body.
// Checks: the parser never claims more octets than it was given; a refusal is one of the
// statuses the session sends; a parsed request's host is normalised and its path is
// origin-form; the router never fails internally (500) and answers only statuses it defines;
// a serialized response has one header block whose Content-Length is the body's length; an
// Autodiscover address is non-empty and bounded.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "http/autodiscover_request.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace {

using namespace harbor;
using namespace harbor::http;

void check(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

const Router& router()
{
    static const Router instance = [] {
        Config config;
        config.hostname = "mail.example.org";
        ListenerConfig imaps;
        imaps.protocol = Protocol::Imap;
        imaps.port = 993;
        imaps.tls = TlsMode::Implicit;
        config.listeners.push_back(imaps);
        Result<Site> site = site_from(config);
        check(site.has_value());
        return Router(std::move(*site), [](std::string_view domain) -> Result<bool> {
            return domain == "example.org";
        });
    }();
    return instance;
}

void check_request(const Request& request)
{
    for (char c : request.host) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                             c == '.' || c == '_' || c == '~' || c == '[' || c == ']' || c == ':';
        check(allowed);
    }
    check(request.path == "*" || request.path.starts_with('/'));
    check(request.version == 10 || request.version == 11);
    check(request.body.size() <= RequestLimits{}.body_limit);
}

void check_response(const Response& response, bool head)
{
    const int s = response.status;
    check(s == 200 || s == 400 || s == 403 || s == 404 || s == 405 || s == 501 || s == 503);
    const std::string bytes = format_response(response, Framing{head, true});
    const std::size_t end = bytes.find("\r\n\r\n");
    check(end != std::string::npos);
    const std::string_view header = std::string_view(bytes).substr(0, end + 2);
    const std::size_t length = header.find("\r\nContent-Length: ");
    check(length != std::string_view::npos);
    check(std::stoul(std::string(header.substr(length + 18))) == response.body.size());
    check(bytes.size() - end - 4 == (head ? 0 : response.body.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::size_t step = 1 + data[0] % 64;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

    std::string pending;
    std::size_t offered = 0;
    for (int requests = 0; requests < 8;) {
        RequestParser parser;
        bool progressed = true;
        while (parser.state() == ParseState::NeedMore && progressed) {
            const std::size_t more = std::min(step, input.size() - offered);
            pending.append(input.substr(offered, more));
            offered += more;
            const std::size_t used = parser.feed(pending);
            check(used <= pending.size());
            pending.erase(0, used);
            progressed = more > 0 || used > 0;
        }
        if (parser.state() == ParseState::Failed) {
            const int s = parser.error_status();
            check(s == 400 || s == 413 || s == 431 || s == 501 || s == 505);
            break;
        }
        if (parser.state() != ParseState::Done) {
            break;
        }
        const Request request = parser.take();
        check_request(request);
        check_response(router().route(request), request.method == "HEAD");
        ++requests;
    }

    Result<AutodiscoverRequest> autodiscover = parse_autodiscover_request(input);
    if (autodiscover) {
        check(!autodiscover->email.empty());
        check(autodiscover->email.size() <= max_element_text);
        check(autodiscover->response_schema.size() <= max_element_text);
    }
    return 0;
}
