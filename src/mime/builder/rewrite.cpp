// The disclaimer rewrite: find the main text parts, replace their bytes, copy the rest.
// See rewrite.hpp.
// SECURITY: untrusted message; offsets come from parse_message and are checked against
// raw.size(); edits are sorted and never overlap.
#include "mime/builder/rewrite.hpp"

#include <algorithm>

#include "mime/body.hpp"
#include "mime/builder/edits.hpp"
#include "mime/builder/header_encoding.hpp"
#include "mime/builder/message_builder.hpp"

#include "core/line_ends.hpp"

namespace harbor::mime {
namespace {

struct Targets {
    const Part* plain = nullptr;
    const Part* html = nullptr;
    std::vector<std::string_view> plain_boundaries;  // of the multiparts around it
    std::vector<std::string_view> html_boundaries;
};

bool is_attachment(const Part& part)
{
    return part.disposition.type == "attachment";
}

// The first text/plain and text/html children of `part`, looking into the first nested
// multipart/alternative or multipart/related (the usual "mixed > alternative > related"
// shapes) but never into message/rfc822 or signed content.
void find_targets(const Part& part, std::vector<std::string_view>& boundaries, Targets& targets,
                  bool& nested_seen)
{
    boundaries.push_back(part.content_type.boundary());
    for (const Part& child : part.children) {
        if (is_attachment(child)) {
            continue;
        }
        if (child.content_type.is("text", "plain") && targets.plain == nullptr) {
            targets.plain = &child;
            targets.plain_boundaries = boundaries;
        } else if (child.content_type.is("text", "html") && targets.html == nullptr) {
            targets.html = &child;
            targets.html_boundaries = boundaries;
        } else if (!nested_seen && !child.missing_boundary &&
                   (child.content_type.is("multipart", "alternative") ||
                    child.content_type.is("multipart", "related"))) {
            nested_seen = true;
            find_targets(child, boundaries, targets, nested_seen);
        }
    }
    boundaries.pop_back();
}

std::string with_plain_disclaimer(std::string text, std::string_view disclaimer)
{
    if (!text.empty() && text.back() != '\n') {
        text += "\r\n";
    }
    text += to_crlf(disclaimer);
    if (text.size() < 2 || text.substr(text.size() - 2) != "\r\n") {
        text += "\r\n";
    }
    return text;
}

std::string with_html_disclaimer(std::string html, std::string_view snippet)
{
    // The last "</body" in any case; HTML tag names are case-insensitive.
    std::size_t at = std::string::npos;
    for (std::size_t i = html.size(); i-- > 0;) {
        if (html[i] == '<' && html.size() - i >= 6 && iequals(html.substr(i, 6), "</body")) {
            at = i;
            break;
        }
    }
    if (at == std::string::npos) {
        html += snippet;
        return html;
    }
    html.insert(at, snippet);
    return html;
}

// Header fields for text in UTF-8: Content-Type with charset=utf-8 and the other parameters
// kept, and the transfer encoding.
std::string text_fields(const ContentType& type, std::string_view encoding)
{
    std::vector<BuildParameter> parameters;
    for (const MimeParameter& parameter : type.parameters.parameters) {
        if (parameter.name != "charset") {
            parameters.push_back(BuildParameter{parameter.name, parameter.value});
        }
    }
    parameters.push_back(BuildParameter{"charset", "utf-8"});
    std::string fields =
        format_field(parameter_field("Content-Type", type.type + "/" + type.subtype, parameters));
    fields += "Content-Transfer-Encoding: " + std::string(encoding) + "\r\n";
    return fields;
}

// The transfer encoding and encoded body of `text`, clear of every enclosing boundary.
std::pair<std::string_view, std::string> encode_text(std::string_view content_type,
                                                     std::string_view text,
                                                     const std::vector<std::string_view>& around,
                                                     BodyPosition position)
{
    std::string_view encoding = choose_transfer_encoding(content_type, text, position);
    std::string body = encode_body(encoding, text);
    const bool clash = std::any_of(around.begin(), around.end(), [&](std::string_view b) {
        return !b.empty() && boundary_occurs(body, b);
    });
    if (clash) {
        encoding = "base64";  // RFC 2046 §5.1.1; base64 has no "-"
        body = encode_body(encoding, text);
    }
    if (position == BodyPosition::EndOfMessage && !body.empty() &&
        body.substr(body.size() - std::min<std::size_t>(2, body.size())) != "\r\n") {
        body += encoding == "quoted-printable" ? "=\r\n" : "\r\n";
    }
    return {encoding, body};
}

// Replaces the header and body of a text part with the extended text.
Edit rewrite_text_part(std::string_view raw, const Part& part, bool top_level,
                       const std::vector<std::string_view>& around, std::string text)
{
    const std::string content_type = part.content_type.type + "/" + part.content_type.subtype;
    const auto [encoding, body] =
        encode_text(content_type, text, around,
                    top_level ? BodyPosition::EndOfMessage : BodyPosition::InsideMultipart);
    std::string fields = text_fields(part.content_type, encoding);
    if (top_level && find_field(part.fields, "MIME-Version") == nullptr) {
        fields = "MIME-Version: 1.0\r\n" + fields;  // RFC 2045 §4
    }

    std::string header;
    std::size_t cursor = part.header_offset;
    bool written = false;
    for (const HeaderField& field : part.fields) {
        if (!iequals(field.name, "Content-Type") &&
            !iequals(field.name, "Content-Transfer-Encoding")) {
            continue;
        }
        header.append(raw.substr(cursor, field.offset - cursor));
        if (!written) {
            header += fields;  // where the old Content-Type (or encoding) was
            written = true;
        }
        cursor = field.offset + field.length;
    }
    const std::string_view rest = raw.substr(cursor, part.body_offset - cursor);
    if (written) {
        header.append(rest);
    } else {
        // Before the empty line that ends the header, or at its end if there is none.
        std::size_t separator = 0;
        if (!part.missing_header_separator && !rest.empty() && rest.back() == '\n') {
            separator = rest.size() >= 2 && rest[rest.size() - 2] == '\r' ? 2 : 1;
        }
        header.append(rest.substr(0, rest.size() - separator));
        if (!header.empty() && header.back() != '\n') {
            header += "\r\n";
        }
        header += fields;
        header += separator == 0 ? std::string_view("\r\n") : rest.substr(rest.size() - separator);
    }
    // A delimiter at the very end of the input may lack its line end (RFC 2046 §5.1.1 wants
    // one); the new fields must not run on from it.
    if (part.header_offset > 0 && raw[part.header_offset - 1] != '\n') {
        header.insert(0, "\r\n");
    }
    return Edit{part.header_offset, part.body_offset + part.body_length - part.header_offset,
                header + body};
}

std::string disclaimer_part(const Disclaimer& disclaimer,
                            const std::vector<std::string_view>& around)
{
    ContentType type;
    type.defaulted = false;
    const std::string text = with_plain_disclaimer(std::string(), disclaimer.text);
    const auto [encoding, body] =
        encode_text("text/plain", text, around, BodyPosition::InsideMultipart);
    return text_fields(type, encoding) + "\r\n" + body;
}

// A single non-text part becomes the second part of a new multipart/mixed.
std::string wrap(std::string_view raw, const Part& root, const Disclaimer& disclaimer)
{
    const std::string_view body = body_bytes(raw, root);
    const std::string boundary = new_boundary({raw});
    std::string outer;
    std::string inner;
    for (const HeaderField& field : root.fields) {
        std::string_view bytes = raw.substr(field.offset, field.length);
        std::string& target =
            field.name.size() >= 8 && iequals(field.name.substr(0, 8), "Content-") ? inner : outer;
        target.append(bytes);
        if (bytes.empty() || bytes.back() != '\n') {
            target += "\r\n";
        }
    }
    if (find_field(root.fields, "MIME-Version") == nullptr) {
        outer += "MIME-Version: 1.0\r\n";
    }
    outer += format_field(
        parameter_field("Content-Type", "multipart/mixed", {BuildParameter{"boundary", boundary}}));
    outer += "\r\n";
    outer += "--" + boundary + "\r\n";
    outer += disclaimer_part(disclaimer, {boundary});
    outer += "\r\n--" + boundary + "\r\n";
    outer += inner;
    outer += "\r\n";
    outer += body;
    outer += "\r\n--" + boundary + "--\r\n";
    return outer;
}

}  // namespace

std::string_view rewrite_status_name(RewriteStatus status)
{
    switch (status) {
        case RewriteStatus::Changed:
            return "changed";
        case RewriteStatus::SkippedSigned:
            return "skipped: signed";
        case RewriteStatus::SkippedEncrypted:
            return "skipped: encrypted";
        case RewriteStatus::SkippedTruncated:
            return "skipped: truncated";
        case RewriteStatus::SkippedMalformed:
            return "skipped: malformed";
    }
    return "unknown";
}

RewriteResult append_disclaimer(std::string_view raw, const Message& message,
                                const Disclaimer& disclaimer)
{
    RewriteResult result;
    const Part& root = message.root;
    const auto skip = [&](RewriteStatus status) {
        result.status = status;
        result.bytes = std::string(raw);
        return result;
    };
    if (root.content_type.is_signed()) {
        return skip(RewriteStatus::SkippedSigned);
    }
    if (root.content_type.is("multipart", "encrypted")) {
        return skip(RewriteStatus::SkippedEncrypted);
    }
    if (message.truncated != Limit::None) {
        return skip(RewriteStatus::SkippedTruncated);
    }

    const bool text_root =
        (root.content_type.is("text", "plain") || root.content_type.is("text", "html")) &&
        !is_attachment(root);
    if (text_root) {
        std::string text = decode_text(raw, root).utf8;
        text = root.content_type.is("text", "html") ? with_html_disclaimer(text, disclaimer.html)
                                                    : with_plain_disclaimer(text, disclaimer.text);
        std::optional<std::string> rewritten =
            apply_edits(raw, {rewrite_text_part(raw, root, true, {}, std::move(text))});
        if (!rewritten) {
            return skip(RewriteStatus::SkippedMalformed);
        }
        result.bytes = std::move(*rewritten);
        result.changes.push_back("top-level text/" + root.content_type.subtype + " extended");
        return result;
    }
    if (!root.content_type.is_multipart()) {
        result.bytes = wrap(raw, root, disclaimer);
        result.changes.push_back("wrapped " + root.content_type.type + "/" +
                                 root.content_type.subtype + " into multipart/mixed");
        return result;
    }
    if (root.missing_boundary || root.children.empty()) {
        return skip(RewriteStatus::SkippedMalformed);
    }

    Targets targets;
    std::vector<std::string_view> boundaries;
    bool nested_seen = false;
    find_targets(root, boundaries, targets, nested_seen);
    std::vector<Edit> edits;
    if (targets.plain != nullptr) {
        std::string text =
            with_plain_disclaimer(decode_text(raw, *targets.plain).utf8, disclaimer.text);
        edits.push_back(rewrite_text_part(raw, *targets.plain, false, targets.plain_boundaries,
                                          std::move(text)));
        result.changes.push_back("text/plain part extended");
    }
    if (targets.html != nullptr) {
        std::string html =
            with_html_disclaimer(decode_text(raw, *targets.html).utf8, disclaimer.html);
        edits.push_back(
            rewrite_text_part(raw, *targets.html, false, targets.html_boundaries, std::move(html)));
        result.changes.push_back("text/html part extended");
    }
    if (edits.empty()) {
        // Only attachments: a new first part, right after the first delimiter line.
        const std::string boundary(root.content_type.boundary());
        edits.push_back(
            Edit{root.children.front().header_offset, 0,
                 disclaimer_part(disclaimer, {boundary}) + "\r\n--" + boundary + "\r\n"});
        result.changes.push_back("text/plain part added before the first part");
    }
    std::optional<std::string> rewritten = apply_edits(raw, std::move(edits));
    if (!rewritten) {
        return skip(RewriteStatus::SkippedMalformed);
    }
    result.bytes = std::move(*rewritten);
    return result;
}

}  // namespace harbor::mime
