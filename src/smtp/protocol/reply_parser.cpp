// Server replies as an SMTP client reads them: RFC 5321 §4.2 (Reply-line = *( Reply-code "-"
// [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF), §4.2.1 (every line carries the same
// code), §4.5.3.1.5 (512-octet reply lines); RFC 2034 §3 and RFC 3463 §2 (enhanced codes);
// RFC 5321 §4.1.1.1 (EHLO keywords) with SIZE (RFC 1870 §4) and AUTH (RFC 4954 §3).
// SECURITY: untrusted lines; bounded as described in reply_parser.hpp; one pass per line.
#include "smtp/protocol/reply_parser.hpp"

#include <algorithm>

#include "core/ascii.hpp"

namespace harbor::smtp {
namespace {

// Control octets would let a reply text break a log line or a DSN field later; TAB is allowed
// in textstring (§4.2). Octets >= 0x80 stay: SMTPUTF8 servers may send UTF-8 (RFC 6531 §3.7.4).
std::string sanitised(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 32 && c != '\t') || byte == 127) {
            c = '?';
        }
    }
    return out;
}

// The first word of text, if it is an enhanced code of the reply code's class (RFC 3463 §2:
// "the class ... MUST match the class of the basic reply code", RFC 2034 §3).
std::string_view enhanced_prefix(std::string_view text, int code)
{
    const std::string_view word = text.substr(0, text.find(' '));
    if (!is_well_formed_enhanced(word) || word[0] != static_cast<char>('0' + code / 100)) {
        return {};
    }
    return word;
}

std::vector<std::string_view> split_lines(std::string_view text)
{
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (;;) {
        const std::size_t newline = text.find('\n', start);
        if (newline == std::string_view::npos) {
            lines.push_back(text.substr(start));
            return lines;
        }
        lines.push_back(text.substr(start, newline - start));
        start = newline + 1;
    }
}

std::vector<std::string_view> split_words(std::string_view text)
{
    std::vector<std::string_view> words;
    std::size_t position = 0;
    while (position < text.size()) {
        if (text[position] == ' ' || text[position] == '\t') {
            ++position;
            continue;
        }
        std::size_t end = position;
        while (end < text.size() && text[end] != ' ' && text[end] != '\t') {
            ++end;
        }
        words.push_back(text.substr(position, end - position));
        position = end;
    }
    return words;
}

// size-param = [1*20DIGIT] (RFC 1870 §4); anything else, or a value over 64 bits, is "no
// limit known" rather than an error: the server's final word is its reply to MAIL.
std::uint64_t parse_size_limit(std::string_view digits)
{
    if (digits.empty() || digits.size() > 20) {
        return 0;
    }
    std::uint64_t value = 0;
    for (const char c : digits) {
        if (!is_ascii_digit(c)) {
            return 0;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) {
            return 0;
        }
        value = value * 10 + digit;
    }
    return value;
}

// sasl-mech = 1*20(UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE) (RFC 4422 §3.1), any case.
void add_mechanism(std::vector<std::string>& mechanisms, std::string_view name)
{
    if (name.empty() || name.size() > 20 || mechanisms.size() >= max_auth_mechanisms) {
        return;
    }
    std::string upper;
    for (const char c : name) {
        const char u = ascii_upper(c);
        if (!((u >= 'A' && u <= 'Z') || is_ascii_digit(u) || u == '-' || u == '_')) {
            return;
        }
        upper += u;
    }
    if (std::find(mechanisms.begin(), mechanisms.end(), upper) == mechanisms.end()) {
        mechanisms.push_back(std::move(upper));
    }
}

}  // namespace

Result<ReplyParser::Status> ReplyParser::add_line(std::string_view line)
{
    if (complete_) {
        return unexpected(Errc::Invalid, "reply line after the last line");
    }
    if (line.size() + 2 > max_reply_line) {
        return unexpected(Errc::Limit, "reply line longer than 512 octets");  // §4.5.3.1.5
    }
    if (lines_ >= max_reply_lines) {
        return unexpected(Errc::Limit,
                          "reply longer than " + std::to_string(max_reply_lines) + " lines");
    }
    if (line.size() < 3 || !is_ascii_digit(line[0]) || !is_ascii_digit(line[1]) ||
        !is_ascii_digit(line[2])) {
        return unexpected(Errc::Invalid, "reply line without a three-digit code");
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code < 200 || code > 599) {
        return unexpected(Errc::Invalid, "reply code " + std::string(line.substr(0, 3)) +
                                             " outside 200..599");  // §4.2.1
    }
    if (lines_ > 0 && code != reply_.code) {
        // §4.2.1: a multi-line reply has the same code on each line.
        return unexpected(Errc::Invalid, "reply lines with different codes");
    }
    bool last = true;
    std::string_view text;
    if (line.size() > 3) {
        if (line[3] == '-') {
            last = false;
        } else if (line[3] != ' ') {
            return unexpected(Errc::Invalid, "reply code not followed by '-' or ' '");
        }
        text = line.substr(4);
    }
    if (lines_ == 0) {
        reply_.code = code;
        reply_.enhanced = std::string(enhanced_prefix(text, code));
    } else {
        reply_.text += '\n';
    }
    // RFC 2034 §3: the enhanced code is repeated on every line; it belongs in `enhanced`, not in
    // the text. A line that lacks it keeps its text as sent.
    const std::string_view enhanced = reply_.enhanced;
    if (!enhanced.empty() && text.substr(0, enhanced.size()) == enhanced &&
        (text.size() == enhanced.size() || text[enhanced.size()] == ' ')) {
        text.remove_prefix(std::min(text.size(), enhanced.size() + 1));
    }
    reply_.text += sanitised(text);
    ++lines_;
    if (!last) {
        return Status::NeedMore;
    }
    complete_ = true;
    return Status::Complete;
}

void ReplyParser::reset()
{
    reply_ = Reply{};
    lines_ = 0;
    complete_ = false;
}

Result<Reply> parse_reply(std::span<const std::string_view> lines)
{
    ReplyParser parser;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        Result<ReplyParser::Status> status = parser.add_line(lines[i]);
        HARBOR_TRY(status);
        if (*status == ReplyParser::Status::Complete) {
            if (i + 1 != lines.size()) {
                return unexpected(Errc::Invalid, "reply line after the last line");
            }
            return parser.reply();
        }
    }
    return unexpected(Errc::Invalid, "reply without its last line");
}

ServerExtensions parse_ehlo_keywords(const Reply& ehlo)
{
    ServerExtensions extensions;
    const std::vector<std::string_view> lines = split_lines(ehlo.text);
    // The first line is "Domain [ SP ehlo-greet ]" (§4.1.1.1), not a keyword.
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::vector<std::string_view> words = split_words(lines[i]);
        if (words.empty()) {
            continue;
        }
        const std::string_view keyword = words.front();
        const std::span<const std::string_view> parameters(words.data() + 1, words.size() - 1);
        if (iequals(keyword, "PIPELINING")) {
            extensions.pipelining = true;
        } else if (iequals(keyword, "SIZE")) {
            extensions.size = true;
            extensions.max_size = parameters.empty() ? 0 : parse_size_limit(parameters.front());
        } else if (iequals(keyword, "8BITMIME")) {
            extensions.eightbitmime = true;
        } else if (iequals(keyword, "SMTPUTF8")) {
            extensions.smtputf8 = true;
        } else if (iequals(keyword, "DSN")) {
            extensions.dsn = true;
        } else if (iequals(keyword, "CHUNKING")) {
            extensions.chunking = true;
        } else if (iequals(keyword, "BINARYMIME")) {
            extensions.binarymime = true;
        } else if (iequals(keyword, "STARTTLS")) {
            extensions.starttls = true;
        } else if (iequals(keyword, "REQUIRETLS")) {
            extensions.requiretls = true;
        } else if (iequals(keyword, "ENHANCEDSTATUSCODES")) {
            extensions.enhancedstatuscodes = true;
        } else if (iequals(keyword, "AUTH") || iequals(keyword.substr(0, 5), "AUTH=")) {
            // "AUTH=PLAIN LOGIN" is the pre-standard form some servers still send as well.
            if (keyword.size() > 5) {
                add_mechanism(extensions.auth_mechanisms, keyword.substr(5));
            }
            for (const std::string_view mechanism : parameters) {
                add_mechanism(extensions.auth_mechanisms, mechanism);
            }
        }
    }
    return extensions;
}

}  // namespace harbor::smtp
