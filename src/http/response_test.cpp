// Response serialization: the status line and fields (RFC 9112 §4, §6.2), HEAD (RFC 9110
// §9.3.2), the date form (RFC 9110 §5.6.7).
#include "http/response.hpp"

#include <gtest/gtest.h>

namespace harbor::http {
namespace {

using std::chrono::system_clock;

// 1994-11-06 08:49:37 UTC, RFC 9110's example.
const system_clock::time_point rfc_example = system_clock::from_time_t(784111777);

TEST(HttpDate, TheRfcExample)
{
    EXPECT_EQ(format_http_date(rfc_example), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(format_http_date(system_clock::from_time_t(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(FormatResponse, FieldsAndBody)
{
    Response response;
    response.content_type = "text/plain";
    response.body = "version: STSv1\r\n";
    const std::string bytes = format_response(response, Framing{false, true, rfc_example});
    EXPECT_EQ(bytes,
              "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: Harbor\r\n"
              "Content-Type: text/plain\r\nX-Content-Type-Options: nosniff\r\n"
              "Content-Length: 16\r\nCache-Control: no-store\r\n\r\nversion: STSv1\r\n");
}

TEST(FormatResponse, HeadKeepsTheLengthDropsTheBody)
{
    const Response response = text_response(200, "Harbor\n");
    const std::string bytes = format_response(response, Framing{true, true, rfc_example});
    EXPECT_NE(bytes.find("Content-Length: 7\r\n"), std::string::npos);
    EXPECT_TRUE(bytes.ends_with("\r\n\r\n")) << bytes;
}

TEST(FormatResponse, CloseAndAllow)
{
    Response refused = text_response(405);
    refused.allow = "GET, HEAD";
    const std::string bytes = format_response(refused, Framing{false, false, rfc_example});
    EXPECT_TRUE(bytes.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << bytes;
    EXPECT_NE(bytes.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
    EXPECT_NE(bytes.find("\r\nConnection: close\r\n"), std::string::npos);
    EXPECT_TRUE(bytes.ends_with("\r\n\r\n405 Method Not Allowed\n")) << bytes;
}

TEST(TextResponse, ErrorsGetTheirReason)
{
    for (int status : {400, 403, 404, 405, 408, 413, 431, 500, 501, 503, 505}) {
        SCOPED_TRACE(status);
        EXPECT_FALSE(reason_phrase(status).empty());
        EXPECT_EQ(text_response(status).body,
                  std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n");
    }
}

}  // namespace
}  // namespace harbor::http
