// Fuzzes HTML to text (libxml2's HTML parser and our tree walk): any bytes give valid UTF-8
// text, title, links and images within the limits, with no stray carriage returns.
#include <cstdint>
#include <string_view>

#include "mime/charset.hpp"
#include "mime/text/html_text.hpp"

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
    const std::string_view html(reinterpret_cast<const char*>(data), size);
    // Small limits so that short inputs reach every cap.
    harbor::mime::HtmlLimits limits;
    limits.max_input = 2048;
    limits.max_tags = 64;
    limits.max_attributes = 64;
    limits.max_tag_attributes = 8;
    limits.max_output = 512;
    limits.max_links = 4;
    limits.max_images = 4;
    limits.max_url = 64;
    limits.max_link_text = 16;
    const harbor::mime::HtmlText result = harbor::mime::html_text(html, limits);
    check(result.text.size() <= limits.max_output);
    check(valid_utf8(result.text) && valid_utf8(result.title));
    check(result.text.find('\r') == std::string_view::npos);
    check(result.links.size() <= limits.max_links);
    check(result.images.size() <= limits.max_images);
    for (const harbor::mime::Link& link : result.links) {
        check(link.url.size() <= limits.max_url && link.text.size() <= limits.max_link_text);
        check(valid_utf8(link.url) && valid_utf8(link.text));
        check(!link.text_host_mismatch || result.flags.has_link_host_mismatch);
    }
    for (const std::string& image : result.images) {
        check(image.size() <= limits.max_url && valid_utf8(image));
    }
    return 0;
}
