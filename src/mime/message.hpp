// The MIME part tree of a raw message (RFC 5322, RFC 2045 §3, RFC 2046 §5.1 multipart,
// §5.2.1 message/rfc822, RFC 6532 §3.7 message/global) as byte offsets into the input.
// SECURITY: untrusted bytes; nesting, parts and header fields are capped by Limits; past a
// limit the tree is truncated and Message::truncated names the limit. Fuzzed by fuzz_mime.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "mime/content_type.hpp"
#include "mime/header.hpp"

namespace harbor::mime {

struct Part {
    // Offsets are absolute in the input given to parse_message(); the caller keeps it alive.
    std::size_t header_offset = 0;
    std::size_t header_length = 0;  // including the empty separator line
    std::size_t body_offset = 0;
    std::size_t body_length = 0;    // inside a multipart without the CRLF before the delimiter
    std::size_t body_lines = 0;     // LFs in the body, plus one for a final unterminated line
    std::vector<HeaderField> fields;
    ContentType content_type;
    TransferEncoding transfer_encoding = TransferEncoding::SevenBit;
    ContentDisposition disposition;
    bool skipped_header_lines = false;  // see HeaderBlock::skipped_lines
    bool missing_header_separator = false;
    bool missing_boundary = false;  // multipart without a boundary parameter or delimiter, or
                                    // with only the close delimiter (no body part at all)
    bool missing_close_delimiter = false;  // RFC 2046 §5.1.1 "--b--" never came
    std::vector<Part> children;  // multipart parts, or the one encapsulated message
};

struct Message {
    Part root;
    std::size_t part_count = 0;
    std::size_t max_depth_seen = 0;  // 0: the root only
    Limit truncated = Limit::None;   // the first limit hit, see limit_name()
    bool leading_bom = false;        // a UTF-8 BOM came first; root.header_offset is 3
};

// Never fails: any bytes give a tree. Line ends may be CRLF or bare LF (offsets stay exact).
Message parse_message(std::string_view raw, const Limits& limits = {});
// The top-level header block alone, delimited and limited exactly as parse_message() makes
// root.fields (after a leading BOM, offsets in `raw`), without looking at the body: for
// callers that need only the header (IMAP header SEARCH, SORT, THREAD).
HeaderBlock parse_root_header(std::string_view raw, const Limits& limits = {});

// The header and body bytes of a part of a message parsed from `raw`.
std::string_view header_bytes(std::string_view raw, const Part& part);
std::string_view body_bytes(std::string_view raw, const Part& part);

}  // namespace harbor::mime
