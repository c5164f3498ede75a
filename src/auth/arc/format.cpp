// ARC field text, RFC 8617 §4.1.2-§4.1.3 (tag-lists), RFC 6376 §3.5 (where FWS may go),
// RFC 5322 §2.1.1 (78 columns), §2.2.3 (folding).
#include "auth/arc/format.hpp"

#include <algorithm>

#include "auth/dkim/field_folder.hpp"

namespace harbor::auth::arc {

namespace {

using Line = dkim::FieldFolder;

std::string rfc8617_layout(std::string_view field, const std::vector<TagValue>& tags,
                           std::string_view signature)
{
    Line line(std::string(field) + ":");
    for (const TagValue& tag : tags) {
        if (tag.name != "h") {
            line.add(tag.name + "=" + tag.value + ";", Line::Join::Space);
            continue;
        }
        // h=name:name:...; with a possible fold after each colon.
        std::string_view names = tag.value;
        bool first = true;
        while (true) {
            const std::size_t colon = names.find(':');
            const std::string_view name = names.substr(0, colon);
            const bool last = colon == std::string_view::npos;
            line.add((first ? "h=" : "") + std::string(name) + (last ? ";" : ":"),
                     first ? Line::Join::Space : Line::Join::Tight);
            first = false;
            if (last) {
                break;
            }
            names.remove_prefix(colon + 1);
        }
    }
    line.add("b=", Line::Join::Space);
    line.add_base64(signature);
    return line.take();
}

std::string test_suite_layout(std::string_view field, std::vector<TagValue> tags,
                              std::string_view signature)
{
    tags.push_back(TagValue{"b", std::string(signature)});
    std::sort(tags.begin(), tags.end(),
              [](const TagValue& a, const TagValue& b) { return a.name < b.name; });
    std::string out = std::string(field) + ":";
    for (std::size_t i = 0; i < tags.size(); ++i) {
        out += (i == 0 ? " " : "; ") + tags[i].name + "=" + tags[i].value;
    }
    return out;
}

}  // namespace

std::string format_signature_field(std::string_view field, const std::vector<TagValue>& tags,
                                   TagOrder order, std::string_view signature)
{
    return order == TagOrder::Rfc8617 ? rfc8617_layout(field, tags, signature)
                                      : test_suite_layout(field, tags, signature);
}

std::string fold_at_spaces(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    std::size_t column = 0;
    bool first = true;
    while (true) {
        const std::size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        if (!first) {
            // Fold in place of this space when the word would pass the column; never for an
            // empty word, so no line is left holding only whitespace.
            if (!word.empty() && column > 1 && column + 1 + word.size() > Line::fold_column) {
                out.append("\r\n ");
                column = 1;
            } else {
                out.push_back(' ');
                ++column;
            }
        }
        first = false;
        out.append(word);
        const std::size_t line_end = word.rfind('\n');
        column =
            line_end == std::string_view::npos ? column + word.size() : word.size() - line_end - 1;
        if (space == std::string_view::npos) {
            break;
        }
        text.remove_prefix(space + 1);
    }
    return out;
}

}  // namespace harbor::auth::arc
