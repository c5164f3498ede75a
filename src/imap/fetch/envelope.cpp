// ENVELOPE (RFC 9051 §7.5.2) with a raw address reader (RFC 5322 §3.4, obsolete §4.4).
// See envelope.hpp.
#include "imap/fetch/envelope.hpp"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "imap/fetch/imap_string.hpp"

namespace harbor::imap {
namespace {

bool is_wsp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// RFC 5322 §3.2.3 specials, plus the bytes that open a quoted string, comment or literal.
bool is_special(char c)
{
    return std::string_view("()<>[]:;@\\,.\"").find(c) != std::string_view::npos;
}

enum class TokenKind { Word, Quoted, DomainLiteral, Special };

struct Token {
    TokenKind kind = TokenKind::Word;
    std::string text;  // Quoted: the content with quoted-pairs undone; Special: the byte
    bool space_before = false;
};

// Splits a field body into tokens; comments are not tokens, the last one of an element is
// kept in `comment` by the reader. Comment nesting is a counter, not recursion.
class Tokenizer {
public:
    explicit Tokenizer(std::string_view text) : text_(text) {}

    // False at the end. A comment yields no token: it is stored in last_comment().
    bool next(Token& token)
    {
        bool space = false;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (is_wsp(c)) {
                space = true;
                ++pos_;
                continue;
            }
            if (c == '(') {
                read_comment();
                space = true;
                continue;
            }
            break;
        }
        if (pos_ >= text_.size()) {
            return false;
        }
        token = Token{};
        token.space_before = space;
        const char c = text_[pos_];
        if (c == '"') {
            token.kind = TokenKind::Quoted;
            read_quoted(token.text);
        } else if (c == '[') {
            token.kind = TokenKind::DomainLiteral;
            const std::size_t close = text_.find(']', pos_);
            const std::size_t end = close == std::string_view::npos ? text_.size() : close + 1;
            token.text = std::string(text_.substr(pos_, end - pos_));
            pos_ = end;
        } else if (is_special(c)) {
            token.kind = TokenKind::Special;
            token.text = std::string(1, c);
            ++pos_;
        } else {
            const std::size_t start = pos_;
            while (pos_ < text_.size() && !is_wsp(text_[pos_]) && !is_special(text_[pos_])) {
                ++pos_;
            }
            token.text = std::string(text_.substr(start, pos_ - start));
        }
        return true;
    }

    std::string take_comment() { return std::exchange(comment_, std::string()); }

private:
    void read_quoted(std::string& out)
    {
        ++pos_;  // the opening quote; an unclosed string runs to the end
        while (pos_ < text_.size() && text_[pos_] != '"') {
            if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
                ++pos_;  // RFC 5322 §3.2.1 quoted-pair
            }
            if (text_[pos_] != '\r' && text_[pos_] != '\n') {
                out += text_[pos_];
            }
            ++pos_;
        }
        pos_ = std::min(pos_ + 1, text_.size());
    }

    // RFC 5322 §3.2.2: comments nest; the content (outer parentheses removed) is kept as the
    // name of an addr-spec that has no phrase ("user@domain (Real Name)").
    void read_comment()
    {
        std::size_t depth = 0;
        const std::size_t start = pos_ + 1;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == '\\') {
                pos_ += 2;
                continue;
            }
            if (c == '(') {
                ++depth;
            } else if (c == ')' && --depth == 0) {
                break;
            }
            ++pos_;
        }
        const std::size_t end = std::min(pos_, text_.size());
        comment_ = unfolded_value(text_.substr(start, end - start));
        pos_ = std::min(pos_ + 1, text_.size());
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string comment_;
};

// Words of a phrase or an obs-phrase, one space where the header had whitespace.
std::string join_phrase(const std::vector<Token>& tokens)
{
    std::string out;
    for (const Token& token : tokens) {
        if (!out.empty() && token.space_before) {
            out += ' ';
        }
        out += token.text;
    }
    return out;
}

// A local part or domain: CFWS between the pieces is dropped (RFC 5322 §4.4). A quoted
// local part keeps its quotes so that mailbox@host is still a valid addr-spec.
std::string join_compact(const std::vector<Token>& tokens, std::size_t begin, std::size_t end)
{
    std::string out;
    for (std::size_t i = begin; i < end; ++i) {
        if (tokens[i].kind != TokenKind::Quoted) {
            out += tokens[i].text;
            continue;
        }
        out += '"';
        for (char c : tokens[i].text) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
    }
    return out;
}

class AddressReader {
public:
    explicit AddressReader(std::string_view text) : tokenizer_(text) {}

    std::vector<EnvelopeAddress> read()
    {
        Token token;
        while (out_.size() < max_envelope_addresses && tokenizer_.next(token)) {
            note_comment();
            if (token.kind != TokenKind::Special) {
                pending_.push_back(std::move(token));
                continue;
            }
            const char c = token.text[0];
            if (c == '<') {
                read_angle_address();
            } else if (c == ':' && !in_group_) {
                // RFC 5322 §3.4 group: display-name ":" [group-list] ";"
                out_.push_back({std::nullopt, std::nullopt, join_phrase(pending_), std::nullopt});
                in_group_ = true;
                reset();
            } else if (c == ';' && in_group_) {
                finish_element();
                out_.push_back({});  // RFC 9051 §7.5.2: end of group
                in_group_ = false;
            } else if (c == ',' || c == ';') {
                finish_element();  // a ';' outside a group is read as a separator
            } else if (c == '.' || c == '@') {
                pending_.push_back(std::move(token));
            }
            // Other strays (')', '>', ']', '\\', a second ':') carry nothing and are dropped.
        }
        note_comment();
        finish_element();
        if (in_group_ && out_.size() < max_envelope_addresses) {
            out_.push_back({});  // an unclosed group is closed, so markers stay paired
        }
        return std::move(out_);
    }

private:
    void note_comment()
    {
        std::string comment = tokenizer_.take_comment();
        if (!comment.empty()) {
            comment_ = std::move(comment);
        }
    }

    // "phrase <[@route,@route:]local@domain>": the phrase is what came before '<'.
    void read_angle_address()
    {
        std::vector<Token> inner;
        Token token;
        while (tokenizer_.next(token)) {
            if (token.kind == TokenKind::Special && token.text == ">") {
                break;
            }
            inner.push_back(std::move(token));
        }
        std::size_t begin = 0;
        std::optional<std::string> route;
        if (!inner.empty() && inner[0].text == "@") {
            std::size_t colon = 0;
            while (colon < inner.size() && inner[colon].text != ":") {
                ++colon;
            }
            if (colon < inner.size()) {
                route = join_compact(inner, 0, colon);
                begin = colon + 1;
            }
        }
        std::optional<std::string> name;
        if (!pending_.empty()) {
            name = join_phrase(pending_);
        }
        pending_.clear();
        angle_ = split_addr_spec(inner, begin);
        if (angle_) {
            angle_->name = std::move(name);
            angle_->route = std::move(route);
        }
        angle_seen_ = true;
    }

    // Two words with only white space between them: a phrase, which a local part without a
    // domain cannot be (RFC 5322 §3.4.1 dot-atom, §4.4 obs-local-part = word *("." word)).
    static bool has_adjacent_words(const std::vector<Token>& tokens, std::size_t begin)
    {
        for (std::size_t i = begin + 1; i < tokens.size(); ++i) {
            if (tokens[i].space_before && tokens[i].kind != TokenKind::Special &&
                tokens[i - 1].kind != TokenKind::Special) {
                return true;
            }
        }
        return false;
    }

    // local-part "@" domain over tokens [begin, end); the last '@' separates them.
    static std::optional<EnvelopeAddress> split_addr_spec(const std::vector<Token>& tokens,
                                                          std::size_t begin)
    {
        std::size_t at = tokens.size();
        for (std::size_t i = begin; i < tokens.size(); ++i) {
            if (tokens[i].kind == TokenKind::Special && tokens[i].text == "@") {
                at = i;
            }
        }
        if (at == tokens.size() && has_adjacent_words(tokens, begin)) {
            // "From: Someone Else" or "<Undisclosed Recipients>": a name with no address.
            // Joining the words would invent a mailbox; like "Name <>" it is left out.
            return std::nullopt;
        }
        EnvelopeAddress address;
        address.mailbox = join_compact(tokens, begin, at);
        address.host = at < tokens.size() ? join_compact(tokens, at + 1, tokens.size()) : "";
        if (address.mailbox->empty()) {
            return std::nullopt;  // "<>" or a bare "@domain": nothing to address
        }
        return address;
    }

    void finish_element()
    {
        std::optional<EnvelopeAddress> address =
            angle_seen_ ? std::move(angle_) : split_addr_spec(pending_, 0);
        if (address && !address->name && !comment_.empty()) {
            address->name = comment_;
        }
        if (address && out_.size() < max_envelope_addresses) {
            out_.push_back(std::move(*address));
        }
        reset();
    }

    void reset()
    {
        pending_.clear();
        angle_.reset();
        angle_seen_ = false;
        comment_.clear();
    }

    Tokenizer tokenizer_;
    std::vector<EnvelopeAddress> out_;
    std::vector<Token> pending_;
    std::optional<EnvelopeAddress> angle_;
    bool angle_seen_ = false;
    bool in_group_ = false;
    std::string comment_;
};

std::optional<std::string_view> field_value(const std::vector<mime::HeaderField>& fields,
                                            std::string_view name)
{
    // RFC 5322 §3.6 allows each envelope field once; like mime::read_envelope, the first wins.
    const mime::HeaderField* field = mime::find_field(fields, name);
    if (field == nullptr) {
        return std::nullopt;
    }
    return field->value;
}

void append_text_field(std::string& out, const std::vector<mime::HeaderField>& fields,
                       std::string_view name)
{
    const std::optional<std::string_view> value = field_value(fields, name);
    if (!value) {
        append_nil(out);  // RFC 9051 §7.5.2: absent Date, Subject, In-Reply-To, Message-ID
        return;
    }
    append_string(out, unfolded_value(*value));
}

void append_address_list(std::string& out, const std::vector<EnvelopeAddress>& addresses)
{
    if (addresses.empty()) {
        append_nil(out);
        return;
    }
    out += '(';
    for (const EnvelopeAddress& address : addresses) {
        out += '(';
        append_nstring(out, address.name);
        out += ' ';
        append_nstring(out, address.route);
        out += ' ';
        append_nstring(out, address.mailbox);
        out += ' ';
        append_nstring(out, address.host);
        out += ')';
    }
    out += ')';
}

std::vector<EnvelopeAddress> addresses_of(const std::vector<mime::HeaderField>& fields,
                                          std::string_view name)
{
    const std::optional<std::string_view> value = field_value(fields, name);
    return value ? read_envelope_addresses(*value) : std::vector<EnvelopeAddress>{};
}

}  // namespace

std::string unfolded_value(std::string_view value)
{
    std::string text = mime::unfold(value);
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        return {};
    }
    const std::size_t last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::vector<EnvelopeAddress> read_envelope_addresses(std::string_view field_body)
{
    return AddressReader(field_body.substr(0, max_envelope_field_input)).read();
}

void append_envelope(std::string& out, const std::vector<mime::HeaderField>& fields)
{
    const std::vector<EnvelopeAddress> from = addresses_of(fields, "From");
    std::vector<EnvelopeAddress> sender = addresses_of(fields, "Sender");
    std::vector<EnvelopeAddress> reply_to = addresses_of(fields, "Reply-To");
    // RFC 9051 §7.5.2: "If the Sender or Reply-To header fields are absent in the [RFC5322]
    // header, or are present but empty, the server sets the corresponding member of the
    // envelope to be the same value as the from member".
    if (sender.empty()) {
        sender = from;
    }
    if (reply_to.empty()) {
        reply_to = from;
    }
    out += '(';
    append_text_field(out, fields, "Date");
    out += ' ';
    append_text_field(out, fields, "Subject");
    for (const std::vector<EnvelopeAddress>* list :
         std::initializer_list<const std::vector<EnvelopeAddress>*>{&from, &sender, &reply_to}) {
        out += ' ';
        append_address_list(out, *list);
    }
    for (std::string_view name : {"To", "Cc", "Bcc"}) {
        out += ' ';
        append_address_list(out, addresses_of(fields, name));
    }
    out += ' ';
    append_text_field(out, fields, "In-Reply-To");
    out += ' ';
    append_text_field(out, fields, "Message-ID");
    out += ')';
}

std::string format_envelope(const std::vector<mime::HeaderField>& fields)
{
    std::string out;
    append_envelope(out, fields);
    return out;
}

}  // namespace harbor::imap
