// mime_dump: prints Harbor's view of MIME messages as JSON, for the differential test against
// Python's email package (test_mime_vs_python.py). Per part: the content type and its
// parameters, the disposition, the transfer encoding, the header field names in order, the
// decoded Subject/From/To/Cc, the decoded body (UTF-8 text for text/* leaves, SHA-256 and size
// of the transfer-decoded bytes for every leaf, and for text also SHA-256 with CRLF made LF) and
// the children.
// Usage: mime_dump PATH...  (a directory is read recursively, files in sorted order).
// Output: a JSON array of {"file": path, "message": {...}} on stdout.
// SECURITY: test tool; reads untrusted files through the same bounded parser as the server
// (mime::Limits, BodyLimits). Every string it prints is valid UTF-8: decoded values are checked
// (an invalid one is a Harbor bug and makes the tool exit 2), raw field names are sanitized.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mime/address_list.hpp"
#include "mime/body.hpp"
#include "mime/charset.hpp"
#include "mime/message.hpp"
#include "mime/rfc2047.hpp"

namespace {

using nlohmann::json;
namespace mime = harbor::mime;

std::string read_all(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
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
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < digest_length; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 0x0f]);
    }
    return out;
}

std::string crlf_to_lf(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
            continue;
        }
        out.push_back(bytes[i]);
    }
    return out;
}

json parameters_json(const mime::ParameterList& list)
{
    // Pairs, not an object: order of first appearance is part of what is compared.
    json out = json::array();
    for (const mime::MimeParameter& parameter : list.parameters) {
        out.push_back(json::array({parameter.name, parameter.value}));
    }
    return out;
}

json addresses_json(std::string_view field_body)
{
    const mime::AddressList list = mime::parse_address_list(field_body);
    json out = json::array();
    for (const mime::Address& address : list.addresses) {
        out.push_back({{"name", address.display_name},
                       {"addr", mime::address_spec(address)},
                       {"group", address.group}});
    }
    return out;
}

json headers_json(const mime::Part& part)
{
    json names = json::array();
    for (const mime::HeaderField& field : part.fields) {
        // Names are raw bytes (RFC 5322 §3.6.8 allows only printable ASCII, but input is input).
        names.push_back(mime::sanitize_utf8(field.name).utf8);
    }
    json out = {{"names", names}};
    if (const mime::HeaderField* subject = mime::find_field(part.fields, "Subject")) {
        out["subject"] = mime::decode_rfc2047(subject->value).utf8;
    }
    for (const char* name : {"From", "To", "Cc"}) {
        if (const mime::HeaderField* field = mime::find_field(part.fields, name)) {
            std::string key(name);
            std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) {
                return static_cast<char>(c | 0x20);
            });
            out[key] = addresses_json(field->value);
        }
    }
    return out;
}

json part_json(std::string_view raw, const mime::Part& part)
{
    json out;
    out["type"] = part.content_type.type;
    out["subtype"] = part.content_type.subtype;
    out["defaulted"] = part.content_type.defaulted;
    out["params"] = parameters_json(part.content_type.parameters);
    out["disposition"] = part.disposition.type;
    out["disposition_params"] = parameters_json(part.disposition.parameters);
    out["cte"] = std::string(mime::transfer_encoding_name(part.transfer_encoding));
    out["headers"] = headers_json(part);
    // Harbor's own notes on malformed input: the table of known differences keys on them.
    json flags = json::array();
    const std::pair<bool, const char*> notes[] = {
        {part.content_type.defaulted, "defaulted_type"},
        {part.content_type.malformed, "malformed_type"},
        {part.skipped_header_lines, "skipped_header_lines"},
        {part.missing_header_separator, "missing_header_separator"},
        {part.missing_boundary, "missing_boundary"},
        {part.missing_close_delimiter, "missing_close_delimiter"},
    };
    for (const auto& [present, name] : notes) {
        if (present) {
            flags.push_back(name);
        }
    }
    out["flags"] = std::move(flags);
    const bool is_leaf = part.children.empty() && !part.content_type.is_multipart();
    if (is_leaf) {
        const mime::DecodedBody body = mime::decode_body(raw, part);
        out["body_sha256"] = sha256_hex(body.bytes);
        out["body_size"] = body.bytes.size();
        if (part.content_type.type == "text") {
            // RFC 2046 §4.1.1: CRLF is text's line break, and Harbor's quoted-printable decoder
            // writes it for every hard break (RFC 2045 §6.7 rule 5) even in an LF-only input.
            out["body_sha256_lf"] = sha256_hex(crlf_to_lf(body.bytes));
            const mime::BodyText text = mime::decode_text(raw, part);
            out["text"] = text.utf8;
            out["charset"] = text.charset;
            out["unknown_charset"] = text.unknown_charset;
            out["charset_guessed"] = text.charset_guessed;
        }
    }
    json children = json::array();
    for (const mime::Part& child : part.children) {
        children.push_back(part_json(raw, child));
    }
    out["children"] = std::move(children);
    return out;
}

void collect(const std::filesystem::path& path, std::vector<std::filesystem::path>& files)
{
    if (std::filesystem::is_directory(path)) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
            if (entry.is_regular_file()) {
                files.push_back(entry.path());
            }
        }
    } else {
        files.push_back(path);
    }
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        collect(argv[i], files);
    }
    if (files.empty()) {
        std::cerr << "usage: mime_dump PATH...\n";
        return 1;
    }
    std::sort(files.begin(), files.end());
    json out = json::array();
    for (const std::filesystem::path& file : files) {
        const std::string raw = read_all(file);
        const mime::Message message = mime::parse_message(raw);
        out.push_back({{"file", file.string()},
                       {"truncated", std::string(mime::limit_name(message.truncated))},
                       {"message", part_json(raw, message.root)}});
    }
    try {
        // The strict handler throws on invalid UTF-8: Harbor promises valid UTF-8 everywhere.
        std::cout << out.dump(-1, ' ', false, json::error_handler_t::strict) << '\n';
    } catch (const json::exception& error) {
        std::cerr << "mime_dump: invalid UTF-8 in Harbor's output: " << error.what() << '\n';
        return 2;
    }
    return 0;
}
