// Response serialization. See response.hpp.
#include "http/response.hpp"

#include <ctime>

#include <fmt/format.h>

namespace harbor::http {

std::string_view reason_phrase(int status)
{
    // RFC 9110 §15, RFC 6585 §5 (431).
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 413:
            return "Content Too Large";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "";
    }
}

Response text_response(int status, std::string body)
{
    Response response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = body.empty() && status >= 400
                        ? std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n"
                        : std::move(body);
    return response;
}

std::string format_http_date(std::chrono::system_clock::time_point time)
{
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", days[utc.tm_wday % 7],
                       utc.tm_mday, months[utc.tm_mon % 12], utc.tm_year + 1900, utc.tm_hour,
                       utc.tm_min, utc.tm_sec);
}

std::string format_response(const Response& response, const Framing& framing)
{
    std::string reason(reason_phrase(response.status));
    std::string out = fmt::format("HTTP/1.1 {} {}\r\nDate: {}\r\nServer: Harbor\r\n",
                                  response.status, reason, format_http_date(framing.now));
    if (!response.content_type.empty()) {
        out += "Content-Type: " + response.content_type + "\r\n";
        // The media type is ours; no browser may guess another (MTA-STS §3.2 asks senders to
        // check it against hosted non-text content for the same reason).
        out += "X-Content-Type-Options: nosniff\r\n";
    }
    // RFC 9110 §8.6: HEAD gets the Content-Length a GET would have.
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    if (!response.cache_control.empty()) {
        out += "Cache-Control: " + response.cache_control + "\r\n";
    }
    if (!response.allow.empty()) {
        out += "Allow: " + response.allow + "\r\n";
    }
    if (!framing.keep_alive) {
        out += "Connection: close\r\n";  // RFC 9112 §9.6
    }
    out += "\r\n";
    if (!framing.head) {
        out += response.body;
    }
    return out;
}

}  // namespace harbor::http
