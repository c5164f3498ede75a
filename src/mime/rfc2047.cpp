// RFC 2047 encoded-word decoding (§2 syntax, §4 B and Q, §6.2 display) with RFC 2231 §5
// language suffixes and the broken forms common mail readers accept. See rfc2047.hpp.
// SECURITY: untrusted text; one pass, every append checked against limits.max_output.
#include "mime/rfc2047.hpp"

#include <optional>

#include "core/base64.hpp"
#include "core/quoted_printable.hpp"
#include "mime/charset.hpp"

namespace harbor::mime {
namespace {

struct EncodedWord {
    std::string_view charset;  // without an RFC 2231 "*language"
    char encoding;             // 'B' or 'Q'
    std::string_view text;
    std::size_t end;           // index just past the word
};

bool is_lwsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool all_lwsp(std::string_view text)
{
    for (const char c : text) {
        if (!is_lwsp(c)) {
            return false;
        }
    }
    return true;
}

bool equal_ignoring_case(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] + 32) : a[i];
        const char y = (b[i] >= 'A' && b[i] <= 'Z') ? static_cast<char>(b[i] + 32) : b[i];
        if (x != y) {
            return false;
        }
    }
    return true;
}

// Parses "=?charset?E?text?=" at text_[at]. Readers accept words glued to other text, lower
// case "b"/"q", and a word cut off by the end of the field (no "?="); whitespace inside a
// word is never accepted (RFC 2047 §2: "may not contain white space"). blocked_ is where an
// earlier scan met whitespace before any "?=": a word whose text starts before it cannot end,
// which keeps the whole decode linear on inputs like "=?a?q?=?a?q?=?a?q? ".
class WordScanner {
public:
    explicit WordScanner(std::string_view text) : text_(text) {}

    std::optional<EncodedWord> parse_at(std::size_t at)
    {
        const std::size_t charset_start = at + 2;
        const std::size_t question = text_.find('?', charset_start);
        if (question == std::string_view::npos || question == charset_start ||
            question - charset_start > max_charset_name + 16 || question + 2 >= text_.size() ||
            text_[question + 2] != '?') {
            return std::nullopt;
        }
        std::string_view charset = text_.substr(charset_start, question - charset_start);
        for (const char c : charset) {
            if (is_lwsp(c) || c == '=') {
                return std::nullopt;
            }
        }
        char encoding = text_[question + 1];
        if (encoding == 'b' || encoding == 'q') {
            encoding = static_cast<char>(encoding - 32);
        }
        if (encoding != 'B' && encoding != 'Q') {
            return std::nullopt;
        }
        charset = charset.substr(0, charset.find('*'));  // RFC 2231 §5: charset*language
        if (charset.empty()) {
            return std::nullopt;
        }
        const std::size_t text_start = question + 3;
        if (text_start < blocked_) {
            return std::nullopt;
        }
        for (std::size_t i = text_start; i < text_.size(); ++i) {
            if (text_[i] == '?' && i + 1 < text_.size() && text_[i + 1] == '=') {
                const std::string_view encoded = text_.substr(text_start, i - text_start);
                return EncodedWord{charset, encoding, encoded, i + 2};
            }
            if (is_lwsp(text_[i])) {
                blocked_ = i;
                return std::nullopt;
            }
        }
        return EncodedWord{charset, encoding, text_.substr(text_start), text_.size()};
    }

private:
    std::string_view text_;
    std::size_t blocked_ = 0;
};

class HeaderDecoder {
public:
    explicit HeaderDecoder(Rfc2047Limits limits) : limits_(limits) {}

    // Adds text outside encoded-words: unfolded, then made valid UTF-8.
    bool add_literal(std::string_view text)
    {
        if (text.empty()) {
            return true;
        }
        if (!flush()) {
            return false;
        }
        std::string unfolded;
        unfolded.reserve(text.size());
        for (const char c : text) {
            if (c != '\r' && c != '\n') {
                unfolded += c;  // RFC 5322 §2.2.3: unfolding removes the CRLF, keeps the WSP
            }
        }
        return append(sanitize_utf8(unfolded, remaining()));
    }

    // Adds the decoded bytes of a word. Adjacent words in one charset are converted together,
    // so a character split across two words (common with UTF-8 and B) comes out whole.
    bool add_word(std::string_view charset, std::string bytes)
    {
        if (!pending_charset_.empty() && !equal_ignoring_case(charset, pending_charset_)) {
            if (!flush()) {
                return false;
            }
        }
        pending_charset_ = charset;
        pending_ += bytes;
        return true;
    }

    bool flush()
    {
        if (pending_charset_.empty()) {
            return true;
        }
        CharsetLimits charset_limits;
        charset_limits.max_input = limits_.max_input;
        charset_limits.max_output = remaining();
        const Utf8Text converted = convert_to_utf8(pending_charset_, pending_, charset_limits);
        pending_.clear();
        pending_charset_ = {};
        return append(converted);
    }

    DecodedHeader& result() { return result_; }

private:
    std::size_t remaining() const { return limits_.max_output - result_.utf8.size(); }

    bool append(const Utf8Text& text)
    {
        result_.utf8 += text.utf8;
        result_.had_invalid = result_.had_invalid || text.had_invalid;
        result_.unknown_charset = result_.unknown_charset || text.unknown_charset;
        if (text.truncated) {
            result_.truncated = true;
            return false;
        }
        return true;
    }

    Rfc2047Limits limits_;
    DecodedHeader result_;
    std::string_view pending_charset_;
    std::string pending_;
};

}  // namespace

DecodedHeader decode_rfc2047(std::string_view text, Rfc2047Limits limits)
{
    bool input_truncated = false;
    if (text.size() > limits.max_input) {
        text = text.substr(0, limits.max_input);
        input_truncated = true;
    }
    HeaderDecoder decoder(limits);
    std::size_t literal_start = 0;
    bool after_word = false;
    std::size_t i = 0;
    std::size_t words_seen = 0;  // decoded or not: each costs a charset lookup
    WordScanner scanner(text);
    bool stopped = false;
    while (i + 1 < text.size()) {
        if (text[i] != '=' || text[i + 1] != '?') {
            ++i;
            continue;
        }
        const std::optional<EncodedWord> word = scanner.parse_at(i);
        if (!word) {
            ++i;
            continue;
        }
        if (words_seen++ >= limits.max_encoded_words) {
            decoder.result().too_many_words = true;
            break;  // the rest stays as it is
        }
        if (!is_known_charset(word->charset)) {
            // RFC 2047 §6.2 (a): shown as ordinary text, so it also separates words.
            decoder.result().unknown_charset = true;
            after_word = false;
            i = word->end;
            continue;
        }
        // RFC 2047 §6.2: linear-white-space between adjacent encoded-words is ignored.
        const std::string_view between = text.substr(literal_start, i - literal_start);
        if (!(after_word && all_lwsp(between)) && !decoder.add_literal(between)) {
            stopped = true;
            break;
        }
        std::string bytes;
        if (word->encoding == 'B') {
            MimeBase64 decoded = decode_base64_mime(word->text);
            decoder.result().had_invalid =
                decoder.result().had_invalid || decoded.saw_junk || decoded.truncated;
            bytes = std::move(decoded.bytes);
        } else {
            QpDecoded decoded = decode_q_encoding(word->text);
            decoder.result().had_invalid = decoder.result().had_invalid || decoded.saw_invalid;
            bytes = std::move(decoded.bytes);
        }
        ++decoder.result().encoded_words;
        if (!decoder.add_word(word->charset, std::move(bytes))) {
            stopped = true;
            break;
        }
        after_word = true;
        i = word->end;
        literal_start = i;
    }
    if (!stopped) {
        (void)decoder.add_literal(text.substr(literal_start));
        (void)decoder.flush();
    }
    DecodedHeader result = std::move(decoder.result());
    result.truncated = result.truncated || input_truncated;
    return result;
}

}  // namespace harbor::mime
