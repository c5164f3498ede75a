#include "auth/results/authentication_results.hpp"

#include "core/ascii.hpp"
#include "mime/token.hpp"

namespace harbor::auth {
namespace {

bool is_token(std::string_view text)
{
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (!mime::is_token_char(c)) {
            return false;
        }
    }
    return true;
}

// RFC 8601 §2.3 pvalue: [[local-part] "@"] domain-name. Accepts dot-atoms around one "@",
// which covers what we write (domains, addresses, "@domain" for an i= without a local part).
bool is_address_or_domain(std::string_view text)
{
    const std::size_t at = text.find('@');
    const std::string_view domain = at == std::string_view::npos ? text : text.substr(at + 1);
    const std::string_view local = at == std::string_view::npos ? "" : text.substr(0, at);
    auto dot_atom = [](std::string_view part, bool may_be_empty) {
        if (part.empty()) {
            return may_be_empty;
        }
        if (part.front() == '.' || part.back() == '.' ||
            part.find("..") != std::string_view::npos) {
            return false;
        }
        for (const char c : part) {
            // RFC 5322 atext, and "."
            const bool atext =
                (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
            if (!atext) {
                return false;
            }
        }
        return true;
    };
    return domain.find('.') != std::string_view::npos && dot_atom(domain, false) &&
           dot_atom(local, true);
}

std::string quoted(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == '\r' || byte == '\n') {
            out += ' ';  // never a line break inside our own field
            continue;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

// RFC 5322 §3.2.2 ctext: no line breaks, and parentheses and backslashes quoted.
std::string comment_text(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        if (c == '\r' || c == '\n') {
            out += ' ';
            continue;
        }
        if (c == '(' || c == ')' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

std::string value_text(std::string_view text)
{
    return is_token(text) ? std::string(text) : quoted(text);
}

std::string pvalue_text(std::string_view text)
{
    return is_address_or_domain(text) || is_token(text) ? std::string(text) : quoted(text);
}

// Skips folding white space and RFC 5322 comments (nested, with quoted pairs).
std::size_t skip_cfws(std::string_view text, std::size_t at)
{
    while (at < text.size()) {
        const char c = text[at];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++at;
        } else if (c == '(') {
            int depth = 0;
            while (at < text.size()) {
                const char d = text[at++];
                if (d == '\\' && at < text.size()) {
                    ++at;
                } else if (d == '(') {
                    ++depth;
                } else if (d == ')' && --depth == 0) {
                    break;
                }
            }
        } else {
            break;
        }
    }
    return at;
}

}  // namespace

std::string authentication_results_field(std::string_view authserv_id,
                                         const std::vector<ResultInfo>& results)
{
    std::string field = "Authentication-Results: " + value_text(authserv_id);
    if (results.empty()) {
        return field + "; none\r\n";
    }
    for (const ResultInfo& info : results) {
        field += ";\r\n\t" + info.method + "=" + info.result;
        if (!info.comment.empty()) {
            field += " (" + comment_text(info.comment) + ")";
        }
        if (!info.reason.empty()) {
            field += " reason=" + quoted(info.reason);
        }
        for (const ResultProperty& property : info.properties) {
            field +=
                " " + property.ptype + "." + property.property + "=" + pvalue_text(property.value);
        }
    }
    return field + "\r\n";
}

std::string authserv_id_of(std::string_view value)
{
    std::size_t at = skip_cfws(value, 0);
    std::string id;
    if (at < value.size() && value[at] == '"') {
        for (++at; at < value.size() && value[at] != '"'; ++at) {
            if (value[at] == '\\' && at + 1 < value.size()) {
                ++at;
            }
            id += value[at];
        }
        return id;
    }
    // A token; RFC 7001 and earlier servers also wrote dotted names, which are tokens too.
    while (at < value.size() && mime::is_token_char(value[at])) {
        id += value[at++];
    }
    return id;
}

std::vector<FieldSpan> results_claiming(std::string_view message, std::string_view authserv_id)
{
    constexpr std::string_view name = "Authentication-Results";
    std::vector<FieldSpan> found;
    std::size_t at = 0;
    while (at < message.size()) {
        // One field: its first line, then the continuation lines that start with WSP.
        std::size_t end = message.find('\n', at);
        end = end == std::string_view::npos ? message.size() : end + 1;
        const std::string_view first = message.substr(at, end - at);
        if (first == "\r\n" || first == "\n") {
            break;  // the empty line ends the header
        }
        while (end < message.size() && (message[end] == ' ' || message[end] == '\t')) {
            const std::size_t next = message.find('\n', end);
            end = next == std::string_view::npos ? message.size() : next + 1;
        }
        const std::size_t colon = first.find(':');
        if (colon != std::string_view::npos) {
            std::string_view field_name = first.substr(0, colon);
            while (!field_name.empty() && (field_name.back() == ' ' || field_name.back() == '\t')) {
                field_name.remove_suffix(1);  // RFC 5322 §4.5 obsolete WSP before the colon
            }
            if (iequals(field_name, name)) {
                const std::string_view value = message.substr(at + colon + 1, end - at - colon - 1);
                if (iequals(authserv_id_of(value), authserv_id)) {
                    found.push_back({at, end - at});
                }
            }
        }
        at = end;
    }
    return found;
}

}  // namespace harbor::auth
