// RFC 5322 §3.4 address lists with §3.2.2 comments and §4.4 obsolete forms; RFC 2047 §5
// display names. See address_list.hpp.
// SECURITY: bounded by AddressListLimits; one linear tokenizer pass, no recursion.
#include "mime/address_list.hpp"
#include "mime/header.hpp"

#include <optional>

#include "mime/rfc2047.hpp"

namespace harbor::mime {
namespace {

enum class Kind { Word, Quoted, Comment, Special };

struct Token {
    Kind kind = Kind::Word;
    std::string text;  // Word: raw; Quoted/Comment: content, quoted-pairs and folds removed
    char special = 0;
    std::size_t begin = 0;  // raw span in the input
    std::size_t end = 0;
    bool space_before = false;
};

// White space of a folded field (WSP and the CRLF of a fold).
bool is_fws_char(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_special(char c)
{
    return c == '<' || c == '>' || c == ':' || c == ';' || c == ',' || c == '@';
}

// Reads a comment starting at text[i] == '('; returns its content and moves i past it.
std::string read_comment(std::string_view text, std::size_t& i, const AddressListLimits& limits,
                         AddressList& out)
{
    std::string content;
    std::size_t depth = 0;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size()) {
            content += text[++i];
            continue;
        }
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (c == '(') {
            if (++depth > limits.max_comment_depth) {
                out.comment_too_deep = true;
            }
            if (depth == 1) {
                continue;
            }
        } else if (c == ')') {
            if (--depth == 0) {
                ++i;
                return content;
            }
        }
        content += c;
    }
    out.malformed = true;  // unclosed comment runs to the end of the field
    return content;
}

std::string read_quoted(std::string_view text, std::size_t& i, AddressList& out)
{
    std::string content;
    for (++i; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size()) {
            content += text[++i];
        } else if (c == '"') {
            ++i;
            return content;
        } else if (c != '\r' && c != '\n') {
            content += c;
        }
    }
    out.malformed = true;
    return content;
}

std::vector<Token> tokenize(std::string_view text, const AddressListLimits& limits,
                            AddressList& out)
{
    std::vector<Token> tokens;
    bool space = false;
    std::size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (is_fws_char(c) || c == ')') {  // a stray ')' is dropped
            if (c == ')') {
                out.malformed = true;
            }
            space = true;
            ++i;
            continue;
        }
        Token token;
        token.begin = i;
        token.space_before = space;
        space = false;
        if (c == '(') {
            token.kind = Kind::Comment;
            token.text = read_comment(text, i, limits, out);
        } else if (c == '"') {
            token.kind = Kind::Quoted;
            token.text = read_quoted(text, i, out);
        } else if (is_special(c)) {
            token.kind = Kind::Special;
            token.special = c;
            ++i;
        } else if (c == '[') {  // domain literal (§3.4.1), may hold FWS
            std::size_t close = text.find(']', i);
            std::size_t stop = close == std::string_view::npos ? text.size() : close + 1;
            token.text = std::string(text.substr(i, stop - i));
            i = stop;
        } else {
            while (i < text.size() && !is_fws_char(text[i]) && !is_special(text[i]) &&
                   text[i] != '(' && text[i] != ')' && text[i] != '"') {
                ++i;
            }
            token.text = std::string(text.substr(token.begin, i - token.begin));
        }
        token.end = i;
        tokens.push_back(std::move(token));
    }
    return tokens;
}

// An addr-spec as written minus CFWS (§3.4.1, §4.4): comments and whitespace outside quotes go.
std::string strip_cfws(std::string_view raw, const AddressListLimits& limits, AddressList& out)
{
    std::string result;
    for (std::size_t i = 0; i < raw.size();) {
        char c = raw[i];
        if (is_fws_char(c)) {
            ++i;
        } else if (c == '(') {
            read_comment(raw, i, limits, out);
            out.obsolete = true;
        } else if (c == '"') {
            std::size_t start = i;
            read_quoted(raw, i, out);  // moves i past the quoted string; its bytes are kept
            for (std::size_t k = start; k < i && k < raw.size(); ++k) {
                if (raw[k] != '\r' && raw[k] != '\n') {
                    result += raw[k];
                }
            }
        } else {
            result += c;
            ++i;
        }
    }
    return result;
}

struct Spec {
    std::string local;
    std::string domain;
};

// Splits "[@route:]local@domain"; the §4.4 route is read and ignored.
std::optional<Spec> split_spec(std::string spec, AddressList& out)
{
    if (!spec.empty() && spec.front() == '@') {
        std::size_t colon = spec.find(':');
        if (colon != std::string::npos) {
            spec.erase(0, colon + 1);
            out.obsolete = true;
        }
    }
    std::size_t at = std::string::npos;
    bool quoted = false;
    for (std::size_t i = 0; i < spec.size(); ++i) {
        if (spec[i] == '\\' && quoted) {
            ++i;
        } else if (spec[i] == '"') {
            quoted = !quoted;
        } else if (spec[i] == '@' && !quoted) {
            at = i;
        }
    }
    Spec result;
    if (at == std::string::npos) {
        result.local = std::move(spec);
    } else {
        result.local = spec.substr(0, at);
        result.domain = spec.substr(at + 1);
    }
    if (result.local.empty()) {
        return std::nullopt;
    }
    return result;
}

std::string decode(const std::string& text)
{
    return decode_rfc2047(text).utf8;
}

class AddressListParser {
public:
    AddressListParser(std::string_view text, const AddressListLimits& limits, AddressList& out)
        : text_(text), limits_(limits), out_(out), tokens_(tokenize(text, limits, out))
    {
    }

    void run()
    {
        std::size_t start = 0;
        std::optional<std::size_t> angle_open;
        std::optional<std::size_t> angle_close;
        bool has_at = false;
        for (std::size_t i = 0; i < tokens_.size() && !full_; ++i) {
            const Token& token = tokens_[i];
            if (token.kind != Kind::Special) {
                continue;
            }
            if (angle_open && !angle_close) {  // inside <...> only '>' matters
                if (token.special == '>') {
                    angle_close = i;
                }
                continue;
            }
            switch (token.special) {
                case '<':
                    if (angle_open) {
                        out_.malformed = true;  // a second angle-addr: keep the first
                    } else {
                        angle_open = i;
                    }
                    break;
                case '>':
                    out_.malformed = true;
                    break;
                case '@':
                    has_at = true;
                    break;
                case ':':
                    if (!in_group_ && !angle_open && !has_at) {
                        group_ = decode(phrase(start, i));
                        out_.groups.push_back(group_);
                        in_group_ = true;
                        start = i + 1;
                    } else {
                        out_.malformed = true;
                    }
                    break;
                case ',':
                case ';':
                    finish(start, i, angle_open, angle_close);
                    start = i + 1;
                    angle_open.reset();
                    angle_close.reset();
                    has_at = false;
                    if (token.special == ';') {
                        if (!in_group_) {
                            out_.malformed = true;
                        }
                        in_group_ = false;
                        group_.clear();
                    }
                    break;
                default:
                    break;
            }
        }
        if (!full_) {
            finish(start, tokens_.size(), angle_open, angle_close);
        }
        if (in_group_) {
            out_.malformed = true;  // group without ';'
        }
    }

private:
    // The display-name phrase from the words and quoted strings in [from, to) outside <...>.
    std::string phrase(std::size_t from, std::size_t to, std::size_t skip_from = 0,
                       std::size_t skip_to = 0) const
    {
        std::string result;
        bool gap = false;
        for (std::size_t i = from; i < to; ++i) {
            if (i >= skip_from && i < skip_to) {
                gap = true;
                continue;
            }
            const Token& token = tokens_[i];
            if (token.kind == Kind::Comment) {
                gap = true;
                continue;
            }
            if (token.kind == Kind::Special) {
                if (token.special == '@' || token.special == ':') {  // stray, keep as text
                    result += token.special;
                    gap = false;
                }
                continue;
            }
            if (!result.empty() && (gap || token.space_before)) {
                result += ' ';
            }
            result += token.text;
            gap = false;
        }
        return result;
    }

    std::string comments(std::size_t from, std::size_t to, std::size_t skip_from,
                         std::size_t skip_to) const
    {
        std::string result;
        for (std::size_t i = from; i < to; ++i) {
            if (i >= skip_from && i < skip_to) {
                continue;
            }
            if (tokens_[i].kind != Kind::Comment) {
                continue;
            }
            if (!result.empty()) {
                result += ' ';
            }
            result += decode(tokens_[i].text);
        }
        return result;
    }

    void add(std::string name, std::string_view raw_spec, std::size_t from, std::size_t to,
             std::size_t skip_from, std::size_t skip_to)
    {
        std::optional<Spec> spec = split_spec(strip_cfws(raw_spec, limits_, out_), out_);
        if (!spec) {
            out_.malformed = true;
            return;
        }
        if (out_.addresses.size() >= limits_.max_addresses) {
            out_.truncated = true;
            full_ = true;
            return;
        }
        Address address;
        address.display_name = name.empty() ? comments(from, to, skip_from, skip_to) : decode(name);
        address.local_part = std::move(spec->local);
        address.domain = std::move(spec->domain);
        address.group = group_;
        out_.addresses.push_back(std::move(address));
    }

    // The last token of the domain after the '@' at `at`: dot-atoms, with the §4.4 CFWS
    // around the dots ("test  . example"); `at` itself if there is no domain.
    std::size_t domain_last(std::size_t at, std::size_t to) const
    {
        std::size_t last = at;
        for (std::size_t i = at + 1; i < to; ++i) {
            const Token& token = tokens_[i];
            if (token.kind == Kind::Comment) {
                continue;
            }
            if (token.kind != Kind::Word) {
                break;
            }
            bool joins = last == at || tokens_[last].text.back() == '.' ||
                         token.text.front() == '.' || !token.space_before;
            if (!joins) {
                break;
            }
            last = i;
        }
        return last;
    }

    void finish(std::size_t from, std::size_t to, std::optional<std::size_t> open,
                std::optional<std::size_t> close)
    {
        if (open) {  // name-addr: [phrase] "<" addr-spec ">" [CFWS]
            if (!close) {
                out_.malformed = true;
            }
            std::size_t raw_begin = tokens_[*open].end;
            std::size_t raw_end = close ? tokens_[*close].begin : text_.size();
            std::string_view raw = text_.substr(raw_begin, raw_end - raw_begin);
            std::size_t skip_to = close ? *close + 1 : to;
            add(phrase(from, to, *open, skip_to), raw, from, to, *open, skip_to);
            return;
        }
        // addr-spec, or the obsolete phrase-then-addr-spec without angle brackets.
        std::optional<std::size_t> at;
        std::size_t words = 0;
        std::optional<std::size_t> first_word;
        std::size_t last_word = from;
        for (std::size_t i = from; i < to; ++i) {
            if (tokens_[i].kind == Kind::Special && tokens_[i].special == '@' && !at) {
                at = i;
            }
            if (tokens_[i].kind != Kind::Comment) {
                if (tokens_[i].kind != Kind::Special) {
                    ++words;
                }
                if (!first_word) {
                    first_word = i;
                }
                last_word = i;
            }
        }
        if (!first_word) {
            return;  // empty ("a, , b", §4.4) or CFWS only (group-list, §3.4)
        }
        std::size_t spec_begin = *first_word;
        if (at) {
            spec_begin = *at;
            if (*at > from &&
                (tokens_[*at - 1].kind == Kind::Word || tokens_[*at - 1].kind == Kind::Quoted)) {
                spec_begin = *at - 1;
            }
            std::size_t domain_end = domain_last(*at, to);
            if (domain_end != last_word) {
                out_.malformed = true;  // words after the domain
            }
            last_word = domain_end;
        } else if (words != 1) {
            out_.malformed = true;  // words without an address
            return;
        }
        std::string_view raw = text_.substr(tokens_[spec_begin].begin,
                                            tokens_[last_word].end - tokens_[spec_begin].begin);
        if (!at) {
            out_.malformed = true;  // a local part without a domain
        }
        add(phrase(from, spec_begin), raw, from, to, spec_begin, last_word + 1);
    }

    std::string_view text_;
    const AddressListLimits& limits_;
    AddressList& out_;
    std::vector<Token> tokens_;
    bool in_group_ = false;
    bool full_ = false;  // max_addresses reached
    std::string group_;
};

}  // namespace

AddressList parse_address_list(std::string_view field_body, AddressListLimits limits)
{
    AddressList out;
    std::string_view text = field_extent(field_body);
    if (text.size() > limits.max_input) {
        text = text.substr(0, limits.max_input);
        out.truncated = true;
    }
    AddressListParser parser(text, limits, out);
    parser.run();
    return out;
}

std::string address_spec(const Address& address)
{
    if (address.domain.empty()) {
        return address.local_part;
    }
    return address.local_part + "@" + address.domain;
}

}  // namespace harbor::mime
