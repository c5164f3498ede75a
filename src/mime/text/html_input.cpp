// The HTML prefix within the parse limits. See html_input.hpp.
// The scan follows libxml2's HTML tokenizer where it matters for counting: comments, quoted
// attribute values and the raw text of <script> and <style> (which ends at "</script" in
// recovery mode) hold no tags. Where the two disagree the scan can only over-count, which cuts
// early (flagged as truncated) but never lets more through.
#include "mime/text/html_input.hpp"

#include "mime/text/text_writer.hpp"

#include "core/ascii.hpp"

namespace harbor::mime {
namespace {

std::size_t skip_spaces(std::string_view html, std::size_t i)
{
    while (i < html.size() && is_html_space(html[i])) {
        ++i;
    }
    return i;
}

// The first case-insensitive occurrence of `needle` at or after `from`, or npos.
std::size_t find_nocase(std::string_view html, std::string_view needle, std::size_t from)
{
    for (std::size_t i = html.find('<', from); i != std::string_view::npos;
         i = html.find('<', i + 1)) {
        if (starts_with_ascii_nocase(html.substr(i), needle)) {
            return i;
        }
    }
    return std::string_view::npos;
}

}  // namespace

std::size_t html_bounded_length(std::string_view html, const HtmlLimits& limits)
{
    std::size_t tags = 0;
    std::size_t attributes = 0;
    std::size_t i = 0;
    while ((i = html.find('<', i)) != std::string_view::npos) {
        const std::size_t tag_start = i;
        if (++tags > limits.max_tags) {
            return tag_start;
        }
        ++i;
        if (html.substr(i).starts_with("!--")) {
            const std::size_t end = html.find("-->", i + 3);
            if (end == std::string_view::npos) {
                return html.size();
            }
            i = end + 3;
            continue;
        }
        if (i >= html.size() || !is_ascii_alpha(html[i])) {
            continue;  // an end tag, <!DOCTYPE>, <?pi>, or a stray '<' in text
        }
        std::size_t name_end = i;
        while (name_end < html.size() && !is_html_space(html[name_end]) &&
               html[name_end] != '>' && html[name_end] != '/') {
            ++name_end;
        }
        const std::string_view name = html.substr(i, name_end - i);
        i = name_end;
        std::size_t in_tag = 0;
        while (i < html.size() && html[i] != '>') {
            if (is_html_space(html[i]) || html[i] == '/') {
                ++i;
                continue;
            }
            if (++in_tag > limits.max_tag_attributes || ++attributes > limits.max_attributes) {
                return tag_start;
            }
            while (i < html.size() && !is_html_space(html[i]) && html[i] != '=' &&
                   html[i] != '>') {
                ++i;  // the attribute name
            }
            std::size_t value = skip_spaces(html, i);
            if (value >= html.size() || html[value] != '=') {
                continue;  // a name alone (HTML 4.01 §3.3.4.2 minimized attribute)
            }
            value = skip_spaces(html, value + 1);
            if (value < html.size() && (html[value] == '"' || html[value] == '\'')) {
                const std::size_t close = html.find(html[value], value + 1);
                if (close == std::string_view::npos) {
                    return html.size();  // the value runs to the end: no more tags
                }
                i = close + 1;
            } else {
                while (value < html.size() && !is_html_space(html[value]) &&
                       html[value] != '>') {
                    ++value;
                }
                i = value;
            }
        }
        if (iequals(name, "script") || iequals(name, "style")) {
            const std::size_t end = find_nocase(html, iequals(name, "script")
                                                          ? std::string_view("</script")
                                                          : std::string_view("</style"),
                                                i);
            if (end == std::string_view::npos) {
                return html.size();
            }
            i = end;
        }
    }
    return html.size();
}

}  // namespace harbor::mime
