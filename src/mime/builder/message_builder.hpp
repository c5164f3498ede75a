// Building a MIME message from a tree of parts (RFC 5322 §2, RFC 2045, RFC 2046): header
// fields encoded by header_encoding.hpp, a Content-Transfer-Encoding chosen per part
// (RFC 2045 §6), multipart boundaries that occur in no part (RFC 2046 §5.1.1), CRLF lines of
// at most 998 octets (RFC 5322 §2.1.1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/builder/header_encoding.hpp"

namespace harbor::mime {

enum class BodyEncoding {
    Auto,             // 7bit when the bytes allow it, else quoted-printable or base64
    SevenBit,         // used only when the body is 7bit data (RFC 2045 §2.7); else Auto
    EightBit,         // used only when the body is 8bit data (§2.8); else Auto
    QuotedPrintable,  // text/* only in practice; any bytes round-trip
    Base64,
};

struct BuildPart {
    // Fields written before the MIME ones, in order. Fields named MIME-Version or
    // Content-Type/-Transfer-Encoding/-Disposition are dropped: the builder writes those.
    std::vector<BuildField> headers;
    std::string content_type = "text/plain";              // "type/subtype", lower case
    std::vector<BuildParameter> content_type_parameters;  // "boundary" is always generated
    std::string disposition;                             // "inline", "attachment" or empty for none
    std::vector<BuildParameter> disposition_parameters;  // "filename", ...
    // The content, before transfer encoding. Text is taken byte for byte: line ends are the
    // caller's (CRLF is the canonical form, RFC 2046 §4.1.1); bare CR or LF are kept by
    // choosing quoted-printable or base64.
    std::string body;
    BodyEncoding encoding = BodyEncoding::Auto;
    // multipart/*: the parts. message/rfc822 (RFC 2046 §5.2.1): one child, built as a whole
    // message, or no child and `body` holding the message bytes as they are.
    std::vector<BuildPart> children;
};

// The whole message: the top-level part with "MIME-Version: 1.0" (RFC 2045 §4). A top-level
// body that does not end in CRLF is given one; under 7bit that CRLF becomes content, so Auto
// picks quoted-printable (text) or base64 for such bodies and the bytes survive exactly.
std::string build_message(const BuildPart& root);

// The transfer encoding Auto gives `body` for `content_type` (RFC 2045 §6): "7bit" when every
// byte is 1..127, CR and LF come only as CRLF and lines are at most 998 octets; for text,
// quoted-printable when it is not longer than base64; base64 otherwise.
// `needs_final_crlf`: the body is the last thing in the message, so 7bit needs a final CRLF.
enum class BodyPosition { InsideMultipart, EndOfMessage };
std::string_view choose_transfer_encoding(std::string_view content_type, std::string_view body,
                                          BodyPosition position);

// `body` in the named encoding ("7bit", "8bit", "quoted-printable", "base64"), lines CRLF.
std::string encode_body(std::string_view encoding, std::string_view body);

// True when `bytes` holds `boundary` after "--" anywhere (RFC 2046 §5.1.1: "must not appear
// inside any of the encapsulated parts"; checking every position is stricter than lines).
bool boundary_occurs(std::string_view bytes, std::string_view boundary);

// A boundary (RFC 2046 §5.1.1 bchars, at most 70) that occurs in none of `contents`.
std::string new_boundary(const std::vector<std::string_view>& contents);

}  // namespace harbor::mime
