// Fuzzes the MIME part tree parser (RFC 5322 headers, RFC 2046 multipart, message/rfc822):
// any bytes parse within the limits, every part's offsets lie inside the input, children lie
// inside their parent's body in order, and fields inside their header block.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "mime/message.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

std::size_t check_part(std::string_view raw, const harbor::mime::Part& part, std::size_t depth,
                       const harbor::mime::Limits& limits)
{
    check(part.header_offset + part.header_length == part.body_offset);
    check(part.body_offset + part.body_length <= raw.size());
    check(part.body_lines <= part.body_length);
    check(part.fields.size() <= limits.max_header_fields);
    check(depth <= limits.max_depth);
    for (const harbor::mime::HeaderField& field : part.fields) {
        check(field.offset >= part.header_offset);
        check(field.offset + field.length <= part.body_offset);
        check(field.name.data() == raw.data() + field.offset);
    }
    std::size_t count = 1;
    std::size_t previous_end = part.body_offset;
    for (const harbor::mime::Part& child : part.children) {
        check(child.header_offset >= previous_end);
        check(child.body_offset + child.body_length <= part.body_offset + part.body_length);
        previous_end = child.body_offset + child.body_length;
        count += check_part(raw, child, depth + 1, limits);
    }
    return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    // Small limits so that short inputs reach every truncation path.
    harbor::mime::Limits limits;
    limits.max_header_fields = 16;
    limits.max_total_header_fields = 64;
    limits.max_header_bytes = 1024;
    limits.max_line_length = 256;
    limits.max_depth = 8;
    limits.max_parts = 32;
    const harbor::mime::Message message = harbor::mime::parse_message(raw, limits);
    const std::size_t parts = check_part(raw, message.root, 0, limits);
    check(parts == message.part_count);
    check(parts <= limits.max_parts);
    check(message.max_depth_seen <= limits.max_depth);
    return 0;
}
