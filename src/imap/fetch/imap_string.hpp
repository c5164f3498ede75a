// Writing IMAP strings into a response (RFC 9051 §4.3 string, quoted, literal; §4.5 NIL;
// RFC 3516 §4.1 literal8): the one place FETCH data and the session choose between the forms.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace harbor::imap {

// Values longer than this are sent as literals even when a quoted string could hold them: a
// literal has no line length to worry about (RFC 9051 §4.3 sets no limit, clients do).
constexpr std::size_t max_quoted_length = 1024;

// RFC 9051 §4.3: a quoted string if `value` is short, 7-bit and holds no CR, LF or NUL
// ('\' and '"' escaped), else a literal "{N}\r\n" + bytes. A literal cannot carry NUL
// (CHAR8 is %x01-ff), so each NUL is sent as 0x80, which keeps every length and offset.
void append_string(std::string& out, std::string_view value);

// RFC 9051 §4.5: NIL when the value is absent, else append_string().
void append_nstring(std::string& out, std::optional<std::string_view> value);

void append_nil(std::string& out);

// RFC 3516 §4.1 (BINARY[] data): a literal, or a literal8 "~{N}\r\n" when the bytes hold NUL.
void append_binary(std::string& out, std::string_view bytes);

std::string format_string(std::string_view value);

}  // namespace harbor::imap
