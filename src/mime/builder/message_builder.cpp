// Writes a BuildPart tree as a MIME message (RFC 2045, RFC 2046). See message_builder.hpp.
#include "mime/builder/message_builder.hpp"

#include "core/base64.hpp"
#include "core/ids.hpp"
#include "core/quoted_printable.hpp"
#include "mime/header.hpp"

namespace harbor::mime {
namespace {

constexpr std::size_t boundary_random = 24;
constexpr std::size_t max_boundary_tries = 64;

enum class Octets { SevenBit, EightBit };

// RFC 2045 §2.7/§2.8: no NUL, CR and LF only as CRLF, lines of at most 998 octets; 7bit also
// has no byte above 127.
bool is_line_data(std::string_view body, Octets octets)
{
    std::size_t line = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        const auto byte = static_cast<unsigned char>(body[i]);
        if (byte == 0 || (byte > 127 && octets == Octets::SevenBit)) {
            return false;
        }
        if (byte == '\r') {
            if (i + 1 >= body.size() || body[i + 1] != '\n') {
                return false;
            }
            ++i;
            line = 0;
            continue;
        }
        if (byte == '\n') {
            return false;
        }
        if (++line > max_line_octets) {
            return false;
        }
    }
    return true;
}

bool ends_line(std::string_view body)
{
    return body.empty() || (body.size() >= 2 && body.substr(body.size() - 2) == "\r\n");
}

bool is_text(std::string_view content_type)
{
    return content_type.substr(0, 5) == "text/";
}

bool is_message(std::string_view content_type)
{
    return content_type.substr(0, 8) == "message/";
}

bool is_mime_field(std::string_view name)
{
    return iequals(name, "MIME-Version") || iequals(name, "Content-Type") ||
           iequals(name, "Content-Transfer-Encoding") || iequals(name, "Content-Disposition");
}

struct BuiltPart {
    std::string bytes;  // header, empty line, body
    bool eight_bit = false;
};

BuiltPart build_part(const BuildPart& part, BodyPosition position, bool top_level);

std::string_view resolve_encoding(const BuildPart& part, BodyPosition position)
{
    const bool can_end = position == BodyPosition::InsideMultipart || ends_line(part.body);
    switch (part.encoding) {
        case BodyEncoding::SevenBit:
            if (is_line_data(part.body, Octets::SevenBit)) {
                return "7bit";
            }
            break;
        case BodyEncoding::EightBit:
            if (is_line_data(part.body, Octets::EightBit)) {
                return "8bit";
            }
            break;
        case BodyEncoding::QuotedPrintable:
            return "quoted-printable";
        case BodyEncoding::Base64:
            return "base64";
        case BodyEncoding::Auto:
            break;
    }
    if (is_message(part.content_type)) {
        // RFC 2046 §5.2.1: message/rfc822 is 7bit, 8bit or binary only.
        if (is_line_data(part.body, Octets::SevenBit) && can_end) {
            return "7bit";
        }
        if (is_line_data(part.body, Octets::EightBit) && can_end) {
            return "8bit";
        }
        // DEVIATION(RFC 2046 §5.2.1): bytes that are not line data (bare LF, lines past 998)
        // cannot go as 8bit within RFC 5322 §2.1.1, so they are base64; readers decode it.
        return "base64";
    }
    return choose_transfer_encoding(part.content_type, part.body, position);
}

std::string build_body(const BuildPart& part, BodyPosition position, std::string_view encoding)
{
    std::string body = encode_body(encoding, part.body);
    if (position == BodyPosition::EndOfMessage && !ends_line(body)) {
        // The message must end in CRLF (RFC 5322 §2.1); a QP soft break adds no content.
        body += encoding == "quoted-printable" ? "=\r\n" : "\r\n";
    }
    return body;
}

BuiltPart build_multipart(const BuildPart& part, BodyPosition position, bool top_level)
{
    std::vector<BuiltPart> children;
    std::vector<std::string_view> contents;
    bool eight_bit = false;
    for (const BuildPart& child : part.children) {
        children.push_back(build_part(child, BodyPosition::InsideMultipart, false));
        eight_bit = eight_bit || children.back().eight_bit;
    }
    if (children.empty()) {
        children.push_back(BuiltPart{"\r\n", false});  // RFC 2046 §5.1.1: one part at least
    }
    for (const BuiltPart& child : children) {
        contents.push_back(child.bytes);
    }
    const std::string boundary = new_boundary(contents);

    std::vector<BuildParameter> parameters;
    for (const BuildParameter& parameter : part.content_type_parameters) {
        if (!iequals(parameter.name, "boundary")) {
            parameters.push_back(parameter);
        }
    }
    parameters.push_back(BuildParameter{"boundary", boundary});

    BuiltPart built;
    built.eight_bit = eight_bit;
    for (const BuildField& field : part.headers) {
        if (!is_mime_field(field.name)) {
            built.bytes += format_field(field);
        }
    }
    if (top_level) {
        built.bytes += "MIME-Version: 1.0\r\n";  // RFC 2045 §4
    }
    built.bytes += format_field(parameter_field("Content-Type", part.content_type, parameters));
    // RFC 2045 §6.4: a multipart is 7bit or 8bit, whatever its parts hold.
    built.bytes += eight_bit ? "Content-Transfer-Encoding: 8bit\r\n" : "";
    if (!part.disposition.empty()) {
        built.bytes += format_field(
            parameter_field("Content-Disposition", part.disposition, part.disposition_parameters));
    }
    built.bytes += "\r\n";
    for (const BuiltPart& child : children) {
        built.bytes += "--" + boundary + "\r\n";
        built.bytes += child.bytes;
        built.bytes += "\r\n";  // RFC 2046 §5.1.1: this CRLF belongs to the delimiter
    }
    built.bytes += "--" + boundary + "--";
    if (position == BodyPosition::EndOfMessage) {
        built.bytes += "\r\n";
    }
    return built;
}

BuiltPart build_part(const BuildPart& part, BodyPosition position, bool top_level)
{
    if (part.content_type.substr(0, 10) == "multipart/") {
        return build_multipart(part, position, top_level);
    }
    BuiltPart built;
    std::string body;
    std::string_view encoding;
    if (is_message(part.content_type) && part.children.size() == 1) {
        const BuiltPart inner = build_part(part.children.front(), position, true);
        body = inner.bytes;
        encoding = inner.eight_bit ? "8bit" : "7bit";
    } else {
        encoding = resolve_encoding(part, position);
        body = build_body(part, position, encoding);
    }
    built.eight_bit = encoding == "8bit";
    for (const BuildField& field : part.headers) {
        if (!is_mime_field(field.name)) {
            built.bytes += format_field(field);
        }
    }
    if (top_level) {
        built.bytes += "MIME-Version: 1.0\r\n";
    }
    built.bytes += format_field(
        parameter_field("Content-Type", part.content_type, part.content_type_parameters));
    built.bytes += "Content-Transfer-Encoding: ";
    built.bytes += encoding;
    built.bytes += "\r\n";
    if (!part.disposition.empty()) {
        built.bytes += format_field(
            parameter_field("Content-Disposition", part.disposition, part.disposition_parameters));
    }
    built.bytes += "\r\n";
    built.bytes += body;
    return built;
}

}  // namespace

std::string_view choose_transfer_encoding(std::string_view content_type, std::string_view body,
                                          BodyPosition position)
{
    const bool can_end = position == BodyPosition::InsideMultipart || ends_line(body);
    if (can_end && is_line_data(body, Octets::SevenBit)) {
        return "7bit";
    }
    if (is_text(content_type)) {
        // "Mostly ASCII" measured by the result: quoted-printable while it is not longer.
        const std::size_t base64_size =
            (body.size() + 2) / 3 * 4 * (mime_max_line + 2) / mime_max_line;
        if (encode_quoted_printable(body).size() <= base64_size) {
            return "quoted-printable";
        }
    }
    return "base64";
}

std::string encode_body(std::string_view encoding, std::string_view body)
{
    if (encoding == "base64") {
        return encode_base64_mime(body);
    }
    if (encoding == "quoted-printable") {
        return encode_quoted_printable(body);
    }
    return std::string(body);
}

bool boundary_occurs(std::string_view bytes, std::string_view boundary)
{
    std::size_t at = bytes.find(boundary);
    while (at != std::string_view::npos) {
        if (at >= 2 && bytes.substr(at - 2, 2) == "--") {
            return true;
        }
        at = bytes.find(boundary, at + 1);
    }
    return false;
}

std::string new_boundary(const std::vector<std::string_view>& contents)
{
    // "=_" cannot come out of quoted-printable ("=" is always followed by hex or a line break)
    // or base64, so only 7bit/8bit content can hold it; the check below covers that.
    std::string boundary;
    for (std::size_t attempt = 0;; ++attempt) {
        boundary = "=_harbor_" + random_token(boundary_random);
        if (attempt >= max_boundary_tries) {
            boundary += random_token(boundary_random);  // 70 at most (RFC 2046 §5.1.1)
        }
        bool clash = false;
        for (const std::string_view content : contents) {
            clash = clash || boundary_occurs(content, boundary);
        }
        if (!clash) {
            return boundary;
        }
    }
}

std::string build_message(const BuildPart& root)
{
    return build_part(root, BodyPosition::EndOfMessage, true).bytes;
}

}  // namespace harbor::mime
