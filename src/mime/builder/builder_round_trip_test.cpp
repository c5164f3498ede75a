// Round trips through Harbor's own parser: what build_message and the field writers produce,
// parsed by parse_message and decoded (decode_rfc2047, parse_address_list,
// parse_mime_parameters, decode_body), equals what went in, for thousands of seeded random
// inputs; and every line built ends in CRLF and is at most 998 octets (RFC 5322 §2.1.1).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime/address_list.hpp"
#include "mime/body.hpp"
#include "mime/builder/builder_test_support.hpp"
#include "mime/builder/header_encoding.hpp"
#include "mime/builder/message_builder.hpp"
#include "mime/message.hpp"
#include "mime/rfc2047.hpp"

namespace harbor::mime {
namespace {

constexpr std::uint32_t cases = 3000;

// Every line ends in CRLF, is at most 998 octets; lines holding encoded-words are at most 76
// (RFC 2047 §2) and each encoded-word at most 75.
void expect_lines_ok(std::string_view bytes, std::string_view context)
{
    ASSERT_TRUE(bytes.size() >= 2 && bytes.substr(bytes.size() - 2) == "\r\n") << context;
    std::size_t start = 0;
    while (start < bytes.size()) {
        const std::size_t lf = bytes.find('\n', start);
        ASSERT_NE(lf, std::string_view::npos) << context;
        ASSERT_GT(lf, start) << context;
        ASSERT_EQ(bytes[lf - 1], '\r') << "bare LF in " << context;
        const std::string_view line = bytes.substr(start, lf - 1 - start);
        ASSERT_EQ(line.find('\r'), std::string_view::npos) << "bare CR in " << context;
        ASSERT_LE(line.size(), max_line_octets) << context;
        start = lf + 1;
    }
}

void expect_encoded_words_ok(std::string_view header)
{
    std::size_t start = 0;
    while (start < header.size()) {
        std::size_t end = header.find("\r\n", start);
        if (end == std::string_view::npos) {
            end = header.size();
        }
        const std::string_view line = header.substr(start, end - start);
        if (line.find("=?utf-8?") != std::string_view::npos) {
            EXPECT_LE(line.size(), encoded_word_line) << line;
            std::size_t word = line.find("=?utf-8?");
            while (word != std::string_view::npos) {
                const std::size_t close = line.find("?=", word + 10);
                ASSERT_NE(close, std::string_view::npos) << line;
                EXPECT_LE(close + 2 - word, max_encoded_word) << line;
                word = line.find("=?utf-8?", close);
            }
        }
        start = end + 2;
    }
}

// Parses `message` and returns the unfolded value of its first `name` field minus the SP the
// writer puts after the colon.
std::string field_value(std::string_view message, std::string_view name)
{
    const Message parsed = parse_message(message);
    const HeaderField* field = find_field(parsed.root.fields, name);
    if (field == nullptr) {
        return "<missing>";
    }
    std::string_view value = field->value;
    if (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    return std::string(value);
}

std::string message_with(const BuildField& field)
{
    BuildPart part;
    part.headers.push_back(field);
    part.body = "body\r\n";
    return build_message(part);
}

TEST(BuilderRoundTrip, UnstructuredText)
{
    test::RandomText random(1);
    for (std::uint32_t i = 0; i < cases; ++i) {
        const std::string text = random.utf8(60);
        const std::string message = message_with(unstructured_field("Subject", text));
        expect_lines_ok(message, text);
        expect_encoded_words_ok(message);
        const std::string value = field_value(message, "Subject");
        const DecodedHeader decoded = decode_rfc2047(value);
        ASSERT_EQ(decoded.utf8, text) << "case " << i << "\n" << message;
        EXPECT_FALSE(decoded.had_invalid);
    }
}

TEST(BuilderRoundTrip, AddressLists)
{
    test::RandomText random(2);
    for (std::uint32_t i = 0; i < cases; ++i) {
        const std::vector<Address> addresses = random.addresses();
        const std::string message = message_with(address_field("To", addresses));
        expect_lines_ok(message, "address case");
        expect_encoded_words_ok(message);
        const AddressList parsed = parse_address_list(field_value(message, "To"));
        ASSERT_EQ(parsed.addresses.size(), addresses.size()) << message;
        EXPECT_FALSE(parsed.malformed) << message;
        for (std::size_t k = 0; k < addresses.size(); ++k) {
            EXPECT_EQ(parsed.addresses[k].display_name, addresses[k].display_name) << message;
            EXPECT_EQ(parsed.addresses[k].local_part, addresses[k].local_part) << message;
            EXPECT_EQ(parsed.addresses[k].domain, addresses[k].domain) << message;
            EXPECT_EQ(parsed.addresses[k].group, addresses[k].group) << message;
        }
        if (HasFailure()) {
            FAIL() << "case " << i;
        }
    }
}

TEST(BuilderRoundTrip, Parameters)
{
    test::RandomText random(3);
    for (std::uint32_t i = 0; i < cases; ++i) {
        const std::string filename = random.utf8(30);
        const std::string title = random.utf8(5, false);
        BuildPart part;
        part.content_type = "application/octet-stream";
        part.content_type_parameters = {{"name", filename}};
        part.disposition = "attachment";
        part.disposition_parameters = {{"filename", filename}, {"title", title}};
        part.body = "x";
        const std::string message = build_message(part);
        expect_lines_ok(message, filename);
        const Message parsed = parse_message(message);
        const MimeParameter* got = find_parameter(parsed.root.disposition.parameters, "filename");
        ASSERT_NE(got, nullptr) << message;
        ASSERT_EQ(got->value, filename) << "case " << i << "\n" << message;
        const MimeParameter* got_title =
            find_parameter(parsed.root.disposition.parameters, "title");
        ASSERT_NE(got_title, nullptr) << message;
        ASSERT_EQ(got_title->value, title) << message;
        const MimeParameter* name = find_parameter(parsed.root.content_type.parameters, "name");
        ASSERT_NE(name, nullptr) << message;
        ASSERT_EQ(name->value, filename) << message;
        EXPECT_EQ(parsed.root.disposition.type, "attachment");
    }
}

BuildPart random_tree(test::RandomText& random, std::size_t depth)
{
    BuildPart part;
    if (depth < 3 && random.below(3) == 0) {
        part.content_type = random.below(2) == 0 ? "multipart/mixed" : "multipart/alternative";
        const std::size_t children = 1 + random.below(4);
        for (std::size_t k = 0; k < children; ++k) {
            part.children.push_back(random_tree(random, depth + 1));
        }
        return part;
    }
    static const std::vector<std::string> types = {"text/plain", "text/html",
                                                   "application/octet-stream", "image/png"};
    part.content_type = types[random.below(types.size())];
    if (part.content_type.substr(0, 5) == "text/") {
        part.content_type_parameters = {{"charset", "utf-8"}};
    }
    part.body = random.body();
    part.encoding = static_cast<BodyEncoding>(random.below(5));
    if (random.below(2) == 0) {
        part.headers.push_back(unstructured_field("Content-Description", random.utf8(6)));
    }
    return part;
}

void expect_same_bodies(std::string_view raw, const BuildPart& built, const Part& parsed,
                        bool top_level)
{
    if (built.content_type.substr(0, 10) == "multipart/") {
        ASSERT_EQ(parsed.children.size(), built.children.size()) << raw;
        for (std::size_t k = 0; k < built.children.size(); ++k) {
            expect_same_bodies(raw, built.children[k], parsed.children[k], false);
        }
        return;
    }
    EXPECT_EQ(parsed.content_type.type + "/" + parsed.content_type.subtype, built.content_type);
    const DecodedBody body = decode_body(raw, parsed);
    EXPECT_FALSE(body.saw_invalid);
    std::string want = built.body;
    // An explicit 7bit/8bit choice at the end of the message gets the final CRLF the message
    // needs (message_builder.hpp).
    if (parsed.transfer_encoding == TransferEncoding::SevenBit ||
        parsed.transfer_encoding == TransferEncoding::EightBit) {
        if (top_level && !want.empty() &&
            want.substr(want.size() - std::min<std::size_t>(2, want.size())) != "\r\n") {
            want += "\r\n";
        }
    }
    ASSERT_EQ(body.bytes, want) << raw;
}

TEST(BuilderRoundTrip, BodiesAndTrees)
{
    test::RandomText random(4);
    for (std::uint32_t i = 0; i < cases; ++i) {
        BuildPart root = random_tree(random, 0);
        root.headers.push_back(unstructured_field("Subject", random.utf8(10)));
        const std::string message = build_message(root);
        expect_lines_ok(message, "tree case");
        const Message parsed = parse_message(message);
        EXPECT_EQ(parsed.truncated, Limit::None);
        ASSERT_NE(find_field(parsed.root.fields, "MIME-Version"), nullptr);
        expect_same_bodies(message, root, parsed.root, true);
        if (HasFailure()) {
            FAIL() << "case " << i;
        }
    }
}

}  // namespace
}  // namespace harbor::mime
