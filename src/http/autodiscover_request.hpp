// The body of an Outlook POX Autodiscover request: <Autodiscover><Request><EMailAddress>
// user@example.org</EMailAddress><AcceptableResponseSchema>...</AcceptableResponseSchema>
// </Request></Autodiscover> (namespace .../outlook/requestschema/2006). Only those two elements
// matter, so this is a bounded, single-pass scan of the markup, not an XML parser.
// SECURITY: the body is untrusted and at most max_autodiscover_request octets. Comments,
// processing instructions and CDATA sections are skipped, so text hidden in them is never
// taken; a DOCTYPE is refused, so no entity is ever declared or expanded (no XXE, no entity
// expansion bombs); element text is at most max_element_text octets; two EMailAddress
// elements are an error, not a choice. Fuzzed by fuzz_http_request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::http {

inline constexpr std::size_t max_autodiscover_request = 64 * 1024;
inline constexpr std::size_t max_element_text = 1024;
// The schema Outlook asks for in AcceptableResponseSchema; the only one Harbor answers.
inline constexpr std::string_view outlook_response_schema =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

struct AutodiscoverRequest {
    std::string email;            // EMailAddress, entities decoded, XML white space trimmed
    std::string response_schema;  // AcceptableResponseSchema the same way; "" if absent
};

// Errc::Limit for a body over max_autodiscover_request; Errc::Invalid with the reason for
// malformed markup, a DOCTYPE, no EMailAddress or two of them.
Result<AutodiscoverRequest> parse_autodiscover_request(std::string_view body);

}  // namespace harbor::http
