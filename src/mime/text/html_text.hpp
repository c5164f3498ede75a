// HTML bodies (text/html, RFC 2854) reduced to the text a reader sees, with the links and image
// references a filter scores, over libxml2's error-recovering HTML parser (HTML 4 rules).
// SECURITY: the HTML is untrusted. Input bytes, tags and attributes (the parse tree's size and
// libxml2's quadratic cases, html_input.hpp) are capped by HtmlLimits before libxml2 sees them,
// no network access (HTML_PARSE_NONET), the
// tree walk is iterative (nesting depth costs no stack), and output text, links, images, URL
// and anchor text lengths are capped. Fuzzed by fuzz_html_text and fuzz_text_view.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::mime {

constexpr std::size_t default_max_html_input = 2 * 1024 * 1024;  // newsletters are ~100 KiB
constexpr std::size_t default_max_html_tags = 50000;        // '<' outside comments and values
constexpr std::size_t default_max_html_attributes = 100000; // in the whole document
constexpr std::size_t default_max_tag_attributes = 256;     // in one tag; real mail has < 20
constexpr std::size_t default_max_text_output = 1024 * 1024;
constexpr std::size_t default_max_links = 1000;
constexpr std::size_t default_max_images = 1000;
constexpr std::size_t default_max_url = 4096;        // longer URLs are cut (and flagged)
constexpr std::size_t default_max_link_text = 256;   // visible text kept per link

struct HtmlLimits {
    std::size_t max_input = default_max_html_input;
    std::size_t max_tags = default_max_html_tags;
    std::size_t max_attributes = default_max_html_attributes;
    std::size_t max_tag_attributes = default_max_tag_attributes;
    std::size_t max_output = default_max_text_output;
    std::size_t max_links = default_max_links;
    std::size_t max_images = default_max_images;
    std::size_t max_url = default_max_url;
    std::size_t max_link_text = default_max_link_text;
};

struct Link {
    std::string url;   // the href as written, whitespace removed (as browsers do), UTF-8
    std::string text;  // visible anchor text, whitespace collapsed; <area>: its alt text
    // The visible text looks like a URL or domain name whose host is not the href's host
    // (nor a parent or subdomain of it): the classic phishing link.
    bool text_host_mismatch = false;
};

// What a filter wants to know about the markup besides its text.
struct HtmlFlags {
    bool has_form = false;         // <form>: a credentials form inside a mail
    bool has_script = false;       // <script>, or a javascript: link
    bool has_hidden_text = false;  // text under display:none, visibility:hidden or `hidden`
    bool has_link_host_mismatch = false;  // some Link::text_host_mismatch
};

struct HtmlText {
    std::string text;   // valid UTF-8, LF line ends, no leading or trailing line breaks
    std::string title;  // <title>, whitespace collapsed; not part of `text`
    std::vector<Link> links;          // <a href>, <area href>, in document order
    std::vector<std::string> images;  // <img src>, background="..." attributes, in order
    HtmlFlags flags;
    bool truncated = false;    // a limit was hit: input, tags, output, links, images or a URL
    bool had_invalid = false;  // the input was not valid UTF-8 (bytes became U+FFFD)
};

// The text of an HTML document given in UTF-8 (invalid bytes become U+FFFD first). Text rules:
// - <script>, <style>, <head> (so <title>), <template> and comments are not text;
// - block elements (p, div, li, tr, h1-h6, blockquote, table, ...) start and end a line, and
//   <br> ends one (two <br> give an empty line);
// - in other text each run of whitespace is one space (CSS white-space: normal); <pre> keeps
//   its whitespace;
// - character references are decoded; <img alt> text is included where the image is;
// - hidden text (see HtmlFlags) is left out, but its links and images are still collected.
// Thread-safe: no global libxml2 state is changed.
HtmlText html_text(std::string_view html, const HtmlLimits& limits = {});

// The lower-case host of an absolute URL ("https://user@Host.Example:8080/x" -> "host.example")
// or of text that looks like one ("www.example.com/login", "paypal.com"); empty if none.
// Exposed for the filters and the tests.
std::string url_host(std::string_view url);
std::string text_host(std::string_view text);

}  // namespace harbor::mime
