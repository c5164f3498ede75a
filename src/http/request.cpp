// The HTTP/1.1 request parser over Boost.Beast: Beast frames the message (request line, fields,
// Content-Length or chunked body, RFC 9112 §2-§7); this file adds what Beast leaves to the
// server. See request.hpp.
#include "http/request.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/ascii.hpp"

namespace harbor::http {
namespace {

namespace beast_http = boost::beast::http;

constexpr std::size_t max_host = 255;  // RFC 1035 §2.3.4, as a domain name
constexpr std::size_t max_port_digits = 5;

bool is_hex(char c)
{
    return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 §2.3 unreserved, the characters a host name or IPv4 address is made of. The
// sub-delims and pct-encoded forms reg-name also allows name no host we serve: refused.
bool is_host_char(char c)
{
    return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int status_of(const boost::system::error_code& ec)
{
    if (ec == beast_http::error::header_limit) {
        return 431;  // RFC 6585 §5
    }
    if (ec == beast_http::error::body_limit) {
        return 413;  // RFC 9110 §15.5.14
    }
    // Beast takes only HTTP/1.0 and HTTP/1.1. DEVIATION(RFC 9110 §2.5): a later 1.x minor
    // version should be read as 1.1; it gets 505 like HTTP/2.0 (§15.6.6), as Beast refuses it.
    if (ec == beast_http::error::bad_version) {
        return 505;
    }
    return 400;
}

// The request-target (RFC 9112 §3.2): origin-form "/path?query", absolute-form
// "http://authority/path?query" (§3.2.2: a server MUST accept it; its authority overrides
// Host), asterisk-form "*" (OPTIONS). authority-form is only for CONNECT, which no page takes.
struct Target {
    std::string path;
    std::string query;
    std::optional<std::string> authority;
};

std::optional<Target> parse_target(std::string_view target)
{
    Target out;
    if (target == "*") {
        out.path = "*";
        return out;
    }
    std::string_view rest = target;
    for (std::string_view scheme : {"http://", "https://"}) {
        if (rest.size() >= scheme.size() && iequals(rest.substr(0, scheme.size()), scheme)) {
            rest.remove_prefix(scheme.size());
            const std::size_t end = rest.find_first_of("/?");
            const std::string_view authority = rest.substr(0, end);
            // RFC 9110 §4.2.4: userinfo in an http(s) URI is to be treated as an error.
            if (authority.find('@') != std::string_view::npos) {
                return std::nullopt;
            }
            out.authority = std::string(authority);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
            if (rest.empty() || rest.front() == '?') {
                out.path = "/";
            }
            break;
        }
    }
    if (!out.authority && (rest.empty() || rest.front() != '/')) {
        return std::nullopt;
    }
    const std::size_t question = rest.find('?');
    out.path += std::string(rest.substr(0, question));
    if (question != std::string_view::npos) {
        out.query = std::string(rest.substr(question + 1));
    }
    return out;
}

}  // namespace

struct RequestParser::Beast {
    beast_http::request_parser<beast_http::string_body> parser;
    bool expect_continue = false;
};

std::optional<std::string> normalize_host(std::string_view authority)
{
    std::string_view host = authority;
    std::string_view port;
    if (host.starts_with('[')) {
        // IP-literal (RFC 3986 §3.2.2): an IPv6 address; IPvFuture is refused.
        const std::size_t close = host.find(']');
        if (close == std::string_view::npos || close == 1) {
            return std::nullopt;
        }
        for (char c : host.substr(1, close - 1)) {
            if (!is_hex(c) && c != ':' && c != '.') {
                return std::nullopt;
            }
        }
        port = host.substr(close + 1);
        host = host.substr(0, close + 1);
        if (!port.empty() && port.front() != ':') {
            return std::nullopt;
        }
    } else {
        const std::size_t colon = host.find(':');
        if (colon != std::string_view::npos) {
            port = host.substr(colon);
            host = host.substr(0, colon);
        }
        for (char c : host) {
            if (!is_host_char(c)) {
                return std::nullopt;
            }
        }
    }
    if (!port.empty()) {
        port.remove_prefix(1);  // ":"; an empty port is allowed (RFC 3986 §3.2.3)
        if (port.size() > max_port_digits) {
            return std::nullopt;
        }
        for (char c : port) {
            if (!is_ascii_digit(c)) {
                return std::nullopt;
            }
        }
    }
    if (host.ends_with('.') && !host.starts_with('[')) {
        host.remove_suffix(1);  // the root label: "example.org." is "example.org"
    }
    if (host.size() > max_host) {
        return std::nullopt;
    }
    return ascii_lowercase(host);
}

RequestParser::RequestParser(RequestLimits limits) : beast_(std::make_unique<Beast>())
{
    beast_->parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    beast_->parser.body_limit(static_cast<std::uint64_t>(limits.body_limit));
    // Parse the body in the same call as the header when its octets are there already.
    beast_->parser.eager(true);
}

RequestParser::~RequestParser() = default;

void RequestParser::fail(int status, std::string reason)
{
    state_ = ParseState::Failed;
    error_status_ = status;
    error_ = std::move(reason);
}

std::size_t RequestParser::feed(std::string_view bytes)
{
    std::size_t used = 0;
    while (state_ == ParseState::NeedMore && used < bytes.size()) {
        boost::system::error_code ec;
        const std::size_t n = beast_->parser.put(
            boost::asio::const_buffer(bytes.data() + used, bytes.size() - used), ec);
        used += n;
        if (beast_->parser.is_header_done() && !header_checked_) {
            check_header();
            if (state_ == ParseState::Failed) {
                break;
            }
        }
        if (ec == beast_http::error::need_more) {
            break;
        }
        if (ec) {
            fail(status_of(ec), ec.message());
            break;
        }
        if (beast_->parser.is_done()) {
            state_ = ParseState::Done;
            break;
        }
        if (n == 0) {
            break;
        }
    }
    return used;
}

// The rules Beast does not apply, checked once the header block is complete.
void RequestParser::check_header()
{
    header_checked_ = true;
    const auto& message = beast_->parser.get();
    request_.version = message.version();  // 10 or 11: Beast refuses the others
    std::optional<Target> target = parse_target(message.target());
    if (!target) {
        return fail(400, "bad request-target");
    }
    // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, with more than one, or with an
    // invalid one; the absolute-form's authority replaces Host (§3.2.2).
    const std::size_t hosts = message.count(beast_http::field::host);
    if (hosts > 1 || (hosts == 0 && request_.version == 11)) {
        return fail(400, std::to_string(hosts) + " Host fields");
    }
    std::optional<std::string> host;
    if (target->authority) {
        host = normalize_host(*target->authority);
    } else if (hosts == 1) {
        host = normalize_host(trim_wsp(message[beast_http::field::host]));
    } else {
        host = std::string();
    }
    if (!host) {
        return fail(400, "invalid Host");
    }
    // RFC 9112 §6.1: Transfer-Encoding with Content-Length is refused (the smuggling frame);
    // chunked is the only coding we decode, anything else is 501 (§6.1, "does not understand").
    const std::size_t codings = message.count(beast_http::field::transfer_encoding);
    if (codings > 0) {
        if (message.count(beast_http::field::content_length) > 0) {
            return fail(400, "Transfer-Encoding with Content-Length");
        }
        if (codings > 1 ||
            !iequals(trim_wsp(message[beast_http::field::transfer_encoding]), "chunked")) {
            return fail(501, "transfer coding other than chunked");
        }
    }
    // RFC 9110 §10.1.1: 100-continue is the only expectation defined; others are ignored.
    beast_->expect_continue = iequals(trim_wsp(message[beast_http::field::expect]), "100-continue");
    request_.method = std::string(message.method_string());
    request_.path = std::move(target->path);
    request_.query = std::move(target->query);
    request_.host = std::move(*host);
    request_.keep_alive = message.keep_alive();
}

bool RequestParser::wants_continue() const
{
    return state_ == ParseState::NeedMore && header_checked_ && beast_->expect_continue &&
           !beast_->parser.is_done();
}

Request RequestParser::take()
{
    request_.body = std::move(beast_->parser.get().body());
    return std::move(request_);
}

}  // namespace harbor::http
