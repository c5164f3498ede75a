// The Authentication-Results header field (RFC 8601): what this server concluded about a
// message's SPF, DKIM, DMARC and ARC, added at the top of every inbound message, and the
// fields that claim to come from us but arrive from outside, which must go (RFC 8601 §5).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::auth {

// One "ptype.property=value" (RFC 8601 §2.3), e.g. smtp.mailfrom=example.com,
// header.d=example.com.
struct ResultProperty {
    std::string ptype;     // smtp, header, body, policy
    std::string property;  // mailfrom, helo, d, s, i, b, from, ...
    std::string value;
};

// One method's result (RFC 8601 §2.2 resinfo): spf=pass, dkim=fail, dmarc=none ...
struct ResultInfo {
    std::string method;  // spf, dkim, dmarc, arc, auth (RFC 8601 §2.7)
    std::string result;  // pass, fail, softfail, neutral, none, temperror, permerror, policy
    std::string reason;  // free text, quoted in the field; empty: none
    std::vector<ResultProperty> properties;
    std::string comment;  // written "(comment)" after the result, e.g. DMARC's "p=reject"
};

// The whole field, "Authentication-Results: " through the final CRLF, each result on a line of
// its own (folded with a tab). No results: "authserv-id; none" (RFC 8601 §2.2 no-result).
// Values are written as tokens where RFC 2045 allows, addresses and domains bare, anything
// else as a quoted-string.
std::string authentication_results_field(std::string_view authserv_id,
                                         const std::vector<ResultInfo>& results);

// The authserv-id an Authentication-Results field value starts with (comments and folding
// skipped, a quoted-string unquoted); empty if it has none.
std::string authserv_id_of(std::string_view field_value);

// Where a header field lies in a message: offset of its name, length through its line end.
struct FieldSpan {
    std::size_t offset = 0;
    std::size_t length = 0;
};

// The Authentication-Results fields of `message`'s header whose authserv-id is ours (compared
// without regard to case): forged, or ours from an earlier pass, and in either case not to be
// trusted. The whole header is scanned however many fields it has (no parser limit may hide
// one), holding only the spans found; a field whose value cannot be read is kept.
std::vector<FieldSpan> results_claiming(std::string_view message, std::string_view authserv_id);

}  // namespace harbor::auth
