// The token level of the IMAP command grammar (RFC 9051 §4, §9): atoms, numbers, quoted
// strings, literals and astrings, read from a RawCommand (text pieces joined by literals).
// Internal to imap/protocol; the command parsers use it.
// SECURITY: reads untrusted pieces without copying more than the token asked for; numbers are
// range-checked digit by digit; quoted strings refuse CR, LF and NUL (RFC 9051 §4.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "imap/protocol/command_reader.hpp"

namespace harbor::imap {

// ATOM-CHAR: any CHAR except atom-specials (RFC 9051 §9).
bool is_atom_char(char c);
// ASTRING-CHAR = ATOM-CHAR / resp-specials ("]").
bool is_astring_char(char c);

inline Unexpected syntax_error(std::string reason)
{
    return unexpected(Errc::Invalid, std::move(reason));
}

class Cursor {
public:
    explicit Cursor(const RawCommand& command) : command_(command) {}

    bool at_end() const;      // nothing left at all
    bool at_literal() const;  // the next token is a literal
    char peek() const;        // the next text octet, '\0' at a literal or the end
    bool consume(char c);
    // Consumes `word` (ASCII case-insensitive) if the text continues with it and the next octet
    // does not continue an atom.
    bool consume_word(std::string_view word);
    Result<void> expect(char c, std::string_view what);
    Result<void> space();                  // exactly one SP (RFC 9051 §9)
    Result<void> end();                    // nothing may follow

    std::string_view atom();               // 1*ATOM-CHAR, empty if none
    std::string_view astring_atom();       // 1*ASTRING-CHAR
    std::string_view take_while(bool (*predicate)(char));

    Result<std::string> quoted();          // DQUOTE *QUOTED-CHAR DQUOTE
    Result<std::string> literal();         // a literal; literal8 refused
    Result<std::string> string();          // quoted / literal
    Result<std::string> astring();         // 1*ASTRING-CHAR / string
    Result<std::string> nstring_or_nil(bool& is_nil);
    Result<std::uint32_t> number();        // 32-bit number
    Result<std::uint32_t> nz_number();
    Result<std::uint64_t> number64();      // RFC 9051 §9: up to 2^63-1
    Result<std::uint64_t> mod_sequence_value(bool allow_zero);  // RFC 7162 §7

    // The literal that follows, when it is a literal8 (RFC 3516 §4.3): the APPEND form.
    bool next_literal_is_binary() const;
    std::string take_literal();            // at_literal() must hold

private:
    std::string_view text() const { return command_.pieces[piece_].data; }

    const RawCommand& command_;
    std::size_t piece_ = 0;
    std::size_t pos_ = 0;
};

}  // namespace harbor::imap
