// IMAP tokens: RFC 9051 §4.1 (atom), §4.2 (number), §4.3 (string: quoted and literal),
// §9 (ATOM-CHAR, ASTRING-CHAR, QUOTED-CHAR, number64); RFC 7162 §7 (mod-sequence-value).
// SECURITY: see cursor.hpp.
#include "imap/protocol/cursor.hpp"

#include "core/ascii.hpp"

namespace harbor::imap {
namespace {

constexpr std::uint64_t max_number = 4294967295U;             // number, RFC 9051 §9
constexpr std::uint64_t max_number64 = 9223372036854775807U;  // number64, RFC 9051 §9

}  // namespace

bool is_atom_char(char c)
{
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
        return false;  // CTL, SP, and non-ASCII (CHAR is %x01-7F)
    }
    return std::string_view("(){%*\"\\]").find(c) == std::string_view::npos;
}

bool is_astring_char(char c)
{
    return is_atom_char(c) || c == ']';
}

bool Cursor::at_end() const
{
    return pos_ >= text().size() && piece_ + 1 >= command_.pieces.size();
}

bool Cursor::at_literal() const
{
    return pos_ >= text().size() && piece_ + 1 < command_.pieces.size();
}

char Cursor::peek() const
{
    return pos_ < text().size() ? text()[pos_] : '\0';
}

bool Cursor::consume(char c)
{
    if (pos_ < text().size() && text()[pos_] == c) {
        ++pos_;
        return true;
    }
    return false;
}

bool Cursor::consume_word(std::string_view word)
{
    const std::string_view rest = text().substr(pos_);
    if (rest.size() < word.size() || !iequals(rest.substr(0, word.size()), word)) {
        return false;
    }
    if (rest.size() > word.size() && is_atom_char(rest[word.size()]) &&
        is_atom_char(word.back())) {
        return false;
    }
    pos_ += word.size();
    return true;
}

Result<void> Cursor::expect(char c, std::string_view what)
{
    if (!consume(c)) {
        return syntax_error("expected " + std::string(what));
    }
    return ok();
}

Result<void> Cursor::space()
{
    return expect(' ', "a space");
}

Result<void> Cursor::end()
{
    if (!at_end()) {
        return syntax_error("unexpected extra arguments");
    }
    return ok();
}

std::string_view Cursor::take_while(bool (*predicate)(char))
{
    const std::size_t start = pos_;
    while (pos_ < text().size() && predicate(text()[pos_])) {
        ++pos_;
    }
    return text().substr(start, pos_ - start);
}

std::string_view Cursor::atom()
{
    return take_while(is_atom_char);
}

std::string_view Cursor::astring_atom()
{
    return take_while(is_astring_char);
}

Result<std::string> Cursor::quoted()
{
    if (!consume('"')) {
        return syntax_error("expected a quoted string");
    }
    std::string out;
    while (pos_ < text().size()) {
        const char c = text()[pos_++];
        if (c == '"') {
            return out;
        }
        if (c == '\\') {
            // quoted-specials only: "\\" and "\"" (RFC 9051 §9 QUOTED-CHAR).
            if (pos_ >= text().size() || (text()[pos_] != '\\' && text()[pos_] != '"')) {
                return syntax_error("bad escape in quoted string");
            }
            out += text()[pos_++];
            continue;
        }
        if (c == '\0' || c == '\r' || c == '\n') {
            return syntax_error("control character in quoted string");
        }
        out += c;  // UTF-8 is allowed in IMAP4rev2 quoted strings (RFC 9051 §9 QUOTED-CHAR)
    }
    return syntax_error("unterminated quoted string");
}

bool Cursor::next_literal_is_binary() const
{
    return at_literal() && command_.pieces[piece_ + 1].binary;
}

std::string Cursor::take_literal()
{
    std::string out = command_.pieces[piece_ + 1].data;
    piece_ += 2;
    pos_ = 0;
    return out;
}

Result<std::string> Cursor::literal()
{
    if (!at_literal()) {
        return syntax_error("expected a literal");
    }
    if (next_literal_is_binary()) {
        return syntax_error("literal8 not allowed here");  // RFC 3516 §4.3: APPEND only
    }
    std::string out = take_literal();
    if (out.find('\0') != std::string::npos) {
        return syntax_error("NUL in literal");  // RFC 9051 §4.3: CHAR8 excludes NUL
    }
    return out;
}

Result<std::string> Cursor::string()
{
    if (peek() == '"') {
        return quoted();
    }
    return literal();
}

Result<std::string> Cursor::astring()
{
    if (peek() == '"' || at_literal()) {
        return string();
    }
    const std::string_view word = astring_atom();
    if (word.empty()) {
        return syntax_error("expected a string");
    }
    return std::string(word);
}

Result<std::string> Cursor::nstring_or_nil(bool& is_nil)
{
    is_nil = consume_word("NIL");
    if (is_nil) {
        return std::string();
    }
    return string();
}

Result<std::uint64_t> Cursor::number64()
{
    if (!is_ascii_digit(peek())) {
        return syntax_error("expected a number");
    }
    std::uint64_t value = 0;
    while (is_ascii_digit(peek())) {
        value = value * 10 + static_cast<std::uint64_t>(peek() - '0');
        if (value > max_number64) {
            return syntax_error("number out of range");
        }
        ++pos_;
    }
    return value;
}

Result<std::uint32_t> Cursor::number()
{
    Result<std::uint64_t> value = number64();
    if (!value) {
        return unexpected(std::move(value).error());
    }
    if (*value > max_number) {
        return syntax_error("number out of range");
    }
    return static_cast<std::uint32_t>(*value);
}

Result<std::uint32_t> Cursor::nz_number()
{
    Result<std::uint32_t> value = number();
    if (value && *value == 0) {
        return syntax_error("expected a non-zero number");
    }
    return value;
}

Result<std::uint64_t> Cursor::mod_sequence_value(bool allow_zero)
{
    Result<std::uint64_t> value = number64();
    if (value && *value == 0 && !allow_zero) {
        return syntax_error("expected a non-zero mod-sequence");
    }
    return value;
}

}  // namespace harbor::imap
