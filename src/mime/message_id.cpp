// RFC 5322 §3.6.4 msg-id lists with the §4.5.4 obsolete forms. See message_id.hpp.
// SECURITY: bounded by MessageIdLimits; one linear pass.
#include "mime/message_id.hpp"
#include "mime/header.hpp"

namespace harbor::mime {
namespace {

bool is_wsp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Moves i past the comment that starts at text[i] == '('; false if it is unclosed or too deep.
bool skip_comment(std::string_view text, std::size_t& i)
{
    std::size_t depth = 0;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\') {
            ++i;
        } else if (c == '(') {
            if (++depth > max_message_id_comment_depth) {
                return false;
            }
        } else if (c == ')') {
            if (--depth == 0) {
                ++i;
                return true;
            }
        }
    }
    return false;
}

// Reads "<...>" starting at text[i] == '<'; CFWS inside (obsolete) is removed, quoted strings
// (obs-id-left may be a quoted local part) are kept with their quotes.
std::string read_bracketed(std::string_view text, std::size_t& i, MessageIds& out)
{
    std::string id;
    for (++i; i < text.size(); ++i) {
        char c = text[i];
        if (c == '>') {
            ++i;
            return id;
        }
        if (is_wsp(c)) {
            continue;
        }
        if (c == '(') {
            if (!skip_comment(text, i)) {
                out.malformed = true;
                i = text.size();
                return id;
            }
            --i;
            continue;
        }
        if (c == '"') {
            id += c;
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    id += text[i++];
                }
                if (text[i] != '\r' && text[i] != '\n') {
                    id += text[i];
                }
            }
            if (i < text.size()) {
                id += '"';
            }
            continue;
        }
        id += c;
    }
    out.malformed = true;  // unclosed '<': keep what was read
    return id;
}

}  // namespace

MessageIds parse_message_ids(std::string_view field_body, MessageIdLimits limits)
{
    MessageIds out;
    std::string_view text = field_extent(field_body);
    if (text.size() > limits.max_input) {
        text = text.substr(0, limits.max_input);
        out.truncated = true;
    }
    std::vector<std::string> bare;  // words outside brackets, used only if no <id> is found
    std::size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (is_wsp(c) || c == ',') {
            ++i;
        } else if (c == '(') {
            if (!skip_comment(text, i)) {
                out.malformed = true;
                break;
            }
        } else if (c == '<') {
            std::string id = read_bracketed(text, i, out);
            if (id.empty()) {
                out.malformed = true;
                continue;
            }
            if (out.ids.size() >= limits.max_ids) {
                out.truncated = true;
                break;
            }
            out.ids.push_back(std::move(id));
        } else if (c == '"') {  // a quoted phrase (obs-in-reply-to): skip it
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\') {
                    ++i;
                }
            }
            ++i;
        } else {
            std::size_t start = i;
            while (i < text.size() && !is_wsp(text[i]) && text[i] != '<' && text[i] != '(' &&
                   text[i] != ',') {
                ++i;
            }
            if (bare.size() < limits.max_ids) {
                bare.emplace_back(text.substr(start, i - start));
            }
        }
    }
    if (out.ids.empty() && !bare.empty()) {
        out.malformed = true;
        out.ids = std::move(bare);
    }
    return out;
}

}  // namespace harbor::mime
