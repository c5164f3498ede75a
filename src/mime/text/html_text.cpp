// HTML to text over libxml2's HTML parser: one iterative walk of the parsed tree. See
// html_text.hpp for the rules.
// SECURITY: libxml2 builds the whole tree; html_input.cpp bounds what it is given (bytes, tags,
// attributes) so that its time and memory are bounded. The walk keeps its own small stacks on
// the heap and follows parent pointers, so nesting depth costs no call stack.
#include "mime/text/html_text.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <mutex>

#include "mime/charset.hpp"
#include "mime/text/html_input.hpp"
#include "mime/text/text_writer.hpp"

namespace harbor::mime {
namespace {

constexpr std::size_t max_title = 1024;  // bytes of <title> kept

// libxml2's global state is set up once (its own docs: call xmlInitParser before threads use
// it). xmlCleanupParser is never called: other threads may be parsing.
void init_libxml_once()
{
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
}

void ignore_error(void* /*context*/, xmlErrorPtr /*error*/) {}

// HTML_PARSE_NOERROR/NOWARNING silence errors reported against the parser context; the few
// reported without one (encoding errors) go to the thread's structured handler, so this
// thread's handler is swapped for a no-op during the parse and restored after it. libxml2 keeps
// the handler per thread, so no other thread is affected.
class QuietErrors {
public:
    QuietErrors() : saved_handler_(xmlStructuredError), saved_context_(xmlStructuredErrorContext)
    {
        xmlSetStructuredErrorFunc(nullptr, &ignore_error);
    }
    ~QuietErrors() { xmlSetStructuredErrorFunc(saved_context_, saved_handler_); }
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;

private:
    xmlStructuredErrorFunc saved_handler_;
    void* saved_context_;
};

struct ParserContextDeleter {
    void operator()(htmlParserCtxtPtr context) const { htmlFreeParserCtxt(context); }
};
struct DocumentDeleter {
    void operator()(htmlDocPtr document) const { xmlFreeDoc(document); }
};
using ParserContext = std::unique_ptr<htmlParserCtxt, ParserContextDeleter>;
using Document = std::unique_ptr<xmlDoc, DocumentDeleter>;

std::string_view as_view(const xmlChar* text)
{
    return text == nullptr ? std::string_view()
                           : std::string_view(reinterpret_cast<const char*>(text));
}

bool is_element(const xmlNode* node, std::string_view name)
{
    return node->type == XML_ELEMENT_NODE && iequals(as_view(node->name), name);
}

const xmlAttr* find_attribute(const xmlNode* node, std::string_view name)
{
    for (const xmlAttr* attribute = node->properties; attribute != nullptr;
         attribute = attribute->next) {
        if (iequals(as_view(attribute->name), name)) {
            return attribute;
        }
    }
    return nullptr;
}

// An attribute's value (libxml2 keeps it as text children, references already decoded),
// cut to at most `max` bytes on a character boundary.
std::string attribute_value(const xmlAttr* attribute, std::size_t max)
{
    std::string value;
    for (const xmlNode* child = attribute->children; child != nullptr && value.size() <= max;
         child = child->next) {
        value += as_view(child->content);
    }
    value.resize(utf8_prefix_length(value, max));
    return value;
}

// Block-level elements (HTML 4.01 §7.5.3 and HTML5 flow content that renders as a block).
bool is_block(std::string_view name)
{
    static constexpr std::string_view blocks[] = {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend",
        "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "tfoot", "thead", "tr", "ul"};
    return std::any_of(std::begin(blocks), std::end(blocks),
                       [name](std::string_view block) { return iequals(name, block); });
}

// Elements whose content is never shown as body text.
bool is_skipped(std::string_view name)
{
    return iequals(name, "script") || iequals(name, "style") ||
           iequals(name, "head") || iequals(name, "title") ||
           iequals(name, "template");
}

// CSS that hides an element, written any way (spaces, case).
bool hides(std::string_view style)
{
    std::string compact;
    for (const char c : style) {
        if (!is_html_space(c)) {
            compact += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
    }
    return compact.find("display:none") != std::string::npos ||
           compact.find("visibility:hidden") != std::string::npos;
}

bool is_suspicious_scheme(std::string_view url)
{
    return starts_with_ascii_nocase(url, "javascript:") ||
           starts_with_ascii_nocase(url, "vbscript:") || starts_with_ascii_nocase(url, "data:");
}

bool same_site(std::string_view shown, std::string_view actual)
{
    if (shown.starts_with("www.")) {
        shown.remove_prefix(4);
    }
    if (actual.starts_with("www.")) {
        actual.remove_prefix(4);
    }
    const auto is_subdomain = [](std::string_view sub, std::string_view parent) {
        return sub.size() > parent.size() && sub.ends_with(parent) &&
               sub[sub.size() - parent.size() - 1] == '.';
    };
    return shown == actual || is_subdomain(shown, actual) || is_subdomain(actual, shown);
}

class HtmlWalker {
public:
    HtmlWalker(HtmlText& result, const HtmlLimits& limits)
        : result_(result), limits_(limits), writer_(result.text, limits.max_output)
    {
    }

    void walk(const xmlDoc* document)
    {
        // Parent pointers give enter/leave order with no recursion and no stack of our own.
        const xmlNode* node = document->children;
        while (node != nullptr) {
            if (enter(node) && node->children != nullptr) {
                node = node->children;
                continue;
            }
            while (node != nullptr) {
                leave(node);
                if (node->next != nullptr) {
                    node = node->next;
                    break;
                }
                node = node->parent;
                if (node != nullptr && node->type != XML_ELEMENT_NODE) {
                    node = nullptr;  // back at the document node
                }
            }
        }
        result_.truncated = result_.truncated || writer_.truncated();
    }

private:
    // Returns whether to walk the node's children.
    bool enter(const xmlNode* node)
    {
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            text(as_view(node->content));
            return false;
        }
        if (node->type != XML_ELEMENT_NODE) {
            return false;  // comments, processing instructions, the DTD
        }
        const std::string_view name = as_view(node->name);
        scan_attributes(node);
        if (is_skipped(name)) {
            if (iequals(name, "script")) {
                result_.flags.has_script = true;
            } else if (iequals(name, "head")) {
                for (const xmlNode* child = node->children; child != nullptr;
                     child = child->next) {
                    if (is_element(child, "title")) {
                        take_title(child);
                    } else if (is_element(child, "script")) {
                        result_.flags.has_script = true;  // libxml2 moves a leading script here
                    }
                }
            } else if (iequals(name, "title")) {
                take_title(node);
            }
            return false;
        }
        if (is_hidden(node)) {
            hidden_.push_back(node);
        }
        if (iequals(name, "br")) {
            writer_.line_break();
        } else if (iequals(name, "td") || iequals(name, "th")) {
            writer_.space();
        } else if (iequals(name, "img")) {
            image(node);
        } else if (iequals(name, "a")) {
            anchor(node);
        } else if (iequals(name, "area")) {
            area(node);
        } else if (is_block(name)) {
            writer_.block_break();
            if (iequals(name, "pre")) {
                preformatted_.push_back(node);
            } else if (iequals(name, "form")) {
                result_.flags.has_form = true;
            }
        }
        return true;
    }

    void leave(const xmlNode* node)
    {
        if (node->type != XML_ELEMENT_NODE || is_skipped(as_view(node->name))) {
            return;
        }
        const std::string_view name = as_view(node->name);
        if (is_block(name)) {
            writer_.block_break();
        } else if (iequals(name, "td") || iequals(name, "th")) {
            writer_.space();
        }
        if (!preformatted_.empty() && preformatted_.back() == node) {
            preformatted_.pop_back();
        }
        if (!hidden_.empty() && hidden_.back() == node) {
            hidden_.pop_back();
        }
        if (anchor_node_ == node) {
            finish_link(result_.links[anchor_index_]);
            anchor_node_ = nullptr;
        }
    }

    void text(std::string_view content)
    {
        if (!hidden_.empty()) {
            if (content.find_first_not_of(" \t\n\r\f") != std::string_view::npos) {
                result_.flags.has_hidden_text = true;
            }
            return;
        }
        if (preformatted_.empty()) {
            writer_.text(content);
        } else {
            writer_.preformatted(content);
        }
        if (anchor_node_ != nullptr) {
            append_collapsed(result_.links[anchor_index_].text, content, limits_.max_link_text,
                             anchor_space_);
        }
    }

    // One pass over an element's attributes for what any element may carry.
    void scan_attributes(const xmlNode* node)
    {
        for (const xmlAttr* attribute = node->properties; attribute != nullptr;
             attribute = attribute->next) {
            const std::string_view name = as_view(attribute->name);
            if (name.size() > 2 && starts_with_ascii_nocase(name, "on")) {
                result_.flags.has_script = true;  // onclick=, onload=: event handlers
            } else if (iequals(name, "background")) {
                add_image(attribute);
            }
        }
    }

    bool is_hidden(const xmlNode* node) const
    {
        if (find_attribute(node, "hidden") != nullptr) {
            return true;  // HTML5 §6.1 the hidden attribute
        }
        const xmlAttr* style = find_attribute(node, "style");
        return style != nullptr && hides(attribute_value(style, limits_.max_input));
    }

    void take_title(const xmlNode* title)
    {
        if (!result_.title.empty()) {
            return;
        }
        bool pending_space = false;
        for (const xmlNode* child = title->children; child != nullptr; child = child->next) {
            if (child->type == XML_TEXT_NODE) {
                append_collapsed(result_.title, as_view(child->content), max_title,
                                 pending_space);
            }
        }
    }

    // A URL attribute as a browser reads it (WHATWG URL parsing strips leading and trailing
    // C0 controls and spaces and removes tabs and newlines), cut at max_url.
    std::string url_of(const xmlAttr* attribute)
    {
        std::string raw = attribute_value(attribute, limits_.max_input);
        std::string url;
        for (const char c : raw) {
            if (c != '\t' && c != '\n' && c != '\r') {
                url += c;
            }
        }
        const std::size_t begin = url.find_first_not_of(std::string_view(" \f\v\0", 4));
        url.erase(0, std::min(begin, url.size()));
        while (!url.empty() && (url.back() == ' ' || url.back() == '\f')) {
            url.pop_back();
        }
        if (url.size() > limits_.max_url) {
            url.resize(utf8_prefix_length(url, limits_.max_url));
            result_.truncated = true;
        }
        return url;
    }

    void add_image(const xmlAttr* attribute)
    {
        if (result_.images.size() >= limits_.max_images) {
            result_.truncated = true;
            return;
        }
        std::string url = url_of(attribute);
        if (!url.empty()) {
            result_.images.push_back(std::move(url));
        }
    }

    void image(const xmlNode* node)
    {
        if (const xmlAttr* src = find_attribute(node, "src"); src != nullptr) {
            add_image(src);
        }
        if (const xmlAttr* alt = find_attribute(node, "alt"); alt != nullptr) {
            // The alt text stands where the image would be (HTML 4.01 §13.8).
            writer_.space();
            text(attribute_value(alt, limits_.max_output));
            writer_.space();
        }
    }

    Link* add_link(const xmlNode* node)
    {
        const xmlAttr* href = find_attribute(node, "href");
        if (href == nullptr) {
            return nullptr;  // a named anchor, not a link
        }
        if (result_.links.size() >= limits_.max_links) {
            result_.truncated = true;
            return nullptr;
        }
        result_.links.push_back(Link{url_of(href), {}, false});
        if (is_suspicious_scheme(result_.links.back().url)) {
            result_.flags.has_script = result_.flags.has_script ||
                                       starts_with_ascii_nocase(result_.links.back().url,
                                                                "javascript:");
        }
        return &result_.links.back();
    }

    void anchor(const xmlNode* node)
    {
        Link* link = add_link(node);
        if (link == nullptr) {
            return;
        }
        if (anchor_node_ == nullptr) {  // text of a nested anchor belongs to the outer one
            anchor_node_ = node;
            anchor_index_ = result_.links.size() - 1;
            anchor_space_ = false;
        } else {
            finish_link(*link);
        }
    }

    void area(const xmlNode* node)
    {
        Link* link = add_link(node);
        if (link == nullptr) {
            return;
        }
        if (const xmlAttr* alt = find_attribute(node, "alt"); alt != nullptr) {
            bool pending_space = false;
            append_collapsed(link->text, attribute_value(alt, limits_.max_link_text),
                             limits_.max_link_text, pending_space);
        }
        finish_link(*link);
    }

    void finish_link(Link& link)
    {
        const std::string shown = text_host(link.text);
        if (shown.empty()) {
            return;
        }
        const std::string actual = url_host(link.url);
        link.text_host_mismatch =
            actual.empty() ? is_suspicious_scheme(link.url) : !same_site(shown, actual);
        result_.flags.has_link_host_mismatch =
            result_.flags.has_link_host_mismatch || link.text_host_mismatch;
    }

    HtmlText& result_;
    const HtmlLimits& limits_;
    TextWriter writer_;
    std::vector<const xmlNode*> hidden_;        // open hidden elements, innermost last
    std::vector<const xmlNode*> preformatted_;  // open <pre> elements
    const xmlNode* anchor_node_ = nullptr;      // the open <a> collecting anchor text
    std::size_t anchor_index_ = 0;
    bool anchor_space_ = false;
};

}  // namespace

HtmlText html_text(std::string_view html, const HtmlLimits& limits)
{
    HtmlText result;
    const std::size_t max_input = std::min<std::size_t>(limits.max_input, INT_MAX);
    if (html.size() > max_input) {
        html = html.substr(0, max_input);
        result.truncated = true;
    }
    Utf8Text input = sanitize_utf8(html, max_input);
    result.had_invalid = input.had_invalid;
    result.truncated = result.truncated || input.truncated;
    if (const std::size_t length = html_bounded_length(input.utf8, limits);
        length < input.utf8.size()) {
        input.utf8.resize(length);
        result.truncated = true;
    }
    if (input.utf8.empty()) {
        return result;
    }

    init_libxml_once();
    const QuietErrors quiet;
    const ParserContext context(htmlNewParserCtxt());
    if (!context) {
        result.truncated = true;  // out of memory
        return result;
    }
    // XML_PARSE_HUGE lifts libxml2's nesting limit (256), which otherwise stops the parse
    // there: text past 256 open elements would be hidden from filters. Our own limits above
    // bound the tree instead, and libxml2's HTML parser keeps open elements on the heap.
    const int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                        HTML_PARSE_NONET | static_cast<int>(XML_PARSE_HUGE);
    const Document document(htmlCtxtReadMemory(context.get(), input.utf8.data(),
                                               static_cast<int>(input.utf8.size()), nullptr,
                                               "UTF-8", options));
    if (!document) {
        return result;
    }
    HtmlWalker walker(result, limits);
    walker.walk(document.get());
    return result;
}

}  // namespace harbor::mime
