// Section specs and BINARY (RFC 9051 §6.4.5, §9; RFC 3516). See section.hpp.
#include "imap/fetch/section.hpp"

#include <algorithm>
#include <charconv>

#include "core/ascii.hpp"
#include "imap/fetch/bodystructure.hpp"

namespace harbor::imap {
namespace {

Unexpected invalid(std::string detail)
{
    return unexpected(Errc::Invalid, std::move(detail));
}

bool starts_with_keyword(std::string_view text, std::string_view keyword)
{
    return text.size() >= keyword.size() && iequals(text.substr(0, keyword.size()), keyword);
}

// RFC 9051 §9 header-list = "(" header-fld-name *(SP header-fld-name) ")", names are astrings.
Result<std::vector<std::string>> parse_header_list(std::string_view text)
{
    if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
        return invalid("header list must be parenthesized");
    }
    text = text.substr(1, text.size() - 2);
    std::vector<std::string> names;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (!names.empty()) {
            if (text[pos] != ' ') {
                return invalid("header names are separated by one space");
            }
            ++pos;
        }
        std::string name;
        if (pos < text.size() && text[pos] == '"') {
            ++pos;
            while (pos < text.size() && text[pos] != '"') {
                if (text[pos] == '\\' && pos + 1 < text.size()) {
                    ++pos;
                }
                name += text[pos++];
            }
            if (pos >= text.size()) {
                return invalid("unterminated quoted header name");
            }
            ++pos;
        } else {
            // RFC 5322 §3.6.8 ftext: printable ASCII except ':'; a '(' ')' '"' ends the atom.
            while (pos < text.size() && text[pos] > ' ' && text[pos] < 0x7f && text[pos] != ':' &&
                   text[pos] != '(' && text[pos] != ')' && text[pos] != '"') {
                name += text[pos++];
            }
        }
        if (name.empty()) {
            return invalid("empty header field name");
        }
        if (names.size() >= max_section_fields) {
            return unexpected(Errc::Limit, "too many header field names");
        }
        names.push_back(std::move(name));
    }
    if (names.empty()) {
        return invalid("empty header list");
    }
    return names;
}

// Parses the section-msgtext or section-text after the part numbers.
Result<void> parse_section_text(std::string_view text, bool after_part, Section& spec)
{
    if (iequals(text, "HEADER")) {
        spec.text = SectionText::Header;
    } else if (iequals(text, "TEXT")) {
        spec.text = SectionText::Text;
    } else if (iequals(text, "MIME")) {
        if (!after_part) {
            return invalid("MIME needs a part number");  // §9 section-text
        }
        spec.text = SectionText::Mime;
    } else if (starts_with_keyword(text, "HEADER.FIELDS")) {
        text.remove_prefix(13);
        spec.text = SectionText::HeaderFields;
        if (starts_with_keyword(text, ".NOT")) {
            text.remove_prefix(4);
            spec.text = SectionText::HeaderFieldsNot;
        }
        if (text.empty() || text.front() != ' ') {
            return invalid("HEADER.FIELDS needs a header list");
        }
        Result<std::vector<std::string>> names = parse_header_list(text.substr(1));
        if (!names) {
            return unexpected(std::move(names).error());
        }
        spec.fields = std::move(*names);
    } else {
        return invalid("unknown section text");
    }
    return ok();
}

bool is_message_part(const mime::Part& part)
{
    return part.content_type.is_encapsulated_message() && !part.children.empty();
}

// Walks the part numbers (RFC 9051 §6.4.5): numbers index a multipart's parts; a
// message/rfc822 part's numbers are those of its encapsulated message; the body of a message
// that is not multipart is its part 1. Returns the part (nullptr for the whole message) and
// the message whose header and text HEADER and TEXT name.
struct Located {
    const mime::Part* part = nullptr;
    const mime::Part* message = nullptr;
    bool headerless = false;  // part 1 of a multipart without delimiters: its whole body
};

// A multipart in which no delimiter was found (mime::Part::missing_boundary) has one part,
// its whole body without a header, as BODYSTRUCTURE describes it (bodystructure.cpp).
bool is_delimiterless_multipart(const mime::Part& part)
{
    return part.content_type.is_multipart() && part.children.empty();
}

Result<Located> locate(const mime::Message& message, const std::vector<std::uint32_t>& numbers)
{
    Located found{nullptr, &message.root};
    for (const std::uint32_t number : numbers) {
        const mime::Part* container = found.message;
        if (found.headerless) {
            return unexpected(Errc::NotFound, "a leaf part has no parts");
        }
        if (found.part != nullptr) {
            if (is_message_part(*found.part)) {
                container = &found.part->children.front();
            } else if (found.part->content_type.is_multipart()) {
                container = found.part;
            } else {
                return unexpected(Errc::NotFound, "a leaf part has no parts");
            }
        }
        if (is_delimiterless_multipart(*container)) {
            if (number != 1) {
                return unexpected(Errc::NotFound, "no such part");
            }
            found.part = container;
            found.headerless = true;
        } else if (container->content_type.is_multipart()) {
            if (number == 0 || number > container->children.size()) {
                return unexpected(Errc::NotFound, "no such part");
            }
            found.part = &container->children[number - 1];
        } else if (number == 1) {
            found.part = container;  // the body of a single-part message
        } else {
            return unexpected(Errc::NotFound, "no such part");
        }
    }
    return found;
}

std::string_view slice(std::string_view raw, std::size_t offset, std::size_t length)
{
    return raw.substr(std::min(offset, raw.size()), length);
}

std::string select_fields(std::string_view raw, const mime::Part& message, const Section& spec)
{
    const bool wanted_if_listed = spec.text == SectionText::HeaderFields;
    std::string out;
    for (const mime::HeaderField& field : message.fields) {
        const bool listed =
            std::any_of(spec.fields.begin(), spec.fields.end(),
                        [&](const std::string& name) { return iequals(name, field.name); });
        if (listed == wanted_if_listed) {
            out += slice(raw, field.offset, field.length);
        }
    }
    // §6.4.5: "The blank line is included in all header fetches"; none if there was none.
    if (!message.missing_header_separator) {
        out += "\r\n";
    }
    return out;
}

}  // namespace

Result<Section> parse_section(std::string_view text)
{
    Section spec;
    std::size_t pos = 0;
    // section-part = nz-number *("." nz-number)
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        std::uint32_t number = 0;
        const auto [end, error] =
            std::from_chars(text.data() + pos, text.data() + text.size(), number);
        if (error != std::errc() || number == 0 || text[pos] == '0') {
            return invalid("part numbers are nz-number");
        }
        if (spec.part.size() >= max_section_parts) {
            return unexpected(Errc::Limit, "too many part numbers");
        }
        spec.part.push_back(number);
        pos = static_cast<std::size_t>(end - text.data());
        if (pos == text.size()) {
            return spec;
        }
        if (text[pos] != '.') {
            return invalid("part numbers are separated by '.'");
        }
        ++pos;
        if (pos == text.size()) {
            return invalid("trailing '.'");
        }
    }
    if (pos == text.size()) {
        return spec;  // BODY[]: the whole message
    }
    HARBOR_TRY(parse_section_text(text.substr(pos), !spec.part.empty(), spec));
    return spec;
}

Result<SectionBytes> resolve_section(std::string_view raw, const mime::Message& message,
                                     const Section& spec)
{
    Result<Located> found = locate(message, spec.part);
    if (!found) {
        return unexpected(std::move(found).error());
    }
    const mime::Part* part = found->part;
    SectionBytes bytes;
    switch (spec.text) {
        case SectionText::None:
            bytes.range = part == nullptr ? raw : slice(raw, part->body_offset, part->body_length);
            return bytes;
        case SectionText::Mime:
            // The headerless part's MIME header is empty (RFC 2046 §5.1.1 allows no header).
            bytes.range = found->headerless
                               ? slice(raw, part->body_offset, 0)
                               : slice(raw, part->header_offset, part->header_length);
            return bytes;
        default:
            break;
    }
    // HEADER, TEXT and HEADER.FIELDS name a message: the whole one, or a message/rfc822 part.
    const mime::Part* target = found->message;
    if (part != nullptr) {
        if (found->headerless || !is_message_part(*part)) {
            return unexpected(Errc::NotFound, "HEADER and TEXT need a message/rfc822 part");
        }
        target = &part->children.front();
    }
    if (spec.text == SectionText::Header && target == &message.root) {
        // The message's header starts at its first byte: a leading BOM that the parser
        // skipped (mime::Message::leading_bom) is kept, so HEADER followed by TEXT is the
        // whole message (RFC 9051 §6.4.5 HEADER and TEXT split the message).
        bytes.range = raw.substr(0, std::min(raw.size(), target->header_offset +
                                                              target->header_length));
    } else if (spec.text == SectionText::Header) {
        bytes.range = slice(raw, target->header_offset, target->header_length);
    } else if (spec.text == SectionText::Text) {
        bytes.range = slice(raw, target->body_offset, target->body_length);
    } else {
        bytes.synthesized = select_fields(raw, *target, spec);
    }
    return bytes;
}

std::string_view apply_partial(std::string_view bytes, const Partial& partial)
{
    if (partial.offset >= bytes.size()) {
        return {};
    }
    const auto origin = static_cast<std::size_t>(partial.offset);
    const std::uint64_t available = bytes.size() - origin;
    return bytes.substr(origin, static_cast<std::size_t>(std::min(partial.length, available)));
}

Result<std::string> binary_section(std::string_view raw, const mime::Message& message,
                                   const std::vector<std::uint32_t>& part, mime::BodyLimits limits)
{
    Result<Located> found = locate(message, part);
    if (!found) {
        return unexpected(std::move(found).error());
    }
    if (found->part == nullptr) {
        return std::string(raw);
    }
    const mime::Part& target = *found->part;
    // RFC 3516 §4.3: an encoding we do not know cannot be undone. A Content-Transfer-Encoding
    // that is not even a token is read as absent (7bit), as BODYSTRUCTURE reports it.
    if (target.transfer_encoding == mime::TransferEncoding::Unknown &&
        encoding_name(target) != "7bit") {
        return unexpected(Errc::Unsupported, "UNKNOWN-CTE");
    }
    mime::DecodedBody decoded = mime::decode_body(raw, target, limits);
    if (decoded.truncated) {
        return unexpected(Errc::Limit, "part too large to decode");
    }
    return std::move(decoded.bytes);
}

Result<std::uint64_t> binary_size(std::string_view raw, const mime::Message& message,
                                  const std::vector<std::uint32_t>& part, mime::BodyLimits limits)
{
    Result<std::string> content = binary_section(raw, message, part, limits);
    if (!content) {
        return unexpected(std::move(content).error());
    }
    return static_cast<std::uint64_t>(content->size());
}

}  // namespace harbor::imap
