// Fuzzes the FETCH data derived from a MIME parse (src/imap/fetch): BODYSTRUCTURE, BODY and
// ENVELOPE of any bytes are one well-formed parenthesized IMAP value (quoted strings without
// CR, LF, NUL or 8-bit, literals whose counts match, balanced parentheses; RFC 9051 §4, §9),
// and every section of every part resolves to bytes inside the message or a clean error.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/fetch/bodystructure.hpp"
#include "imap/fetch/envelope.hpp"
#include "imap/fetch/section.hpp"
#include "mime/message.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

// One parenthesized value made of NIL, numbers, quoted strings and literals.
void check_imap_value(std::string_view text)
{
    check(!text.empty() && text.front() == '(' && text.back() == ')');
    std::size_t depth = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        if (c == '(') {
            ++depth;
            ++pos;
        } else if (c == ')') {
            check(depth > 0);
            --depth;
            ++pos;
            check(depth > 0 || pos == text.size());  // one value, nothing after it
        } else if (c == '"') {
            ++pos;
            while (pos < text.size() && text[pos] != '"') {
                const auto byte = static_cast<unsigned char>(text[pos]);
                check(byte != 0 && byte != '\r' && byte != '\n' && byte < 0x80);
                pos += text[pos] == '\\' ? 2 : 1;
            }
            check(pos < text.size());
            ++pos;
        } else if (c == '{') {
            const std::size_t close = text.find('}', pos);
            check(close != std::string_view::npos && close > pos + 1);
            const std::size_t count =
                std::stoul(std::string(text.substr(pos + 1, close - pos - 1)));
            check(text.substr(close + 1, 2) == "\r\n");
            pos = close + 3;
            check(count <= text.size() - pos);
            check(text.substr(pos, count).find('\0') == std::string_view::npos);
            pos += count;
        } else {
            // Atoms between the strings: NIL, numbers and the separating spaces.
            check(c == ' ' || (c >= '0' && c <= '9') || c == 'N' || c == 'I' || c == 'L');
            ++pos;
        }
    }
    check(depth == 0);
}

void check_sections(std::string_view raw, const harbor::mime::Message& message,
                    const harbor::mime::Part& part, std::vector<std::uint32_t>& numbers)
{
    using namespace harbor::imap;
    static const char* const texts[] = {
        "", "MIME", "HEADER", "TEXT", "HEADER.FIELDS (Subject)", "HEADER.FIELDS.NOT (From)"};
    std::string prefix;
    for (std::uint32_t number : numbers) {
        prefix += std::to_string(number) + ".";
    }
    for (const char* text : texts) {
        std::string section = prefix + text;
        if (!section.empty() && section.back() == '.') {
            section.pop_back();
        }
        harbor::Result<Section> spec = parse_section(section);
        if (!spec) {
            check(numbers.empty() && std::string_view(text) == "MIME");
            continue;
        }
        harbor::Result<SectionBytes> bytes = resolve_section(raw, message, *spec);
        if (bytes && !bytes->synthesized) {
            const std::string_view range = bytes->range;
            check(range.empty() || (range.data() >= raw.data() &&
                                    range.data() + range.size() <= raw.data() + raw.size()));
        }
    }
    harbor::mime::BodyLimits limits;
    limits.max_input = 1 << 16;
    limits.max_output = 1 << 16;
    (void)binary_size(raw, message, numbers, limits);
    // Numbering (RFC 9051 §6.4.5): a multipart's parts, or an encapsulated message's parts.
    const harbor::mime::Part* container = &part;
    if (part.content_type.is_encapsulated_message() && !part.children.empty()) {
        container = &part.children.front();
    }
    if (!container->content_type.is_multipart() || numbers.size() >= 4) {
        return;
    }
    for (std::size_t i = 0; i < container->children.size() && i < 8; ++i) {
        numbers.push_back(static_cast<std::uint32_t>(i + 1));
        check_sections(raw, message, container->children[i], numbers);
        numbers.pop_back();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    harbor::mime::Limits limits;
    limits.max_depth = 12;
    limits.max_parts = 64;
    const harbor::mime::Message message = harbor::mime::parse_message(raw, limits);
    using harbor::imap::StructureForm;
    const std::string structure =
        harbor::imap::format_body_structure(message, StructureForm::BodyStructure);
    const std::string body = harbor::imap::format_body_structure(message, StructureForm::Body);
    check_imap_value(structure);
    check_imap_value(body);
    check(body.size() <= structure.size());
    check_imap_value(harbor::imap::format_envelope(message.root.fields));
    std::vector<std::uint32_t> numbers;
    check_sections(raw, message, message.root, numbers);
    return 0;
}
