// An HTTP/1.1 response (RFC 9112 §4, §6) as the pages build it, and its bytes on the wire: the
// status line, Date (RFC 9110 §6.6.1), Server, Content-Type, Content-Length, Cache-Control
// (RFC 9111 §5.2), Allow for 405 (RFC 9110 §15.5.6), Connection: close when the session ends.
// SECURITY: no field value here comes from the request, so none can carry a CRLF into the
// header block; bodies are the pages' own text with any request text XML-escaped.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace harbor::http {

struct Response {
    int status = 200;
    std::string content_type;  // with the body; "" for none
    std::string body;
    std::string cache_control = "no-store";
    std::string allow;  // 405: the methods the resource takes, "GET, HEAD"
};

// A short text/plain response: "404 Not Found\n" for an error, `body` otherwise.
Response text_response(int status, std::string body = {});

std::string_view reason_phrase(int status);  // "Not Found"; "" for a status we never send

// How the response goes out.
struct Framing {
    bool head = false;       // a HEAD request: the fields of a GET, no body (RFC 9110 §9.3.2)
    bool keep_alive = true;  // false: "Connection: close" and the session ends
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

std::string format_response(const Response& response, const Framing& framing);

// The interim response that asks a client to send its body (RFC 9110 §15.2.1).
inline constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT"; locale-free.
std::string format_http_date(std::chrono::system_clock::time_point time);

}  // namespace harbor::http
