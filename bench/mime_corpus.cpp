// Loading the testdata messages and generating the synthetic sets. See mime_corpus.hpp.
// The generated mail follows what large senders produce: RFC 5322 headers with trace fields
// (§3.6.7), RFC 2047 encoded subjects, multipart/alternative newsletters with quoted-printable
// parts (RFC 2045 §6.7), base64 attachments in 76-column lines (§6.8), RFC 2231 file names.
#include "mime_corpus.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string_view>

#include "core/base64.hpp"
#include "core/quoted_printable.hpp"

namespace harbor::bench {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool is_message_file(const fs::path& path)
{
    const std::string extension = path.extension().string();
    if (extension == ".eml" || extension == ".msg") {
        return true;
    }
    if (extension != ".txt") {
        return false;
    }
    const std::string file = path.filename().string();
    const std::string folder = path.parent_path().filename().string();
    return file.rfind("msg_", 0) == 0 || folder == "messages" ||
           (folder == "pgp" && file.find("-message") != std::string::npos);
}

// splitmix64: a fixed seed gives the same corpus on every run and machine.
class Random {
public:
    explicit Random(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next()
    {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

    std::string bytes(std::size_t count)
    {
        std::string out(count, '\0');
        for (char& c : out) {
            c = static_cast<char>(next() & 0xff);
        }
        return out;
    }

    std::string hex(std::size_t digits)
    {
        static constexpr std::string_view alphabet = "0123456789ABCDEF";
        std::string out;
        for (std::size_t i = 0; i < digits; ++i) {
            out += alphabet[below(16)];
        }
        return out;
    }

private:
    std::uint64_t state_;
};

constexpr std::array<std::string_view, 48> words = {
    "the", "offer", "your", "account", "weekly", "update", "new", "products", "and", "of",
    "to", "in", "we", "have", "news", "for", "you", "this", "month", "café", "naïve", "Grüße",
    "delivery", "order", "shipping", "free", "members", "exclusive", "discount", "on", "all",
    "items", "team", "event", "register", "now", "read", "more", "about", "our", "latest",
    "Übersicht", "données", "résumé", "report", "subscription", "today", "with"};

std::string sentence(Random& random, std::size_t count)
{
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        out += i == 0 ? "" : " ";
        out += words[random.below(words.size())];
    }
    out += ".";
    return out;
}

// Plain text of about `size` bytes in lines of at most 72 characters, CRLF line ends.
std::string text_body(Random& random, std::size_t size)
{
    std::string out;
    std::size_t line = 0;
    while (out.size() < size) {
        const std::string words_of_sentence = sentence(random, 4 + random.below(12));
        if (line + words_of_sentence.size() > 72) {
            out += "\r\n";
            line = 0;
            if (random.below(5) == 0) {
                out += "\r\n";  // a paragraph break
            }
        }
        out += line == 0 ? "" : " ";
        out += words_of_sentence;
        line += words_of_sentence.size() + 1;
    }
    return out + "\r\n";
}

// Newsletter HTML: tables, inline styles, links with tracking parameters.
std::string html_body(Random& random, std::size_t size)
{
    std::string out =
        "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"><style>td{font-family:Arial,"
        "sans-serif;color:#333333}</style></head>\r\n<body style=\"margin:0;padding:0\">\r\n"
        "<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">\r\n";
    while (out.size() < size) {
        out += "<tr><td style=\"padding:12px 24px;font-size:15px;line-height:22px\">";
        out += sentence(random, 10 + random.below(20));
        out += " <a href=\"https://news.example.com/r/" + random.hex(24) +
               "?utm_source=newsletter&utm_medium=email&utm_campaign=w" +
               std::to_string(random.below(52)) + "\">" + sentence(random, 3) +
               "</a></td></tr>\r\n";
    }
    return out + "</table></body></html>\r\n";
}

std::string date_field(Random& random)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "Mon, %zu Mar 2025 %02zu:%02zu:%02zu +0000",
                  1 + random.below(28), random.below(24), random.below(60), random.below(60));
    return buffer;
}

// RFC 5321 §4.4 trace field as Postfix writes it, folded over three lines.
std::string received_field(Random& random)
{
    const std::size_t host = random.below(200);
    return "Received: from mx" + std::to_string(host) + ".example.net (mx" +
           std::to_string(host) + ".example.net [192.0.2." + std::to_string(random.below(255)) +
           "])\r\n\tby mail" + std::to_string(random.below(9)) +
           ".example.org (Postfix) with ESMTPS id 4F" + random.hex(10) +
           "\r\n\tfor <user@example.org>; " + date_field(random) + "\r\n";
}

// A DKIM-Signature (RFC 6376 §3.5) with its b= folded in 64-character lines.
std::string dkim_field(Random& random, std::string_view domain)
{
    std::string signature = encode_base64(random.bytes(256));
    std::string out = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" +
                      std::string(domain) + "; s=s" + std::to_string(random.below(4)) +
                      ";\r\n\th=from:to:subject:date:message-id:list-unsubscribe:mime-version;"
                      "\r\n\tbh=" +
                      encode_base64(random.bytes(32)) + ";\r\n\tb=";
    for (std::size_t i = 0; i < signature.size(); i += 64) {
        out += (i == 0 ? "" : "\r\n\t ") + signature.substr(i, 64);
    }
    return out + "\r\n";
}

std::string common_headers(Random& random, std::string_view subject, std::size_t received)
{
    std::string out = "Return-Path: <bounce-" + random.hex(12) + "@news.example.com>\r\n";
    for (std::size_t i = 0; i < received; ++i) {
        out += received_field(random);
    }
    out += dkim_field(random, "news.example.com");
    out += "From: =?utf-8?q?Caf=C3=A9_News?= <news@news.example.com>\r\n";
    out += "To: Alice Example <alice@example.org>\r\n";
    out += "Subject: " + std::string(subject) + "\r\n";
    out += "Date: " + date_field(random) + "\r\n";
    out += "Message-ID: <" + random.hex(20) + "@news.example.com>\r\n";
    out += "MIME-Version: 1.0\r\n";
    return out;
}

std::string boundary(Random& random) { return "----=_Part_" + random.hex(16); }

// A 20 KB multipart/alternative newsletter, both parts quoted-printable UTF-8.
std::string newsletter(Random& random)
{
    const std::string mark = boundary(random);
    std::string out = common_headers(
        random, "=?utf-8?B?" + encode_base64("Ihre Übersicht der Woche: Angebote") + "?=", 3);
    out += "List-Unsubscribe: <https://news.example.com/u/" + random.hex(32) +
           ">,\r\n <mailto:unsubscribe-" + random.hex(12) + "@news.example.com>\r\n";
    out += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
    out += "Content-Type: multipart/alternative;\r\n\tboundary=\"" + mark + "\"\r\n\r\n";
    out += "--" + mark + "\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += encode_quoted_printable(text_body(random, 6 * 1024)) + "\r\n";
    out += "--" + mark + "\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += encode_quoted_printable(html_body(random, 12 * 1024)) + "\r\n";
    out += "--" + mark + "--\r\n";
    return out;
}

std::string attachment_part(std::string_view type, std::string_view file_name,
                            std::string_view data)
{
    return "Content-Type: " + std::string(type) + "; name=\"" + std::string(file_name) +
           "\"\r\nContent-Disposition: attachment; filename=\"" + std::string(file_name) +
           "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encode_base64_mime(data) + "\r\n";
}

// About 2 MB: a short alternative body and three base64 attachments.
std::string attachments_mail(Random& random)
{
    const std::string outer = boundary(random);
    const std::string inner = boundary(random);
    std::string out = common_headers(random, "Quarterly report and photos", 4);
    out += "Content-Type: multipart/mixed; boundary=\"" + outer + "\"\r\n\r\n";
    out += "This is a multi-part message in MIME format.\r\n\r\n";
    out += "--" + outer + "\r\nContent-Type: multipart/alternative; boundary=\"" + inner +
           "\"\r\n\r\n";
    out += "--" + inner + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n" + text_body(random, 1500);
    out += "--" + inner + "\r\nContent-Type: text/html; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
           encode_quoted_printable(html_body(random, 3000)) + "\r\n";
    out += "--" + inner + "--\r\n\r\n";
    out += "--" + outer + "\r\n" +
           attachment_part("application/pdf", "report-q1.pdf", random.bytes(900 * 1024));
    out += "--" + outer + "\r\n" +
           attachment_part("image/jpeg", "IMG_2041.jpg", random.bytes(420 * 1024));
    out += "--" + outer + "\r\n" +
           attachment_part("image/jpeg", "IMG_2042.jpg", random.bytes(180 * 1024));
    out += "--" + outer + "--\r\n";
    return out;
}

// 50 parts of the kinds mailing-list digests and ticket exports carry, some file names in
// RFC 2231 §4 form.
std::string fifty_parts_mail(Random& random)
{
    const std::string mark = boundary(random);
    std::string out = common_headers(random, "Ticket export: 50 attachments", 2);
    out += "Content-Type: multipart/mixed; boundary=\"" + mark + "\"\r\n\r\n";
    for (std::size_t i = 0; i < 50; ++i) {
        out += "--" + mark + "\r\n";
        const std::string index = std::to_string(i);
        switch (i % 4) {
        case 0:
            out += "Content-Type: text/plain; charset=us-ascii\r\n\r\n" +
                   text_body(random, 400 + random.below(1200));
            break;
        case 1:
            out += "Content-Type: text/html; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
                   encode_quoted_printable(html_body(random, 800 + random.below(1500))) + "\r\n";
            break;
        case 2:
            out += attachment_part("image/png", "screenshot-" + index + ".png",
                                   random.bytes(1024 + random.below(4096)));
            break;
        default:
            out += "Content-Type: application/octet-stream\r\n"
                   "Content-Disposition: attachment;\r\n\tfilename*=utf-8''r%C3%A9sum%C3%A9-" +
                   index + ".bin\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                   encode_base64_mime(random.bytes(512 + random.below(2048))) + "\r\n";
            break;
        }
    }
    out += "--" + mark + "--\r\n";
    return out;
}

// A long trace: 30 to 60 Received fields, ARC and authentication results, list headers.
std::string long_header_mail(Random& random)
{
    std::string out = common_headers(random, "Re: [list] build failure on arm64",
                                      30 + random.below(31));
    for (std::size_t i = 1; i <= 3; ++i) {
        out += "ARC-Seal: i=" + std::to_string(i) + "; a=rsa-sha256; t=1741000000; cv=pass;"
               "\r\n\td=relay.example; s=arc;\r\n\tb=" + encode_base64(random.bytes(96)) + "\r\n";
        out += "ARC-Authentication-Results: i=" + std::to_string(i) +
               "; relay.example;\r\n\tdkim=pass header.d=example.org;\r\n\tspf=pass "
               "smtp.mailfrom=example.org;\r\n\tdmarc=pass header.from=example.org\r\n";
    }
    out += "Authentication-Results: mx.example.org; dkim=pass; spf=pass; dmarc=pass\r\n";
    out += "In-Reply-To: <" + random.hex(20) + "@example.org>\r\nReferences:";
    for (std::size_t i = 0; i < 12; ++i) {
        out += " <" + random.hex(20) + "@example.org>\r\n";
    }
    for (std::size_t i = 0; i < 20; ++i) {
        out += "X-List-Header-" + std::to_string(i) + ": " + sentence(random, 6) + "\r\n";
    }
    out += "List-Id: Build discussion <build.lists.example.org>\r\n";
    out += "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n";
    out += text_body(random, 1000 + random.below(2000));
    return out;
}

// A forwarded newsletter inside message/rfc822 (RFC 2046 §5.2.1).
std::string forwarded_mail(Random& random)
{
    const std::string mark = boundary(random);
    std::string out = common_headers(random, "Fwd: this week", 2);
    out += "Content-Type: multipart/mixed; boundary=\"" + mark + "\"\r\n\r\n";
    out += "--" + mark + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
           text_body(random, 600);
    out += "--" + mark + "\r\nContent-Type: message/rfc822\r\n"
           "Content-Disposition: inline\r\n\r\n" + newsletter(random);
    out += "--" + mark + "--\r\n";
    return out;
}

void add_set(std::vector<CorpusMessage>& out, Random& random, std::string_view set,
             std::size_t count, std::string (*make)(Random&))
{
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(CorpusMessage{std::string(set), std::string(set) + "-" + std::to_string(i) +
                                                          ".eml",
                                    make(random)});
    }
}

}  // namespace

std::vector<CorpusMessage> load_testdata_messages(const fs::path& mime_root)
{
    std::vector<CorpusMessage> out;
    for (const auto& entry : fs::recursive_directory_iterator(mime_root)) {
        if (entry.is_regular_file() && is_message_file(entry.path())) {
            out.push_back(CorpusMessage{"testdata",
                                        fs::relative(entry.path(), mime_root).string(),
                                        read_file(entry.path())});
        }
    }
    // Directory order differs between file systems; sorted, every run sees the same order.
    std::sort(out.begin(), out.end(), [](const CorpusMessage& a, const CorpusMessage& b) {
        return a.name < b.name;
    });
    return out;
}

std::vector<CorpusMessage> generate_messages()
{
    Random random(20250303);
    std::vector<CorpusMessage> out;
    add_set(out, random, "newsletter", 100, newsletter);
    add_set(out, random, "attachments", 3, attachments_mail);
    add_set(out, random, "parts50", 20, fifty_parts_mail);
    add_set(out, random, "headers", 250, long_header_mail);
    add_set(out, random, "forwarded", 30, forwarded_mail);
    return out;
}

}  // namespace harbor::bench
