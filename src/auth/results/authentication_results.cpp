#include "auth/results/authentication_results.hpp"

#include "core/ascii.hpp"

namespace harbor::auth {
namespace {

// RFC 2045 §5.1 tspecials: a value containing one (or space, a control or non-ASCII) cannot
// be a token.
bool is_token_char(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
        return false;
    }
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

bool is_token(std::string_view text)
{
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (!is_token_char(c)) {
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
    while (at < value.size() && is_token_char(value[at])) {
        id += value[at++];
    }
    return id;
}

std::vector<const mime::HeaderField*> results_claiming(const std::vector<mime::HeaderField>& fields,
                                                       std::string_view authserv_id)
{
    std::vector<const mime::HeaderField*> found;
    for (const mime::HeaderField& field : fields) {
        if (iequals(field.name, "Authentication-Results") &&
            iequals(authserv_id_of(field.value), authserv_id)) {
            found.push_back(&field);
        }
    }
    return found;
}

}  // namespace harbor::auth
