// Fuzzes the header writers of mime/builder: any UTF-8 text (the input made valid first) is
// written as an unstructured field, a display name or a parameter value, and our decoders give
// the same text back; every line ends in CRLF, is at most 998 octets, and lines holding
// encoded-words are at most 76 (RFC 2047 §2). The first byte picks the writer.
#include <cstdint>
#include <string>
#include <string_view>

#include "mime/address_list.hpp"
#include "mime/builder/header_encoding.hpp"
#include "mime/charset.hpp"
#include "mime/content_type.hpp"
#include "mime/rfc2047.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

void check_lines(std::string_view field)
{
    std::size_t start = 0;
    check(field.size() >= 2 && field.substr(field.size() - 2) == "\r\n");
    while (start < field.size()) {
        const std::size_t lf = field.find('\n', start);
        check(lf != std::string_view::npos && lf > start && field[lf - 1] == '\r');
        const std::string_view line = field.substr(start, lf - 1 - start);
        check(line.find('\r') == std::string_view::npos);
        check(line.size() <= harbor::mime::max_line_octets);
        if (line.find("=?utf-8?") != std::string_view::npos) {
            check(line.size() <= harbor::mime::encoded_word_line);
        }
        // RFC 5322 §3.2.2: a folded line is never only whitespace.
        check(line.find_first_not_of(" \t") != std::string_view::npos);
        start = lf + 1;
    }
}

std::string trimmed(std::string text)
{
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::uint8_t mode = data[0] % 3;
    const std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string text = harbor::mime::sanitize_utf8(raw).utf8;

    if (mode == 0) {
        const harbor::mime::BuildField field = harbor::mime::unstructured_field("Subject", text);
        check_lines(harbor::mime::format_field(field));
        std::string_view body = field.body;
        if (!body.empty()) {
            check(body.front() == ' ' || body.front() == '\r');
            if (body.front() == ' ') {
                body.remove_prefix(1);
            }
        }
        const harbor::mime::DecodedHeader decoded = harbor::mime::decode_rfc2047(body);
        // Past max_encoded_words the decoder stops decoding (a limit of the reader, not ours).
        check(decoded.too_many_words || decoded.utf8 == text);
    } else if (mode == 1) {
        harbor::mime::Address address;
        address.display_name = trimmed(text);
        address.local_part = "user";
        address.domain = "example.org";
        const harbor::mime::BuildField field = harbor::mime::address_field("To", {address});
        check_lines(harbor::mime::format_field(field));
        const harbor::mime::AddressList parsed = harbor::mime::parse_address_list(field.body);
        check(parsed.addresses.size() == 1);
        check(parsed.addresses[0].local_part == "user");
        check(parsed.addresses[0].domain == "example.org");
        check(parsed.truncated || parsed.addresses[0].display_name == address.display_name);
    } else {
        const harbor::mime::BuildField field = harbor::mime::parameter_field(
            "Content-Disposition", "attachment", {{"filename", text}});
        check_lines(harbor::mime::format_field(field));
        const harbor::mime::ContentDisposition parsed =
            harbor::mime::parse_content_disposition(field.body);
        check(parsed.type == "attachment");
        const harbor::mime::MimeParameter* filename =
            harbor::mime::find_parameter(parsed.parameters, "filename");
        // Past max_sections the parser stops joining (its limit, not ours).
        check(parsed.parameters.truncated || (filename != nullptr && filename->value == text));
    }
    return 0;
}
