// Content-Type (RFC 2045 §5, defaults §5.2), Content-Disposition (RFC 2183 §2) and
// Content-Transfer-Encoding (RFC 2045 §6.1) as structured values; parameters via rfc2231.hpp.
// SECURITY: header text is untrusted; parsing never fails: a malformed value gives the RFC
// default and a flag. Parameter lists are bounded by Rfc2231Limits.
#pragma once

#include <string>
#include <string_view>

#include "mime/rfc2231.hpp"

namespace harbor::mime {

struct ContentType {
    std::string type = "text";      // lower case
    std::string subtype = "plain";  // lower case
    ParameterList parameters;
    bool defaulted = true;   // no usable field: the RFC 2045 §5.2 (or §5.1.5 digest) default
    bool malformed = false;  // a field was present but unusable, so the default applies

    bool is_multipart() const { return type == "multipart"; }
    bool is(std::string_view t, std::string_view s) const { return type == t && subtype == s; }
    // Signed or encrypted content whose bytes must not change: RFC 1847 multipart/signed and
    // RFC 8551 application/pkcs7-mime.
    bool is_signed() const
    {
        return is("multipart", "signed") || is("application", "pkcs7-mime") ||
               is("application", "x-pkcs7-mime");
    }
    // RFC 2046 §5.2.1 message/rfc822 and RFC 6532 §3.7 message/global hold a whole message.
    bool is_encapsulated_message() const;
    // The boundary parameter, or empty.
    std::string_view boundary() const;
};

enum class DefaultType { TextPlain, MessageRfc822 };

// text/plain; charset=us-ascii (RFC 2045 §5.2), or message/rfc822 inside multipart/digest
// (RFC 2046 §5.1.5).
ContentType default_content_type(DefaultType kind = DefaultType::TextPlain);

// `value` is the raw field value (folding kept). Malformed -> the default with malformed set.
ContentType parse_content_type(std::string_view value,
                               DefaultType fallback = DefaultType::TextPlain);

struct ContentDisposition {
    std::string type;  // lower case ("inline", "attachment", ...); empty if absent or malformed
    ParameterList parameters;
    bool malformed = false;
};

ContentDisposition parse_content_disposition(std::string_view value);

enum class TransferEncoding { SevenBit, EightBit, Binary, QuotedPrintable, Base64, Unknown };

// RFC 2045 §6.1 mechanism, case-insensitive, comments and whitespace ignored; absent means 7bit
// (§6.1); an unknown token gives Unknown (§6.4: treat the body as application/octet-stream).
TransferEncoding parse_transfer_encoding(std::string_view value);

std::string_view transfer_encoding_name(TransferEncoding encoding);

}  // namespace harbor::mime
