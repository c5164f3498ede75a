// Header block splitting and unfolding: RFC 5322 §2.2 (fields), §2.2.3 (folding), §3.6, §4.5
// (obsolete: WSP before the colon), RFC 6532 §3.2 (UTF-8 bytes are kept as they are).
// SECURITY: one forward pass over the block; at most max_header_fields views are stored and a
// block or line past its limit is still scanned to its end (no allocation) so offsets stay exact.
#include "mime/header.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace harbor::mime {
namespace {

// RFC 5322 §3.6.8 ftext: printable US-ASCII except ':'.
bool is_field_name(std::string_view name)
{
    if (name.empty()) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 33 && byte <= 126 && c != ':';
    });
}


}  // namespace

std::string_view limit_name(Limit limit)
{
    switch (limit) {
    case Limit::None: return "none";
    case Limit::HeaderFields: return "max_header_fields";
    case Limit::TotalHeaderFields: return "max_total_header_fields";
    case Limit::HeaderBytes: return "max_header_bytes";
    case Limit::LineLength: return "max_line_length";
    case Limit::Depth: return "max_depth";
    case Limit::Parts: return "max_parts";
    }
    return "unknown";
}

std::string_view field_extent(std::string_view text)
{
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n') {
            continue;
        }
        if (i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t')) {
            continue;
        }
        return text.substr(0, i);
    }
    return text;
}

HeaderBlock parse_header_block(std::string_view text, std::size_t base, const Limits& limits)
{
    HeaderBlock block;
    auto note = [&block](Limit limit) {
        if (block.truncated == Limit::None) {
            block.truncated = limit;
        }
    };
    // Continuation lines extend the last stored field, or go with a field dropped at a limit.
    enum class Last { None, Stored, Dropped };
    Last last = Last::None;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t newline = text.find('\n', pos);
        const std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
        std::size_t content_end = newline == std::string_view::npos ? text.size() : newline;
        if (content_end > pos && text[content_end - 1] == '\r') {
            --content_end;
        }
        const std::string_view line = text.substr(pos, content_end - pos);
        if (line.empty() && newline != std::string_view::npos) {
            block.length = next;  // the empty line ends the header (RFC 5322 §2.1)
            return block;
        }
        const bool too_long = line.size() > limits.max_line_length;
        const bool too_big = next > limits.max_header_bytes;
        if (too_long) {
            note(Limit::LineLength);
        }
        if (too_big) {
            note(Limit::HeaderBytes);
        }
        if (is_wsp(line.empty() ? 'x' : line[0])) {
            // §2.2.3 continuation: it belongs to the field above, so that field grows.
            if (last == Last::Stored && !too_long && !too_big) {
                HeaderField& field = block.fields.back();
                const std::size_t value_start = static_cast<std::size_t>(
                    field.value.data() - text.data());
                field.value = text.substr(value_start, content_end - value_start);
                field.length = base + next - field.offset;
            } else if (last == Last::None) {
                block.skipped_lines = true;
            }
            pos = next;
            continue;
        }
        last = Last::None;
        const std::size_t colon = line.find(':');
        std::string_view name = colon == std::string_view::npos ? line : line.substr(0, colon);
        while (!name.empty() && is_wsp(name.back())) {
            name.remove_suffix(1);  // §4.5.1 obs-optional: "Subject : x"
        }
        if (colon == std::string_view::npos || !is_field_name(name)) {
            block.skipped_lines = true;
        } else if (too_long || too_big) {
            last = Last::Dropped;  // noted above; the scan goes on to find the body
        } else if (block.fields.size() >= limits.max_header_fields) {
            note(Limit::HeaderFields);
            last = Last::Dropped;
        } else {
            HeaderField field;
            field.name = name;
            field.value = line.substr(colon + 1);
            field.offset = base + pos;
            field.length = next - pos;
            block.fields.push_back(field);
            last = Last::Stored;
        }
        pos = next;
    }
    block.length = text.size();
    block.missing_separator = true;
    return block;
}

std::string unfold(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\r' && i + 2 < value.size() && value[i + 1] == '\n' && is_wsp(value[i + 2])) {
            ++i;  // drop CR LF, keep the WSP
            continue;
        }
        if (c == '\n' && i + 1 < value.size() && is_wsp(value[i + 1])) {
            continue;
        }
        out.push_back(c);
    }
    return out;
}

std::size_t count_fields(const std::vector<HeaderField>& fields, std::string_view name)
{
    return static_cast<std::size_t>(
        std::count_if(fields.begin(), fields.end(),
                      [name](const HeaderField& field) { return iequals(field.name, name); }));
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name)
{
    for (const HeaderField& field : fields) {
        if (iequals(field.name, name)) {
            return &field;
        }
    }
    return nullptr;
}

}  // namespace harbor::mime
