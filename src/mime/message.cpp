// Part tree parsing: header then body per RFC 5322 §2.1; multipart bodies split at delimiter
// lines per RFC 2046 §5.1.1 (the line end before a delimiter belongs to it, transport padding
// after it, preamble and epilogue ignored); message/rfc822 and message/global parsed again.
// SECURITY: recursion depth <= max_depth, parts <= max_parts, header fields <= the total cap;
// each level scans its body once for delimiters (lines are counted once in all), so work is
// O(depth * input) and allocation O(parts + fields).
#include "mime/message.hpp"

#include <algorithm>

namespace harbor::mime {
namespace {

// Line ends in `text`, 255 bytes at a time into an 8-bit counter: compilers turn the inner loop
// into byte-wide SIMD compares and adds (std::count widens every match to 64 bits, several
// times slower on base64 attachments, where counting lines was half of the parse time).
std::size_t count_newlines(std::string_view text)
{
    std::size_t total = 0;
    const char* bytes = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const std::size_t block = std::min<std::size_t>(left, 255);
        unsigned char in_block = 0;  // at most 255: cannot wrap
        for (std::size_t i = 0; i < block; ++i) {
            in_block = static_cast<unsigned char>(in_block + (bytes[i] == '\n' ? 1 : 0));
        }
        total += in_block;
        bytes += block;
        left -= block;
    }
    return total;
}

struct Delimiter {
    std::size_t line_start = 0;  // the "--" of the delimiter line
    std::size_t part_end = 0;    // line_start minus the line end before it (it belongs here)
    std::size_t next = 0;        // just past the delimiter line (and its line end)
    bool close = false;          // "--boundary--"
};

class Parser {
public:
    Parser(std::string_view raw, const Limits& limits, Message& message)
        : raw_(raw), limits_(limits), message_(message)
    {
    }

    // Parses [begin, end) of the input as one part (header, body) at `depth`.
    void parse_part(Part& part, std::size_t begin, std::size_t end, std::size_t depth,
                    DefaultType default_type)
    {
        ++message_.part_count;
        message_.max_depth_seen = std::max(message_.max_depth_seen, depth);
        Limits block_limits = limits_;
        block_limits.max_header_fields =
            std::min(limits_.max_header_fields, limits_.max_total_header_fields - fields_used_);
        HeaderBlock block = parse_header_block(raw_.substr(begin, end - begin), begin,
                                               block_limits);
        fields_used_ += block.fields.size();
        if (block.truncated == Limit::HeaderFields &&
            block_limits.max_header_fields < limits_.max_header_fields) {
            block.truncated = Limit::TotalHeaderFields;
        }
        note(block.truncated);
        part.header_offset = begin;
        part.header_length = block.length;
        part.body_offset = begin + block.length;
        part.body_length = end - part.body_offset;
        part.skipped_header_lines = block.skipped_lines;
        part.missing_header_separator = block.missing_separator;
        part.fields = std::move(block.fields);

        const HeaderField* type_field = find_field(part.fields, "Content-Type");
        part.content_type = type_field != nullptr
                                ? parse_content_type(type_field->value, default_type)
                                : default_content_type(default_type);
        if (const HeaderField* field = find_field(part.fields, "Content-Transfer-Encoding")) {
            part.transfer_encoding = parse_transfer_encoding(field->value);
        }
        if (const HeaderField* field = find_field(part.fields, "Content-Disposition")) {
            part.disposition = parse_content_disposition(field->value);
        }
        parse_children(part, depth);
        part.body_lines = count_body_lines(part);
    }

private:
    void parse_children(Part& part, std::size_t depth)
    {
        const bool container = part.content_type.is_multipart() ||
                               (part.content_type.is_encapsulated_message() && is_identity(part));
        if (!container) {
            return;
        }
        if (depth >= limits_.max_depth) {
            note(Limit::Depth);  // the part stays a leaf
            return;
        }
        if (part.content_type.is_multipart()) {
            parse_multipart(part, depth);
        } else if (reserve_part()) {
            part.children.emplace_back();
            parse_part(part.children.back(), part.body_offset,
                       part.body_offset + part.body_length, depth + 1, DefaultType::TextPlain);
        }
    }

    bool ends_unterminated(std::size_t offset, std::size_t length) const
    {
        return length > 0 && raw_[offset + length - 1] != '\n';
    }

    // The LFs of the body plus one for a final unterminated line. The children (in order,
    // disjoint, inside the body) were counted already, so only the bytes around them are read
    // here: preamble, delimiter lines, child headers, epilogue. Each byte is counted once, not
    // once per nesting level.
    std::size_t count_body_lines(const Part& part) const
    {
        std::size_t newlines = 0;
        std::size_t pos = part.body_offset;
        for (const Part& child : part.children) {
            newlines += count_newlines(raw_.substr(pos, child.body_offset - pos));
            newlines += child.body_lines -
                        (ends_unterminated(child.body_offset, child.body_length) ? 1 : 0);
            pos = child.body_offset + child.body_length;
        }
        const std::size_t body_end = part.body_offset + part.body_length;
        newlines += count_newlines(raw_.substr(pos, body_end - pos));
        return newlines + (ends_unterminated(part.body_offset, part.body_length) ? 1 : 0);
    }

    // RFC 2045 §6.4: an encapsulated message can only be parsed in place if not encoded;
    // RFC 6532 §3.5 allows 8bit/binary for message/global.
    static bool is_identity(const Part& part)
    {
        return part.transfer_encoding == TransferEncoding::SevenBit ||
               part.transfer_encoding == TransferEncoding::EightBit ||
               part.transfer_encoding == TransferEncoding::Binary;
    }

    void note(Limit limit)
    {
        if (message_.truncated == Limit::None && limit != Limit::None) {
            message_.truncated = limit;
        }
    }

    bool reserve_part()
    {
        if (message_.part_count >= limits_.max_parts) {
            note(Limit::Parts);
            return false;
        }
        return true;
    }

    // RFC 2046 §5.1.1: a delimiter line is "--" boundary, optionally "--" (close), then only
    // transport padding (SP / HTAB) up to the line end. Anything else (such as a longer
    // boundary that starts with this one) is body text.
    // The candidates are the '-' bytes in [pos, end) (memchr; base64 has none, text few) that
    // start a line: the same lines a line-by-line scan would test, and only those are compared
    // with the boundary, so the work stays O(body + lines * boundary) as before.
    bool find_delimiter(std::string_view boundary, std::size_t pos, std::size_t end,
                        Delimiter& found) const
    {
        const std::string_view region = raw_.substr(0, end);
        while (pos < end) {
            const std::size_t dash = region.find('-', pos);
            if (dash == std::string_view::npos) {
                return false;
            }
            const bool line_start = dash == 0 || raw_[dash - 1] == '\n';
            if (line_start && match_delimiter(boundary, dash, end, found)) {
                return true;
            }
            pos = dash + 1;
        }
        return false;
    }

    bool match_delimiter(std::string_view boundary, std::size_t pos, std::size_t end,
                         Delimiter& found) const
    {
        const std::string_view line = raw_.substr(pos, end - pos);
        if (line.size() < boundary.size() + 2 || line[0] != '-' || line[1] != '-' ||
            line.substr(2, boundary.size()) != boundary) {
            return false;
        }
        std::size_t i = boundary.size() + 2;
        bool close = false;
        if (line.substr(i, 2) == "--") {
            close = true;
            i += 2;
        }
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        if (i < line.size() && line[i] == '\r' && i + 1 < line.size() && line[i + 1] == '\n') {
            ++i;
        }
        if (i < line.size() && line[i] != '\n') {
            return false;
        }
        found.line_start = pos;
        found.next = pos + std::min(i + 1, line.size());
        found.close = close;
        found.part_end = pos;
        if (found.part_end > 0 && raw_[found.part_end - 1] == '\n') {
            --found.part_end;
            if (found.part_end > 0 && raw_[found.part_end - 1] == '\r') {
                --found.part_end;
            }
        }
        return true;
    }

    void parse_multipart(Part& part, std::size_t depth)
    {
        const std::string_view boundary = part.content_type.boundary();
        const std::size_t end = part.body_offset + part.body_length;
        // RFC 2046 §5.1.1 allows 1 to 70 characters; longer ones are still matched.
        Delimiter delimiter;
        if (boundary.empty() || !find_delimiter(boundary, part.body_offset, end, delimiter)) {
            part.missing_boundary = true;  // the body is all preamble, as mail readers show it
            return;
        }
        if (delimiter.close) {
            part.missing_boundary = true;  // §5.1.1 wants at least one body part before "--b--"
            return;
        }
        const DefaultType child_type = part.content_type.subtype == "digest"
                                           ? DefaultType::MessageRfc822
                                           : DefaultType::TextPlain;
        while (!delimiter.close) {
            const std::size_t child_begin = delimiter.next;
            Delimiter next_delimiter;
            const bool found = find_delimiter(boundary, child_begin, end, next_delimiter);
            // Without a close delimiter the last part runs to the end of the enclosing body.
            const std::size_t child_end =
                found ? std::max(child_begin, next_delimiter.part_end) : end;
            if (!reserve_part()) {
                return;
            }
            part.children.emplace_back();
            parse_part(part.children.back(), child_begin, child_end, depth + 1, child_type);
            if (!found) {
                part.missing_close_delimiter = true;
                return;
            }
            delimiter = next_delimiter;
        }
    }

    std::string_view raw_;
    const Limits& limits_;
    Message& message_;
    std::size_t fields_used_ = 0;
};

}  // namespace

namespace {

// A UTF-8 byte order mark (files saved by editors) is not part of the first field name; mail
// readers skip it, so the header starts after it.
std::size_t header_start(std::string_view raw)
{
    return raw.starts_with("\xef\xbb\xbf") ? 3 : 0;
}

}  // namespace

HeaderBlock parse_root_header(std::string_view raw, const Limits& limits)
{
    // Parser::parse_part's limits for the first part, with no fields used before it.
    Limits block_limits = limits;
    block_limits.max_header_fields =
        std::min(limits.max_header_fields, limits.max_total_header_fields);
    const std::size_t start = header_start(raw);
    return parse_header_block(raw.substr(start), start, block_limits);
}

Message parse_message(std::string_view raw, const Limits& limits)
{
    Message message;
    Parser parser(raw, limits, message);
    const std::size_t start = header_start(raw);
    message.leading_bom = start > 0;
    parser.parse_part(message.root, start, raw.size(), 0, DefaultType::TextPlain);
    return message;
}

std::string_view header_bytes(std::string_view raw, const Part& part)
{
    return raw.substr(part.header_offset, part.header_length);
}

std::string_view body_bytes(std::string_view raw, const Part& part)
{
    return raw.substr(part.body_offset, part.body_length);
}

}  // namespace harbor::mime
