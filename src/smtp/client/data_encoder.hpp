// The message content as the SMTP client writes it: every line ends in CRLF (RFC 5321 §2.3.8),
// a line that starts with "." gets a second one (§4.5.2 transparency) and the content ends with
// CRLF "." CRLF (§4.1.1.4) for DATA; for BDAT (RFC 3030 §2) only the line ends are normalised.
// Works chunk by chunk, so a large message is never copied whole.
// SECURITY: a bare CR or bare LF in stored content becomes CRLF, so Harbor never sends
// the ambiguous line ends that SMTP smuggling rests on, and "\n.\n" cannot end DATA early.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace harbor::smtp::client {

enum class DotStuffing { On, Off };

class DataEncoder {
public:
    explicit DataEncoder(DotStuffing stuffing) : stuffing_(stuffing) {}

    // Appends the encoded form of the next piece of content to `out`.
    void encode(std::string_view input, std::string& out);

    // Ends the content: CRLF if the last line has none, then with DotStuffing::On ".\r\n".
    void finish(std::string& out);

private:
    DotStuffing stuffing_;
    bool line_start_ = true;
    bool pending_cr_ = false;  // the previous piece ended in CR: CRLF split across two pieces
};

// The octets DataEncoder(DotStuffing::Off) makes of `content`, finish() included: the message
// size for SIZE= (RFC 1870 §6) and BDAT (RFC 3030 §2).
std::uint64_t encoded_size(std::string_view content);

}  // namespace harbor::smtp::client
