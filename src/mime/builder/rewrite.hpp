// Appending a disclaimer to a received message: the main text/plain and text/html parts are
// decoded (RFC 2045 §6, charset per RFC 2046 §4.1.2), extended and re-encoded in UTF-8; every
// other byte of the message is copied as it is. Signed or encrypted messages (RFC 1847 §2.1
// multipart/signed, §2.2 multipart/encrypted, RFC 8551 §3.2 application/pkcs7-mime) are left
// alone, since any change breaks the signature.
// SECURITY: the message is untrusted. Only offsets from parse_message() are used; a message
// that hit a parse limit is not rewritten; the output is at most about 4x the input plus the
// disclaimer (a byte decoded as U+FFFD is 3 UTF-8 bytes, base64 adds a third), and header
// parameters re-encoded as RFC 2231 at most 9x theirs. Fuzzed by fuzz_mime_rewrite.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/message.hpp"

namespace harbor::mime {

struct Disclaimer {
    std::string text;  // UTF-8, appended to text/plain (line ends become CRLF)
    std::string html;  // UTF-8 HTML, inserted before the last </body> of text/html, or appended
};

enum class RewriteStatus {
    Changed,
    SkippedSigned,     // multipart/signed or application/pkcs7-mime at the top level
    SkippedEncrypted,  // multipart/encrypted at the top level
    SkippedTruncated,  // parse_message hit a limit: we would not copy what we did not see
    SkippedMalformed,  // a multipart without a usable boundary
};

// "changed", "skipped: signed", "skipped: encrypted", "skipped: truncated",
// "skipped: malformed".
std::string_view rewrite_status_name(RewriteStatus status);

struct RewriteResult {
    RewriteStatus status = RewriteStatus::Changed;
    std::string bytes;                 // the new message; the input unchanged when skipped
    std::vector<std::string> changes;  // one line per change, for the log
};

// `message` must come from parse_message(raw). The parts changed are the first text/plain and
// the first text/html that are not attachments, at the top level or inside the first
// multipart/alternative or multipart/related (never inside message/rfc822). Their text gets
// `disclaimer` (plain: after a CRLF if the text does not end in a line end), their
// Content-Type gets charset=utf-8 with its other parameters kept, their
// Content-Transfer-Encoding is chosen anew; their other fields keep their bytes.
// A multipart with no such part gets a new first text/plain part holding the disclaimer.
// A top-level part that is not text (or is a text attachment) is wrapped: the message becomes
// multipart/mixed with the disclaimer as its first part and the original content, with its
// Content-* fields, as the second; the other top-level fields stay on the outside.
RewriteResult append_disclaimer(std::string_view raw, const Message& message,
                                const Disclaimer& disclaimer);

}  // namespace harbor::mime
