// The Autodiscover request scan: Outlook's request, missing and doubled addresses, oversized
// bodies, and markup built to fool a scanner (comments, CDATA, quoted '>', DOCTYPE entities).
#include "http/autodiscover_request.hpp"

#include <gtest/gtest.h>

namespace harbor::http {
namespace {

std::string request_with(std::string_view inner)
{
    return std::string(
               "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
               "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/"
               "requestschema/2006\">\r\n  <Request>\r\n") +
           std::string(inner) + "\r\n  </Request>\r\n</Autodiscover>\r\n";
}

const std::string outlook = request_with(
    "    <EMailAddress>jo@example.org</EMailAddress>\r\n"
    "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    "responseschema/2006a</AcceptableResponseSchema>");

TEST(AutodiscoverRequest, WhatOutlookSends)
{
    Result<AutodiscoverRequest> parsed = parse_autodiscover_request(outlook);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
    EXPECT_EQ(parsed->email, "jo@example.org");
    EXPECT_EQ(parsed->response_schema, outlook_response_schema);
}

TEST(AutodiscoverRequest, FormsThatMeanTheSame)
{
    const std::string_view bodies[] = {
        // namespace prefix, white space around the text, attributes
        "<a:Autodiscover xmlns:a=\"x\"><a:Request><a:EMailAddress>\n jo@example.org \n"
        "</a:EMailAddress></a:Request></a:Autodiscover>",
        // references
        "<Request><EMailAddress>jo&#64;example.org</EMailAddress></Request>",
        "<Request><EMailAddress>jo&#x40;example.org</EMailAddress></Request>",
        // a quoted '>' in an attribute does not end the tag early
        "<Request x=\"<EMailAddress>evil@evil.example</EMailAddress>\">"
        "<EMailAddress>jo@example.org</EMailAddress></Request>",
        // no schema element at all
        "<EMailAddress>jo@example.org</EMailAddress >",
    };
    for (std::string_view body : bodies) {
        SCOPED_TRACE(body);
        Result<AutodiscoverRequest> parsed = parse_autodiscover_request(body);
        ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
        EXPECT_EQ(parsed->email, "jo@example.org");
    }
}

TEST(AutodiscoverRequest, HiddenTextIsNotTaken)
{
    // The address in a comment, a CDATA section or a processing instruction is not the one.
    const std::string_view bodies[] = {
        "<!-- <EMailAddress>evil@evil.example</EMailAddress> -->"
        "<EMailAddress>jo@example.org</EMailAddress>",
        "<Request><![CDATA[<EMailAddress>evil@evil.example</EMailAddress>]]>"
        "<EMailAddress>jo@example.org</EMailAddress></Request>",
        "<?pi <EMailAddress>evil@evil.example</EMailAddress> ?>"
        "<EMailAddress>jo@example.org</EMailAddress>",
    };
    for (std::string_view body : bodies) {
        SCOPED_TRACE(body);
        Result<AutodiscoverRequest> parsed = parse_autodiscover_request(body);
        ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
        EXPECT_EQ(parsed->email, "jo@example.org");
    }
}

TEST(AutodiscoverRequest, Refused)
{
    const std::string huge = request_with("<EMailAddress>jo@example.org</EMailAddress>" +
                                          std::string(max_autodiscover_request, ' '));
    const std::string long_text =
        "<EMailAddress>" + std::string(max_element_text + 1, 'a') + "</EMailAddress>";
    struct Case {
        std::string_view name;
        std::string body;
        Errc code;
    };
    const Case cases[] = {
        {"empty", "", Errc::Invalid},
        {"no address", request_with("<AcceptableResponseSchema>x</AcceptableResponseSchema>"),
         Errc::Invalid},
        {"empty address", "<EMailAddress> </EMailAddress>", Errc::Invalid},
        {"empty element", "<EMailAddress/>", Errc::Invalid},
        {"two addresses",
         "<EMailAddress>jo@example.org</EMailAddress><EMailAddress>x@evil.example</EMailAddress>",
         Errc::Invalid},
        {"doctype with entities",
         "<!DOCTYPE r [<!ENTITY a \"jo@example.org\">]><EMailAddress>&a;</EMailAddress>",
         Errc::Invalid},
        {"external entity",
         "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><EMailAddress>&x;"
         "</EMailAddress>",
         Errc::Invalid},
        {"unknown entity", "<EMailAddress>&x;</EMailAddress>", Errc::Invalid},
        {"control reference", "<EMailAddress>jo&#10;@example.org</EMailAddress>", Errc::Invalid},
        {"nested markup", "<EMailAddress>jo<b>@</b>example.org</EMailAddress>", Errc::Invalid},
        {"wrong end tag", "<EMailAddress>jo@example.org</EMailAddressX>", Errc::Invalid},
        {"unterminated element", "<EMailAddress>jo@example.org", Errc::Invalid},
        {"unterminated comment", "<!-- <EMailAddress>jo@example.org</EMailAddress>", Errc::Invalid},
        {"unterminated tag", "<EMailAddress", Errc::Invalid},
        {"unterminated quote", "<Request a=\"><EMailAddress>jo@example.org</EMailAddress>",
         Errc::Invalid},
        {"text too long", long_text, Errc::Invalid},
        {"oversized", huge, Errc::Limit},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        Result<AutodiscoverRequest> parsed = parse_autodiscover_request(c.body);
        ASSERT_FALSE(parsed.has_value()) << parsed->email;
        EXPECT_EQ(parsed.error().code, c.code) << parsed.error().to_string();
    }
}

TEST(AutodiscoverRequest, AtTheSizeLimit)
{
    std::string body = "<EMailAddress>jo@example.org</EMailAddress>";
    body += std::string(max_autodiscover_request - body.size(), ' ');
    EXPECT_TRUE(parse_autodiscover_request(body).has_value());
    body += ' ';
    EXPECT_FALSE(parse_autodiscover_request(body).has_value());
}

}  // namespace
}  // namespace harbor::http
