// Fuzzes the text view: a raw message through parse_message, transfer and charset decoding,
// libxml2 for HTML parts, and the part walk. The view is valid UTF-8 with LF line ends and
// stays within its limits.
#include <cstdint>
#include <string_view>

#include "mime/charset.hpp"
#include "mime/text/text_view.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

bool valid_utf8(std::string_view text) { return !harbor::mime::sanitize_utf8(text).had_invalid; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    harbor::mime::Limits mime_limits;
    mime_limits.max_depth = 8;
    mime_limits.max_parts = 32;
    harbor::mime::TextViewLimits limits;
    limits.max_text = 1024;
    limits.max_attachments = 8;
    limits.html.max_input = 2048;
    limits.html.max_tags = 64;
    limits.html.max_links = 8;
    limits.html.max_images = 8;
    limits.html.max_url = 64;
    const harbor::mime::TextView view =
        harbor::mime::text_view(raw, harbor::mime::parse_message(raw, mime_limits), limits);
    check(view.text.size() <= limits.max_text);
    check(valid_utf8(view.text) && valid_utf8(view.subject));
    check(view.text.find('\r') == std::string_view::npos);
    check(view.links.size() <= limits.html.max_links);
    check(view.images.size() <= limits.html.max_images);
    check(view.attachments.size() <= limits.max_attachments);
    for (const harbor::mime::Link& link : view.links) {
        check(link.url.size() <= limits.html.max_url && valid_utf8(link.url));
        check(valid_utf8(link.text));
    }
    for (const harbor::mime::Attachment& attachment : view.attachments) {
        check(valid_utf8(attachment.filename));
    }
    return 0;
}
