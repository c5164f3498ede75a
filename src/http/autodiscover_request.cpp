// The Autodiscover request scan. See autodiscover_request.hpp. Markup forms skipped or
// recognised are those of XML 1.0 §2.5 (comments), §2.6 (processing instructions), §2.7 (CDATA
// sections), §2.8 (the document type declaration, refused), §3.1 (start-tags, end-tags and
// empty-element tags, with quoted attribute values that may hold '>'), §4.6 (the predefined
// entities) and §4.1 (character references, ASCII only here: an address is ASCII or UTF-8
// sent as such).
#include "http/autodiscover_request.hpp"

#include <optional>

namespace harbor::http {
namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';  // XML 1.0 §2.3 S
}

std::string_view trim_xml_space(std::string_view text)
{
    while (!text.empty() && is_xml_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_xml_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// The '>' that ends the tag opened at `from`, skipping quoted attribute values.
std::size_t tag_end(std::string_view body, std::size_t from)
{
    char quote = 0;
    for (std::size_t i = from; i < body.size(); ++i) {
        const char c = body[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i;
        }
    }
    return npos;
}

// Element text with its references replaced; nullopt for an unknown entity or a reference to
// a character outside printable ASCII.
std::optional<std::string> decode_text(std::string_view text)
{
    static constexpr std::pair<std::string_view, char> entities[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t amp = text.find('&', pos);
        out.append(text.substr(pos, amp == npos ? npos : amp - pos));
        if (amp == npos) {
            break;
        }
        const std::size_t semi = text.find(';', amp);
        if (semi == npos) {
            return std::nullopt;
        }
        const std::string_view name = text.substr(amp + 1, semi - amp - 1);
        std::optional<char> decoded;
        for (const auto& [entity, c] : entities) {
            if (name == entity) {
                decoded = c;
            }
        }
        if (!decoded && name.size() >= 2 && name.size() <= 5 && name[0] == '#') {
            const bool hex = name[1] == 'x';
            unsigned value = 0;
            bool digits = name.size() > (hex ? 2u : 1u);
            for (char c : name.substr(hex ? 2 : 1)) {
                const int digit = c >= '0' && c <= '9'          ? c - '0'
                                  : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                : -1;
                if (digit < 0) {
                    digits = false;
                    break;
                }
                value = value * (hex ? 16 : 10) + static_cast<unsigned>(digit);
            }
            if (digits && value >= 0x20 && value < 0x7f) {
                decoded = static_cast<char>(value);
            }
        }
        if (!decoded) {
            return std::nullopt;
        }
        out += *decoded;
        pos = semi + 1;
    }
    return out;
}

}  // namespace

Result<AutodiscoverRequest> parse_autodiscover_request(std::string_view body)
{
    if (body.size() > max_autodiscover_request) {
        return unexpected(Errc::Limit, "request larger than " +
                                           std::to_string(max_autodiscover_request) + " octets");
    }
    AutodiscoverRequest request;
    bool have_email = false;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const std::size_t open = body.find('<', pos);
        if (open == npos) {
            break;
        }
        const std::string_view rest = body.substr(open);
        std::size_t end = npos;
        if (rest.starts_with("<!--")) {
            end = body.find("-->", open + 4);
            if (end == npos) {
                return unexpected(Errc::Invalid, "unterminated comment");
            }
            pos = end + 3;
            continue;
        }
        if (rest.starts_with("<![CDATA[")) {
            end = body.find("]]>", open + 9);
            if (end == npos) {
                return unexpected(Errc::Invalid, "unterminated CDATA section");
            }
            pos = end + 3;
            continue;
        }
        if (rest.starts_with("<?")) {
            end = body.find("?>", open + 2);
            if (end == npos) {
                return unexpected(Errc::Invalid, "unterminated processing instruction");
            }
            pos = end + 2;
            continue;
        }
        if (rest.starts_with("<!")) {
            return unexpected(Errc::Invalid, "document type declarations are not accepted");
        }
        end = tag_end(body, open + 1);
        if (end == npos) {
            return unexpected(Errc::Invalid, "unterminated tag");
        }
        pos = end + 1;
        const std::string_view tag = body.substr(open + 1, end - open - 1);
        if (tag.starts_with('/') || tag.ends_with('/')) {
            continue;  // an end-tag, or an empty element: no text
        }
        std::string_view name = tag.substr(0, tag.find_first_of(" \t\r\n"));
        if (const std::size_t colon = name.rfind(':'); colon != npos) {
            name.remove_prefix(colon + 1);  // a namespace prefix: "a:EMailAddress"
        }
        const bool is_email = name == "EMailAddress";
        if (!is_email && name != "AcceptableResponseSchema") {
            continue;
        }
        // The element's text runs to the next markup, which must be its own end-tag.
        const std::size_t text_end = body.find('<', pos);
        if (text_end == npos || text_end - pos > max_element_text) {
            return unexpected(Errc::Invalid, std::string(name) + " text too long or unterminated");
        }
        const std::string_view qualified = tag.substr(0, tag.find_first_of(" \t\r\n"));
        const std::string closing = "</" + std::string(qualified);
        const std::size_t close_end = tag_end(body, text_end + 1);
        if (body.compare(text_end, closing.size(), closing) != 0 || close_end == npos ||
            !trim_xml_space(
                 body.substr(text_end + closing.size(), close_end - text_end - closing.size()))
                 .empty()) {
            return unexpected(Errc::Invalid, std::string(name) + " holds markup");
        }
        std::optional<std::string> text = decode_text(body.substr(pos, text_end - pos));
        if (!text) {
            return unexpected(Errc::Invalid, "bad reference in " + std::string(name));
        }
        if (is_email) {
            if (have_email) {
                return unexpected(Errc::Invalid, "more than one EMailAddress");
            }
            have_email = true;
            request.email = std::string(trim_xml_space(*text));
        } else {
            request.response_schema = std::string(trim_xml_space(*text));
        }
        pos = close_end + 1;
    }
    if (!have_email || request.email.empty()) {
        return unexpected(Errc::Invalid, "no EMailAddress");
    }
    return request;
}

}  // namespace harbor::http
