// imap_fetch_dump: prints the FETCH data Harbor would send for message files, as JSON, for the
// differential test against Dovecot (test_fetch_vs_dovecot.py). Per message: RFC822.SIZE, BODY,
// BODYSTRUCTURE and ENVELOPE as the exact response text (RFC 9051 §7.5.2), and for every
// section of the part tree (§6.4.5: BODY[], HEADER, TEXT, HEADER.FIELDS[.NOT], each part
// number, its .MIME, and .HEADER/.TEXT/.HEADER.FIELDS of each message/rfc822 part) the size
// and SHA-256 of the string value a client receives (the bytes after imap_string's choice of
// quoted or literal form, so NUL already sent as 0x80).
// The files are read as they are: the driver writes them in the form the server stores (CRLF
// line ends, see test_fetch_vs_dovecot.py), and RFC822.SIZE is the file's size.
// Usage: imap_fetch_dump [--bytes] FILE...  (--bytes adds each section's value in base64)
// Output: a JSON array of {"file": path, ...} on stdout, in the order of the arguments;
// "headerless_parts" lists the part numbers that are the whole body of a multipart without
// delimiters (section.cpp), which the known differences name.
// SECURITY: test tool; reads untrusted files through the same bounded code as the server
// (mime::Limits, the section resolver). Response text that is not valid UTF-8 (8-bit header
// bytes, NUL sent as 0x80) is printed in base64 under "<item>_base64".
#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/hex.hpp"
#include "imap/fetch/bodystructure.hpp"
#include "imap/fetch/envelope.hpp"
#include "imap/fetch/imap_string.hpp"
#include "imap/fetch/section.hpp"
#include "mime/charset.hpp"
#include "mime/message.hpp"

namespace {

using nlohmann::json;
namespace imap = harbor::imap;
namespace mime = harbor::mime;

// Field names for the HEADER.FIELDS and HEADER.FIELDS.NOT sections: common ones, a
// structured one that is often folded (Content-Type), and one most messages lack (Cc).
constexpr std::string_view header_fields_list = "(DATE FROM TO CC SUBJECT MESSAGE-ID CONTENT-TYPE)";
constexpr std::string_view header_fields_not_list = "(RECEIVED CONTENT-TYPE X-MAILER)";

std::string read_all(const char* path, bool& ok)
{
    std::ifstream in(path, std::ios::binary);
    ok = in.good();
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string sha256_hex(std::string_view bytes)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &digest_length, EVP_sha256(),
                   nullptr) != 1) {
        return "error";
    }
    return harbor::lower_hex(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest_length));
}

// Response text goes into JSON as a string when it is valid UTF-8, else in base64.
void put_text(json& out, const std::string& key, const std::string& text)
{
    const mime::Utf8Text checked = mime::sanitize_utf8(text, text.size() * 3 + 16);
    if (!checked.had_invalid && !checked.truncated && checked.utf8 == text) {
        out[key] = text;
    } else {
        out[key + "_base64"] = harbor::encode_base64(text);
    }
}

// The value a client reads from a string in the response (RFC 9051 §4.3): a quoted string
// without its escapes, or a literal's bytes. Reads only what append_string writes.
std::string string_value(std::string_view wire)
{
    std::string value;
    if (!wire.empty() && wire.front() == '"') {
        for (std::size_t i = 1; i + 1 < wire.size(); ++i) {
            if (wire[i] == '\\') {
                ++i;
            }
            value += wire[i];
        }
        return value;
    }
    const std::size_t start = wire.find("}\r\n");
    return start == std::string_view::npos ? std::string(wire) : std::string(wire.substr(start + 3));
}

// RFC 9051 §6.4.5 part numbers below `message` (a message: the whole one, or the one inside a
// message/rfc822 part): a multipart's parts are numbered from 1; any other body is part 1.
struct SectionList {
    std::vector<std::string> sections;
    std::vector<std::string> headerless_parts;  // part 1 of each multipart without delimiters
};

void add_message_sections(const mime::Part& message, const std::string& prefix,
                          SectionList& list);

// The one headerless part of a multipart without delimiters (section.cpp): its number and
// .MIME, and a note so that the driver can tell these parts apart.
void add_headerless_part(const std::string& number, SectionList& list)
{
    list.sections.push_back(number);
    list.sections.push_back(number + ".MIME");
    list.headerless_parts.push_back(number);
}

void add_part_sections(const mime::Part& part, const std::string& number, SectionList& list)
{
    std::vector<std::string>& sections = list.sections;
    sections.push_back(number);
    sections.push_back(number + ".MIME");
    if (part.content_type.is_encapsulated_message() && !part.children.empty()) {
        sections.push_back(number + ".HEADER");
        sections.push_back(number + ".TEXT");
        sections.push_back(number + ".HEADER.FIELDS " + std::string(header_fields_list));
        sections.push_back(number + ".HEADER.FIELDS.NOT " + std::string(header_fields_not_list));
        add_message_sections(part.children.front(), number + ".", list);
    } else if (part.content_type.is_multipart()) {
        // A multipart without delimiters has one headerless part, its whole body
        // (bodystructure.cpp, section.cpp), so a client may ask for its part 1.
        const std::size_t count = part.children.empty() ? 1 : part.children.size();
        for (std::size_t i = 0; i < count; ++i) {
            const std::string child_number = number + "." + std::to_string(i + 1);
            if (i < part.children.size()) {
                add_part_sections(part.children[i], child_number, list);
            } else {
                add_headerless_part(child_number, list);
            }
        }
    }
}

void add_message_sections(const mime::Part& message, const std::string& prefix,
                          SectionList& list)
{
    if (!message.content_type.is_multipart()) {
        add_part_sections(message, prefix + "1", list);
        return;
    }
    const std::size_t count = message.children.empty() ? 1 : message.children.size();
    for (std::size_t i = 0; i < count; ++i) {
        const std::string number = prefix + std::to_string(i + 1);
        if (i < message.children.size()) {
            add_part_sections(message.children[i], number, list);
        } else {
            add_headerless_part(number, list);
        }
    }
}

json section_json(std::string_view raw, const mime::Message& message, const std::string& text,
                  bool with_bytes)
{
    json out = {{"section", text}};
    const harbor::Result<imap::Section> spec = imap::parse_section(text);
    if (!spec) {
        out["error"] = "parse: " + spec.error().detail;
        return out;
    }
    const harbor::Result<imap::SectionBytes> bytes = imap::resolve_section(raw, message, *spec);
    if (!bytes) {
        out["error"] = bytes.error().detail;
        return out;
    }
    const std::string value = string_value(imap::format_string(bytes->bytes()));
    out["size"] = value.size();
    out["sha256"] = sha256_hex(value);
    if (with_bytes) {
        out["base64"] = harbor::encode_base64(value);
    }
    return out;
}

json message_json(const char* path, std::string_view raw, bool with_bytes)
{
    const mime::Message message = mime::parse_message(raw);
    json out = {{"file", path},
                {"truncated", std::string(mime::limit_name(message.truncated))},
                {"rfc822_size", raw.size()}};
    put_text(out, "body", imap::format_body_structure(message, imap::StructureForm::Body));
    put_text(out, "bodystructure",
             imap::format_body_structure(message, imap::StructureForm::BodyStructure));
    put_text(out, "envelope", imap::format_envelope(message.root.fields));

    SectionList list;
    list.sections = {"", "HEADER", "TEXT", "HEADER.FIELDS " + std::string(header_fields_list),
                     "HEADER.FIELDS.NOT " + std::string(header_fields_not_list)};
    add_message_sections(message.root, "", list);
    out["headerless_parts"] = list.headerless_parts;
    json section_list = json::array();
    for (const std::string& section : list.sections) {
        section_list.push_back(section_json(raw, message, section, with_bytes));
    }
    out["sections"] = std::move(section_list);
    return out;
}

}  // namespace

int main(int argc, char** argv)
{
    bool with_bytes = false;
    std::vector<const char*> files;
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--bytes") {
            with_bytes = true;
        } else {
            files.push_back(argv[i]);
        }
    }
    if (files.empty()) {
        std::cerr << "usage: imap_fetch_dump [--bytes] FILE...\n";
        return 1;
    }
    json out = json::array();
    for (const char* file : files) {
        bool ok = false;
        const std::string raw = read_all(file, ok);
        if (!ok) {
            std::cerr << "imap_fetch_dump: cannot read " << file << '\n';
            return 1;
        }
        out.push_back(message_json(file, raw, with_bytes));
    }
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::strict) << '\n';
    return 0;
}
