// One HTTP/1.1 request (RFC 9112) as the pages see it, and the incremental parser that reads it
// from the bytes of a connection: Boost.Beast's request parser with our limits, plus the checks
// Beast leaves to the server (one valid Host, RFC 9112 §3.2; no Content-Length next to
// Transfer-Encoding, §6.1; the request-target forms of §3.2).
// SECURITY: every byte fed is untrusted. The header block is at most header_limit octets, the
// body at most body_limit; a request that breaks a rule is an error status (400, 413, 431,
// 501, 505), never a guess, and the session closes the connection after answering it (no
// request smuggling through an ambiguous frame). Fuzzed by fuzz_http_request.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace harbor::http {

struct RequestLimits {
    std::size_t header_limit = 16 * 1024;  // request line and fields, CRLFs included
    std::size_t body_limit = 64 * 1024;    // after chunked decoding
};

struct Request {
    std::string method;  // as sent: methods are case-sensitive (RFC 9110 §9.1)
    std::string path;    // "/mail/config-v1.1.xml", percent-encoding kept; "*" for OPTIONS *
    std::string query;   // after "?", without it; "" if none
    // The authority the client asked for (RFC 9112 §3.2.2: the absolute-form's, else the Host
    // field's): lower case, without port or trailing dot; "" when the client named none.
    std::string host;
    std::string body;
    unsigned version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
    bool keep_alive = true;
    boost::asio::ip::address peer;  // the client, set by the session
};

// The parser's verdict on what it has been fed.
enum class ParseState {
    NeedMore,  // feed more bytes
    Done,      // take() the request; unused bytes belong to the next one
    Failed,    // answer error_status() and close
};

// One parser per request; not reusable. Header fields are checked as soon as the header block
// is complete, so an oversized or ambiguous request is refused before its body is read.
class RequestParser {
public:
    explicit RequestParser(RequestLimits limits = {});
    ~RequestParser();
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;

    // Takes what it can of `bytes` and returns how many octets it used. The rest (a partial
    // header block, or the start of the next pipelined request) must be offered again, with
    // more appended, on the next call (Done: to the next request's parser).
    std::size_t feed(std::string_view bytes);

    ParseState state() const { return state_; }
    // The header block is complete and valid, the body is not: a client that sent
    // "Expect: 100-continue" waits for a 100 (Continue) before sending it (RFC 9110 §10.1.1).
    bool wants_continue() const;
    // Failed: 400, 413 (body too large), 431 (header too large), 501 (unknown
    // Transfer-Encoding, RFC 9112 §6.1) or 505 (a version other than HTTP/1.0 and HTTP/1.1).
    int error_status() const { return error_status_; }
    // Failed: what was wrong, for the log (never sent to the client).
    const std::string& error() const { return error_; }

    // Done: the request; call once.
    Request take();

private:
    struct Beast;

    void fail(int status, std::string reason);
    void check_header();

    std::unique_ptr<Beast> beast_;
    ParseState state_ = ParseState::NeedMore;
    bool header_checked_ = false;
    int error_status_ = 0;
    std::string error_;
    Request request_;
};

// A Host field value or an absolute-form authority (RFC 9110 §7.2: uri-host [":" port]) to
// the form Request::host has. nullopt when it is not a valid authority.
std::optional<std::string> normalize_host(std::string_view authority);

}  // namespace harbor::http
