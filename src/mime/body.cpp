// Transfer decoding and charset conversion of one part. See body.hpp.
#include "mime/body.hpp"

#include "core/quoted_printable.hpp"
#include "mime/header.hpp"

#include "core/ascii.hpp"

namespace harbor::mime {
namespace {

bool is_ascii_label(std::string_view label)
{
    return iequals(label, "us-ascii") || iequals(label, "ascii") ||
           iequals(label, "ansi_x3.4-1968");
}

}  // namespace

DecodedBody decode_body(std::string_view raw, const Part& part, BodyLimits limits)
{
    DecodedBody result;
    std::string_view body = body_bytes(raw, part);
    const MimeDecodeLimits decode_limits{limits.max_input};
    if (part.content_type.is_multipart() || part.content_type.is_encapsulated_message()) {
        // RFC 2045 §6.4: composite types are never encoded; give the bytes as they are.
    } else if (part.transfer_encoding == TransferEncoding::Base64) {
        MimeBase64 decoded = decode_base64_mime(body, decode_limits);
        result.bytes = std::move(decoded.bytes);
        result.saw_invalid = decoded.saw_junk;
        result.truncated = decoded.truncated;
        return result;
    } else if (part.transfer_encoding == TransferEncoding::QuotedPrintable) {
        QpDecoded decoded = decode_quoted_printable(body, decode_limits);
        result.bytes = std::move(decoded.bytes);
        result.saw_invalid = decoded.saw_invalid;
        result.truncated = decoded.truncated;
        return result;
    }
    result.unknown_encoding = part.transfer_encoding == TransferEncoding::Unknown;
    if (body.size() > limits.max_input) {
        body = body.substr(0, limits.max_input);
        result.truncated = true;
    }
    result.bytes.assign(body);
    return result;
}

BodyText text_from_bytes(std::string_view bytes, std::string_view charset_label,
                         BodyLimits limits)
{
    BodyText result;
    result.charset = charset_label.empty() ? "us-ascii" : std::string(charset_label);
    for (char& c : result.charset) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    const CharsetLimits charset_limits{limits.max_input, limits.max_output};
    Utf8Text text;
    if (is_ascii_label(result.charset) && !is_ascii(bytes)) {
        // Mislabelled 8-bit text: UTF-8 if it is valid UTF-8, else what readers assume.
        Utf8Text as_utf8 = sanitize_utf8(bytes, limits.max_output);
        if (!as_utf8.had_invalid) {
            result.charset_guessed = true;
            text = std::move(as_utf8);
        } else {
            text = convert_to_utf8(result.charset, bytes, charset_limits);
        }
    } else {
        text = convert_to_utf8(result.charset, bytes, charset_limits);
    }
    if (text.unknown_charset) {
        // RFC 2049 §2 item 6 asks readers to show such text somehow; UTF-8 is the likeliest.
        text = sanitize_utf8(bytes, limits.max_output);
        result.unknown_charset = true;
    }
    result.utf8 = std::move(text.utf8);
    result.had_invalid = text.had_invalid;
    result.truncated = text.truncated;
    return result;
}

BodyText decode_text(std::string_view raw, const Part& part, BodyLimits limits)
{
    const DecodedBody body = decode_body(raw, part, limits);
    std::string_view label;
    if (const MimeParameter* charset = find_parameter(part.content_type.parameters, "charset")) {
        label = charset->value;
    }
    BodyText text = text_from_bytes(body.bytes, label, limits);
    text.had_invalid = text.had_invalid || body.saw_invalid;
    text.truncated = text.truncated || body.truncated;
    return text;
}

}  // namespace harbor::mime
