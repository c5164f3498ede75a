// MIME parameter lists with RFC 2231 continuations and charset/language values.
// See rfc2231.hpp. Grammar: RFC 2045 §5.1 (parameter, token, tspecials), RFC 2231 §7.
// SECURITY: untrusted text; one pass over at most max_input bytes into at most max_parameters
// pieces, sections are sorted (never indexed by their number), values capped at max_value.
#include "mime/rfc2231.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "core/ascii.hpp"
#include "mime/charset.hpp"
#include "mime/rfc2047.hpp"
#include "mime/token.hpp"

namespace harbor::mime {
namespace {

constexpr int max_parameter_comment_depth =
    8;  // RFC 5322 §3.2.2 nests comments; we stop counting here

struct RawParameter {
    std::string name;  // lower case, as written (with any '*')
    std::string value;
};

struct Section {
    std::size_t number;
    bool extended;  // "name*N*": the value is %XX-encoded (RFC 2231 §4.1)
    std::string value;
};

struct Group {
    std::string name;
    std::optional<std::string> plain;     // name=value
    std::optional<std::string> extended;  // name*=charset'lang'value
    std::vector<Section> sections;        // name*N= and name*N*=
};

int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    const char lower = ascii_lower(c);
    return (lower >= 'a' && lower <= 'f') ? lower - 'a' + 10 : -1;
}

// RFC 2231 §7 extended-other-values: %XX octets; a '%' not followed by two hex digits is kept.
std::string percent_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
            hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

class Tokenizer {
public:
    explicit Tokenizer(std::string_view text) : text_(text) {}

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }
    void advance() { ++pos_; }

    // Whitespace, folding and RFC 5322 §3.2.2 comments, which may sit between the parts.
    void skip_cfws()
    {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++pos_;
            } else if (c == '(') {
                skip_comment();
            } else {
                return;
            }
        }
    }

    std::string_view take_token()
    {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && is_token_char(text_[pos_])) {
            ++pos_;
        }
        return text_.substr(start, pos_ - start);
    }

    struct Quoted {
        std::string value;
        bool terminated;
    };

    // RFC 5322 §3.2.4 quoted-string with quoted-pairs; an unterminated one runs to the end.
    Quoted take_quoted()
    {
        std::string out;
        ++pos_;  // the opening quote
        while (pos_ < text_.size()) {
            // The run up to the next byte that needs a decision is copied in one go.
            std::size_t run_end = pos_;
            while (run_end < text_.size() && text_[run_end] != '"' && text_[run_end] != '\\' &&
                   text_[run_end] != '\r' && text_[run_end] != '\n') {
                ++run_end;
            }
            out.append(text_.substr(pos_, run_end - pos_));
            pos_ = run_end;
            if (pos_ >= text_.size()) {
                break;
            }
            const char c = text_[pos_++];
            if (c == '"') {
                return Quoted{std::move(out), true};
            }
            if (c == '\\' && pos_ < text_.size()) {
                out += text_[pos_++];
            } else if (c != '\r' && c != '\n') {
                out += c;  // folding inside a quoted string is unfolded
            }
        }
        return Quoted{std::move(out), false};
    }

    // A value mail software failed to quote: everything up to ';', trailing space trimmed,
    // so "name=my file.pdf" keeps its space. RFC 2045 §5.1 tokens hold no SPACE, though: when
    // white space is followed by "token=", a ';' was forgotten and a new parameter starts
    // there (RFC 2046 §5.2.3's "access-type=mail-server\r\n server=..." as sent).
    std::string_view take_bare_value(bool& missing_semicolon)
    {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != ';') {
            if (is_space(text_[pos_]) && starts_parameter(pos_)) {
                missing_semicolon = true;
                break;
            }
            ++pos_;
        }
        std::string_view value = text_.substr(start, pos_ - start);
        while (!value.empty() && is_space(value.back())) {
            value.remove_suffix(1);
        }
        return value;
    }

    void skip_to_semicolon()
    {
        bool quoted = false;
        while (pos_ < text_.size() && (quoted || text_[pos_] != ';')) {
            if (text_[pos_] == '"') {
                quoted = !quoted;
            } else if (text_[pos_] == '\\' && quoted && pos_ + 1 < text_.size()) {
                ++pos_;  // a quoted-pair: the next character cannot end the string
            }
            ++pos_;
        }
    }

private:
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

    // Whether white space at `at` is followed by "token *WSP =".
    bool starts_parameter(std::size_t at) const
    {
        while (at < text_.size() && is_space(text_[at])) {
            ++at;
        }
        const std::size_t name_start = at;
        while (at < text_.size() && is_token_char(text_[at])) {
            ++at;
        }
        if (at == name_start) {
            return false;
        }
        while (at < text_.size() && (text_[at] == ' ' || text_[at] == '\t')) {
            ++at;
        }
        return at < text_.size() && text_[at] == '=';
    }

    void skip_comment()
    {
        int depth = 0;
        while (pos_ < text_.size()) {
            const char c = text_[pos_++];
            if (c == '\\') {
                pos_ = std::min(pos_ + 1, text_.size());  // a quoted-pair, maybe cut off
            } else if (c == '(') {
                depth = std::min(depth + 1, max_parameter_comment_depth);
            } else if (c == ')' && --depth <= 0) {
                return;
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

Group& group_for(std::vector<Group>& groups, std::string_view name)
{
    for (Group& group : groups) {
        if (group.name == name) {
            return group;
        }
    }
    groups.push_back(Group{std::string(name), {}, {}, {}});
    return groups.back();
}

struct ExtendedValue {
    std::string_view charset;
    std::string_view language;
    std::string_view encoded;  // %XX-text
};

// RFC 2231 §4: charset'language'%XX-text. Without both quotes the whole is %XX-text.
ExtendedValue split_extended_value(std::string_view value)
{
    const std::size_t first = value.find('\'');
    const std::size_t second =
        first == std::string_view::npos ? first : value.find('\'', first + 1);
    if (second == std::string_view::npos) {
        return ExtendedValue{{}, {}, value};
    }
    return ExtendedValue{value.substr(0, first), value.substr(first + 1, second - first - 1),
                         value.substr(second + 1)};
}

class ParameterParser {
public:
    explicit ParameterParser(Rfc2231Limits limits) : limits_(limits) {}

    ParameterList parse(std::string_view text);

private:
    // Splits "name", "name*", "name*N", "name*N*" and files the value; false if malformed.
    bool file_parameter(RawParameter raw)
    {
        std::string_view name = raw.name;
        const std::size_t star = name.find('*');
        if (star == std::string_view::npos) {
            Group& group = group_for(groups_, name);
            if (group.plain) {
                return false;  // duplicate: the first one wins
            }
            group.plain = std::move(raw.value);
            return true;
        }
        const std::string_view base = name.substr(0, star);
        std::string_view rest = name.substr(star + 1);
        if (base.empty()) {
            return false;
        }
        if (rest.empty()) {
            Group& group = group_for(groups_, base);
            if (group.extended) {
                return false;
            }
            group.extended = std::move(raw.value);
            return true;
        }
        const bool extended = rest.back() == '*';
        if (extended) {
            rest.remove_suffix(1);
        }
        // RFC 2231 §7: section = "0" / ("1"-"9" *DIGIT); no leading zeros, nothing else.
        if (rest.empty() || rest.size() > 4 || (rest.size() > 1 && rest.front() == '0') ||
            !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return false;
        }
        std::size_t number = 0;
        for (const char c : rest) {
            number = number * 10 + static_cast<std::size_t>(c - '0');
        }
        if (number >= limits_.max_sections) {
            list_.truncated = true;
            return true;
        }
        Group& group = group_for(groups_, base);
        for (const Section& section : group.sections) {
            if (section.number == number) {
                return false;
            }
        }
        group.sections.push_back(Section{number, extended, std::move(raw.value)});
        return true;
    }

    // Converts bytes in parameter.charset (empty: none given) to a UTF-8 value of at most
    // max_value bytes.
    void set_value(MimeParameter& parameter, std::string_view bytes)
    {
        if (parameter.charset.empty() && bytes.size() <= limits_.max_value && is_ascii(bytes)) {
            parameter.value.assign(bytes);  // what sanitize_utf8 gives for ASCII within the cap
            return;
        }
        Utf8Text text;
        if (parameter.charset.empty()) {
            text = sanitize_utf8(bytes, limits_.max_value);  // RFC 6532 raw UTF-8, or plain ASCII
        } else {
            text = convert_to_utf8(parameter.charset, bytes,
                                   CharsetLimits{.max_input = limits_.max_input,
                                                 .max_output = limits_.max_value});
            if (text.unknown_charset) {
                parameter.unknown_charset = true;
                text = sanitize_utf8(bytes, limits_.max_value);
            }
        }
        parameter.value = std::move(text.utf8);
        list_.had_invalid = list_.had_invalid || text.had_invalid;
        list_.truncated = list_.truncated || text.truncated;
    }

    MimeParameter resolve(Group& group)
    {
        MimeParameter parameter;
        parameter.name = std::move(group.name);  // resolve() is the group's last use
        if (group.extended) {
            const ExtendedValue extended = split_extended_value(*group.extended);
            parameter.charset = std::string(extended.charset);
            parameter.language = std::string(extended.language);
            set_value(parameter, percent_decode(extended.encoded));
            return parameter;
        }
        std::sort(group.sections.begin(), group.sections.end(),
                  [](const Section& a, const Section& b) { return a.number < b.number; });
        if (!group.sections.empty() && group.sections.front().number == 0) {
            std::string bytes;
            for (std::size_t i = 0; i < group.sections.size(); ++i) {
                const Section& section = group.sections[i];
                if (section.number != i) {
                    list_.malformed = true;  // a gap: RFC 2231 §3 numbers sections 0, 1, 2, ...
                    break;
                }
                std::string_view value = section.value;
                if (i == 0 && section.extended) {
                    const ExtendedValue extended = split_extended_value(value);
                    parameter.charset = std::string(extended.charset);
                    parameter.language = std::string(extended.language);
                    value = extended.encoded;
                }
                bytes += section.extended ? percent_decode(value) : std::string(value);
                if (bytes.size() > limits_.max_input) {
                    list_.truncated = true;
                    break;
                }
            }
            set_value(parameter, bytes);
            return parameter;
        }
        if (!group.sections.empty()) {
            list_.malformed = true;  // continuations without a *0
        }
        if (group.plain && group.plain->find("=?") != std::string::npos) {
            DecodedHeader decoded = decode_rfc2047(
                *group.plain, Rfc2047Limits{.max_input = limits_.max_input,
                                            .max_output = limits_.max_value,
                                            .max_encoded_words = default_max_encoded_words});
            parameter.value = std::move(decoded.utf8);
            parameter.unknown_charset = decoded.unknown_charset;
            list_.had_invalid = list_.had_invalid || decoded.had_invalid;
            list_.truncated = list_.truncated || decoded.truncated || decoded.too_many_words;
        } else if (group.plain) {
            set_value(parameter, *group.plain);
        }
        return parameter;
    }

    Rfc2231Limits limits_;
    ParameterList list_;
    std::vector<Group> groups_;
};

ParameterList ParameterParser::parse(std::string_view text)
{
    if (text.size() > limits_.max_input) {
        text = text.substr(0, limits_.max_input);
        list_.truncated = true;
    }
    std::size_t count = 0;
    Tokenizer tokens(text);
    while (true) {
        tokens.skip_cfws();
        if (tokens.at_end()) {
            break;
        }
        if (tokens.peek() == ';') {
            tokens.advance();
            continue;
        }
        const std::string_view name = tokens.take_token();
        tokens.skip_cfws();
        if (name.empty() || tokens.at_end() || tokens.peek() != '=') {
            list_.malformed = true;  // a stray character or a name without "=value"
            tokens.skip_to_semicolon();
            continue;
        }
        tokens.advance();
        tokens.skip_cfws();
        RawParameter raw;
        for (const char c : name) {
            raw.name += ascii_lower(c);  // RFC 2045 §5.1: parameter names are case-insensitive
        }
        if (!tokens.at_end() && tokens.peek() == '"') {
            Tokenizer::Quoted quoted = tokens.take_quoted();
            raw.value = std::move(quoted.value);
            list_.malformed = list_.malformed || !quoted.terminated;
            tokens.skip_cfws();
            if (!tokens.at_end() && tokens.peek() != ';') {
                list_.malformed = true;  // text after the closing quote is dropped
                tokens.skip_to_semicolon();
            }
        } else {
            bool missing_semicolon = false;
            raw.value = std::string(tokens.take_bare_value(missing_semicolon));
            list_.malformed = list_.malformed || missing_semicolon;
        }
        if (++count > limits_.max_parameters) {
            list_.truncated = true;
            break;
        }
        if (!file_parameter(std::move(raw))) {
            list_.malformed = true;
        }
    }
    list_.parameters.reserve(groups_.size());
    for (Group& group : groups_) {
        if (!group.plain && !group.extended && group.sections.empty()) {
            continue;  // only out-of-range sections were seen
        }
        list_.parameters.push_back(resolve(group));
    }
    return std::move(list_);
}

}  // namespace

ParameterList parse_mime_parameters(std::string_view text, Rfc2231Limits limits)
{
    return ParameterParser(limits).parse(text);
}

const MimeParameter* find_parameter(const ParameterList& list, std::string_view name)
{
    for (const MimeParameter& parameter : list.parameters) {
        if (parameter.name.size() == name.size() &&
            std::equal(name.begin(), name.end(), parameter.name.begin(),
                       [](char a, char b) { return ascii_lower(a) == b; })) {
            return &parameter;
        }
    }
    return nullptr;
}

}  // namespace harbor::mime
