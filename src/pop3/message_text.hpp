// A stored message as POP3 sends it (RFC 1939 §3, §5): every line ends in CRLF (a bare LF
// becomes CRLF, an unterminated last line gets one), lines that begin with "." are
// byte-stuffed, and the termination octet is the caller's ".\r\n". LIST and STAT report
// pop3_size(), the octets of that CRLF form before byte-stuffing, so a client that counts what
// RETR sends (minus the stuffing) gets exactly the size it was told.
// SECURITY: the message bytes are untrusted (any octets, NULs included); both functions make one
// pass, never look past the end, and the output grows by at most one octet per line beyond the
// input plus the CRLFs added.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace harbor::pop3 {

// The octets of the CRLF form of `message` (see above).
std::uint64_t pop3_size(std::string_view message);

// Appends the CRLF form of `message`, byte-stuffed, to `out`. With `body_lines` (TOP, RFC 1939
// §7): the header, the blank line after it and at most that many body lines; a message
// without a blank line is all header.
void append_stuffed(std::string& out, std::string_view message,
                    std::optional<std::uint32_t> body_lines = std::nullopt);

}  // namespace harbor::pop3
