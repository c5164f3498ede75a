// The text view of a message: what a reader would see as its text, in UTF-8, with the links,
// image references and attachments beside it. The spam filter, search indexing and DLP read
// messages through this. Text parts: RFC 2046 §4.1 (unknown text subtypes read as text/plain,
// §4.1.4), HTML: RFC 2854 via html_text.hpp, alternatives: RFC 2046 §5.1.4, encapsulated
// messages: RFC 2046 §5.2.1, attachments: RFC 2183 §2.
// SECURITY: the message is untrusted. The part tree is already capped by mime::Limits and is
// walked with a heap stack; each part's decoding is capped by BodyLimits, HTML by HtmlLimits,
// and the whole view by TextViewLimits (text bytes, links, images, attachments). Fuzzed by
// fuzz_text_view.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mime/body.hpp"
#include "mime/message.hpp"
#include "mime/text/html_text.hpp"

namespace harbor::mime {

constexpr std::size_t default_max_view_text = 1024 * 1024;  // UTF-8 bytes of the whole view
constexpr std::size_t default_max_view_part_input = 8 * 1024 * 1024;  // encoded bytes per part
constexpr std::size_t default_max_attachments = 1000;

struct TextViewLimits {
    // Per text part: encoded bytes read and UTF-8 bytes produced (HTML is then capped again by
    // html.max_input).
    BodyLimits body{default_max_view_part_input, 2 * default_max_html_input};
    HtmlLimits html;  // per HTML part; its max_links/max_images also bound the whole view
    std::size_t max_text = default_max_view_text;
    std::size_t max_attachments = default_max_attachments;
};

struct Attachment {
    std::string filename;      // Content-Disposition filename, else Content-Type name; UTF-8
    std::string content_type;  // "type/subtype", lower case
    std::string disposition;   // "attachment", "inline", or empty when there is no field
    std::size_t encoded_size = 0;  // body bytes as sent (before transfer decoding)
};

struct TextView {
    std::string subject;  // the top message's Subject, RFC 2047 decoded; not part of `text`
    std::string text;     // valid UTF-8, LF line ends; parts separated by a line break
    std::vector<Link> links;
    std::vector<std::string> images;
    std::vector<Attachment> attachments;  // every leaf part not read as text, in order
    HtmlFlags flags;                      // of all HTML parts, text alternatives or not
    bool html_seen = false;        // some text/html part was read
    bool truncated = false;        // a limit was hit, here or in the part tree (Message)
    bool had_invalid = false;      // bad transfer encoding or bytes that became U+FFFD
    bool unknown_charset = false;  // a part's charset had no converter: read as UTF-8
};

// The view of `message`, parsed from `raw` (which must outlive the call). Rules:
// - a text/* leaf part is text unless its Content-Disposition is "attachment" (then it is an
//   attachment, RFC 2183 §2.2); text/html goes through html_text(), the rest as plain text;
// - every other leaf is listed in `attachments` (images, application/*, ...);
// - multipart/alternative (RFC 2046 §5.1.4): the text comes from the text/plain alternative,
//   which is what filters and search index best; when it is missing or blank (a known trick
//   to hide the HTML's text from filters) it comes from the last alternative, the richest.
//   Links, images and flags are still taken from the HTML alternatives, whose text is dropped;
// - message/rfc822 and message/global: the encapsulated message's Subject is a line of
//   text, then its parts follow.
TextView text_view(std::string_view raw, const Message& message, const TextViewLimits& limits = {});

}  // namespace harbor::mime
