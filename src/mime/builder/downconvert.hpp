// Downconversion of a message to 7-bit for an SMTP server that does not offer 8BITMIME
// (RFC 6152 §3, RFC 1652 §3 and RFC 2045 §6, as Postfix does it): every leaf part with octets
// >= 0x80 in its body is re-encoded, text/* as quoted-printable and anything else as base64,
// and its Content-Transfer-Encoding set to match; containers are recursed into and keep their
// boundaries. Every byte that is not changed is copied as it is.
// SECURITY: the message is untrusted. Only offsets from parse_message() are used; a message
// that hit a parse limit is not converted; the output is parsed again and must have the same
// parts and no 8-bit body octet, or the input comes back unchanged. The output is at most
// about 3.2x the input (quoted-printable "=XX" plus soft breaks) plus 80 bytes per part.
// Fuzzed by fuzz_mime_downconvert.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mime/message.hpp"

namespace harbor::mime {

enum class DowngradeStatus {
    Changed,
    Unchanged,         // no 8-bit octet outside the header fields: nothing to do
    SkippedSigned,     // multipart/signed or application/pkcs7-mime at the top level
    SkippedEncrypted,  // multipart/encrypted at the top level
    SkippedTruncated,  // parse_message hit a limit: we would not copy what we did not see
    SkippedMalformed,  // 8-bit octets in a multipart without a usable boundary, or the
                       // converted message did not parse back to the same parts
};

// "changed", "unchanged", "skipped: signed", "skipped: encrypted", "skipped: truncated",
// "skipped: malformed".
std::string_view downgrade_status_name(DowngradeStatus status);

struct DowngradeResult {
    DowngradeStatus status = DowngradeStatus::Unchanged;
    std::string bytes;                 // the converted message; the input unchanged otherwise
    std::vector<std::string> changes;  // one line per change, for the log
    // A header block (of the message, a part or an encapsulated message) or a leading UTF-8
    // BOM in `bytes` holds octets >= 0x80. They are left alone (only SMTPUTF8, RFC 6531,
    // allows them; a Content-Transfer-Encoding field that is replaced goes with its octets);
    // the caller decides. Not computed when status is SkippedTruncated.
    bool header_8bit = false;
};

// Converts `raw` (parsed here with `limits`) so that every octet outside the header blocks is
// 7-bit:
// - a leaf body with 8-bit octets and Content-Transfer-Encoding 7bit, 8bit, binary, absent or
//   unknown is re-encoded: text/* as quoted-printable (line ends kept; base64 if a soft break
//   would make an enclosing boundary appear), others as base64; its Content-Transfer-Encoding
//   fields are replaced by one (or one is added, with MIME-Version at a message's top);
// - a leaf declared base64 is decoded (8-bit octets skipped as junk, as decoders do) and
//   encoded again; one declared quoted-printable gets them as "=XX" (decoders keep a raw
//   octet as it is), or goes base64 if that would complete an enclosing boundary;
// - message/global with 8-bit octets anywhere (its header included) becomes base64 as a whole
//   (RFC 6532 §3.7); message/rfc822 is recursed into;
// - multipart and message/rfc822 containers keep their boundaries; one declared 8bit or binary
//   whose content was converted is declared 7bit; 8-bit octets in a preamble or epilogue
//   (ignored by readers, RFC 2046 §5.1.1) become '?' (SkippedMalformed if that would
//   complete a boundary);
// - header fields are never changed for their 8-bit octets (see header_8bit).
// Signed or encrypted messages (at the top level) are not converted: the status says so.
DowngradeResult downconvert_to_7bit(std::string_view raw, const Limits& limits = {});

}  // namespace harbor::mime
