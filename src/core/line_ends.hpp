// Line ends for messages read from files and for text we compose: RFC 5322 §2.3 allows CR and LF
// only together, as CRLF, which is also what DKIM canonicalisation and SMTP expect.
#pragma once

#include <string>
#include <string_view>

namespace harbor {

// A LF without its CR and a CR without its LF each become CRLF; CRLF stays as it is.
inline std::string to_crlf(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) {
            out += '\r';
        }
        out += text[i];
        if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
            out += '\n';
        }
    }
    return out;
}

}  // namespace harbor
