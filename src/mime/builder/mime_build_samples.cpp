// mime_build_samples DIR: writes messages built by Harbor (random seeded ones, a DSN and a
// rewritten message) as DIR/NNN.eml and DIR/expected.json with the decoded values they must
// show, for python_parse_check.py to read back with Python's email package (a parser that is
// not ours).
#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "mime/builder/builder_test_support.hpp"
#include "mime/builder/dsn.hpp"
#include "mime/builder/message_builder.hpp"
#include "mime/builder/rewrite.hpp"

namespace {

using harbor::mime::Address;
using harbor::mime::BuildPart;
using nlohmann::json;

constexpr int random_messages = 300;

// Python's email reads display names through its own RFC 5322 parser: ours keep to names it
// reads back the same (no controls; a phrase of words and specials) and that fit in one
// encoded-word, since Python 3.11 shows the folding whitespace between adjacent encoded-words
// of a phrase (RFC 2047 §6.2 says to drop it, as our parser does).
std::string display_name(harbor::mime::test::RandomText& random)
{
    static const std::vector<std::string> words = {"Anna",
                                                   "O'Brien",
                                                   "Doe,",
                                                   "J\xc3\xb6rg",
                                                   "\xe5\xbc\xa0\xe4\xbc\x9f",
                                                   "\"Q\"",
                                                   "=?x?=",
                                                   "Ren\xc3\xa9"
                                                   "e",
                                                   "Dr.",
                                                   "(chair)",
                                                   "\xf0\x9f\x98\x80",
                                                   "Smith"};
    std::string name;
    const std::size_t count = random.below(4);
    for (std::size_t i = 0; i < count; ++i) {
        name += (i > 0 ? " " : "") + words[random.below(words.size())];
    }
    return name;
}

// Subjects and file names: words of ASCII, accented Latin, CJK and emoji, look-alikes of
// encoded-words and long words, separated by single or double spaces.
std::string words(harbor::mime::test::RandomText& random, std::size_t max_words)
{
    static const std::vector<std::string> pieces = {
        "report",
        "Q3",
        "\xc3\xa9t\xc3\xa9",
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
        "\xf0\x9f\x8e\x89",
        "=?utf-8?q?not?=",
        "a=?b",
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
        "x.pdf",
        "(draft)",
        "\"quoted\""};
    std::string text;
    const std::size_t count = 1 + random.below(max_words);
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) {
            text += random.below(5) == 0 ? "  " : " ";
        }
        text += random.below(15) == 0 ? std::string(100 + random.below(1000), 'w')
                                      : pieces[random.below(pieces.size())];
    }
    return text;
}

json address_json(const Address& address)
{
    return json{
        {"name", address.display_name}, {"local", address.local_part}, {"domain", address.domain}};
}

bool write_file(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: mime_build_samples DIR\n");
        return 2;
    }
    const std::string dir = argv[1];
    harbor::mime::test::RandomText random(20261129);
    json expected = json::array();

    for (int i = 0; i < random_messages; ++i) {
        BuildPart root;
        root.content_type = "multipart/mixed";
        const std::string subject = words(random, 12);
        root.headers.push_back(harbor::mime::unstructured_field("Subject", subject));
        std::vector<Address> to;
        json to_json = json::array();
        const std::size_t recipients = 1 + random.below(4);
        for (std::size_t k = 0; k < recipients; ++k) {
            Address address{display_name(random), random.below(2) == 0 ? "user" : "a.b+tag",
                            "example.org", ""};
            to.push_back(address);
            to_json.push_back(address_json(address));
        }
        root.headers.push_back(harbor::mime::address_field("To", to));
        BuildPart text;
        text.content_type_parameters = {{"charset", "utf-8"}};
        text.body = words(random, 60) + "\r\nline two\r\n";
        BuildPart attachment;
        attachment.content_type = "application/octet-stream";
        attachment.disposition = "attachment";
        std::string filename = words(random, 5);
        if (filename.size() >= 2 && filename.front() == '"' && filename.back() == '"') {
            // Python's get_filename() strips one more pair of quotes than the value has.
            filename += ".txt";
        }
        attachment.disposition_parameters = {{"filename", filename}};
        attachment.body = random.body();
        root.children = {text, attachment};
        const std::string name = std::to_string(1000 + i) + ".eml";
        if (!write_file(dir + "/" + name, harbor::mime::build_message(root))) {
            return 1;
        }
        expected.push_back(json{{"file", name},
                                {"kind", "random"},
                                {"subject", subject},
                                {"to", to_json},
                                {"filenames", json::array({filename})},
                                {"texts", json::array({text.body})}});
    }

    harbor::mime::DsnRequest dsn;
    dsn.reporting_mta = "mx.example.com";
    dsn.now = 1796038178;
    dsn.to = Address{"", "sender", "example.org", ""};
    harbor::mime::DsnRecipient recipient;
    recipient.final_recipient = "gone@example.net";
    recipient.status = "5.1.1";
    recipient.diagnostic_code = "550 5.1.1 user unknown";
    recipient.remote_mta = "mx.example.net";
    dsn.recipients = {recipient};
    dsn.original = "Subject: lost\r\nFrom: sender@example.org\r\n\r\nhello\r\n";
    dsn.return_content = harbor::mime::ReturnContent::Full;
    if (!write_file(dir + "/dsn.eml", harbor::mime::build_dsn(dsn))) {
        return 1;
    }
    expected.push_back(json{{"file", "dsn.eml"},
                            {"kind", "dsn"},
                            {"reporting_mta", "dns; mx.example.com"},
                            {"final_recipient", "rfc822; gone@example.net"},
                            {"action", "failed"},
                            {"status", "5.1.1"},
                            {"original_subject", "lost"}});

    const std::string received =
        "Subject: =?iso-8859-1?q?Gr=FC=DFe?=\r\n"
        "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nK=F6ln\r\n"
        "--b\r\nContent-Type: text/html\r\n\r\n<html><body>x</body></html>\r\n--b--\r\n";
    const harbor::mime::Disclaimer disclaimer{"Sent via Harbor \xe2\x9c\x89",
                                              "<p>Harbor \xe2\x9c\x89</p>"};
    const harbor::mime::RewriteResult rewritten = harbor::mime::append_disclaimer(
        received, harbor::mime::parse_message(received), disclaimer);
    if (!write_file(dir + "/rewritten.eml", rewritten.bytes)) {
        return 1;
    }
    expected.push_back(
        json{{"file", "rewritten.eml"},
             {"kind", "rewritten"},
             {"subject",
              "Gr\xc3\xbc\xc3\x9f"
              "e"},
             {"texts", json::array({"K\xc3\xb6ln\r\nSent via Harbor \xe2\x9c\x89\r\n",
                                    "<html><body>x<p>Harbor \xe2\x9c\x89</p></body></html>"})}});

    return write_file(dir + "/expected.json", expected.dump(1)) ? 0 : 1;
}
