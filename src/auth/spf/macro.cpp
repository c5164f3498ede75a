// SPF macro-strings (RFC 7208 §7): one scanner walks the text for both the syntax check and
// the expansion, so the two can never disagree on what a macro is.
#include "auth/spf/macro.hpp"

#include <algorithm>
#include <vector>

#include "core/ascii.hpp"

namespace harbor::auth::spf {

namespace {

// One macro-expand "%{" letter transformers *delimiter "}" (§7.1).
struct Expand {
    char letter = 0;          // lower case
    bool url_escape = false;  // the letter was upper case (§7.3)
    std::size_t parts = 0;    // DIGIT transformer; 0: all parts
    bool reverse = false;     // "r" transformer
    std::string_view delimiters;
};

bool is_delimiter(char c)
{
    // delimiter = "." / "-" / "+" / "," / "/" / "_" / "=" (§7.1)
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

bool allowed_letter(char lower, MacroUse use)
{
    switch (lower) {
        case 's':
        case 'l':
        case 'o':
        case 'd':
        case 'i':
        case 'p':
        case 'h':
        case 'v':
            return true;
        case 'c':
        case 'r':
        case 't':
            // §7.1: "The following macro letters are allowed only in "exp" text: c, r, t".
            return use != MacroUse::DomainSpec;
        default:
            return false;
    }
}

// Walks text: literal runs go to on_literal(std::string_view), macros to on_macro(Expand).
// end_of_last_macro is set to the offset just past the last macro-expand (0 when none), which
// the domain-end rule needs.
template <typename OnLiteral, typename OnMacro>
Result<void> scan(std::string_view text, MacroUse use, OnLiteral&& on_literal, OnMacro&& on_macro,
                  std::size_t* end_of_last_macro = nullptr)
{
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        if (c != '%') {
            const auto byte = static_cast<unsigned char>(c);
            // macro-literal = %x21-24 / %x26-7E; explain-string adds SP (§7.1).
            if (byte > 0x7e || byte < 0x20 || (byte == 0x20 && use != MacroUse::Explanation)) {
                return unexpected(Errc::Invalid, "character " + std::to_string(byte) +
                                                     " not allowed in a macro-string");
            }
            std::size_t run = pos;
            while (run < text.size() && text[run] != '%') {
                const auto b = static_cast<unsigned char>(text[run]);
                if (b > 0x7e || b < 0x20 || (b == 0x20 && use != MacroUse::Explanation)) {
                    break;
                }
                ++run;
            }
            on_literal(text.substr(pos, run - pos));
            pos = run;
            continue;
        }
        if (pos + 1 >= text.size()) {
            return unexpected(Errc::Invalid, "'%' at the end of a macro-string");
        }
        const char next = text[pos + 1];
        if (next == '%' || next == '_' || next == '-') {
            // "%%", "%_" and "%-" stand for "%", SP and "%20" (§7.1).
            on_literal(next == '%' ? std::string_view("%")
                                   : (next == '_' ? std::string_view(" ") : "%20"));
            pos += 2;
            if (end_of_last_macro != nullptr) {
                *end_of_last_macro = pos;
            }
            continue;
        }
        if (next != '{') {
            return unexpected(Errc::Invalid, "'%' not followed by '{', '%', '_' or '-'");
        }
        pos += 2;
        if (pos >= text.size()) {
            return unexpected(Errc::Invalid, "unclosed macro");
        }
        Expand expand;
        const char letter = text[pos];
        expand.letter = ascii_lower(letter);
        expand.url_escape = letter != expand.letter;
        if (!allowed_letter(expand.letter, use)) {
            return unexpected(Errc::Invalid,
                              "macro letter '" + std::string(1, letter) + "' not allowed here");
        }
        ++pos;
        bool digits = false;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            digits = true;
            // Saturates: any count above the 127 labels a name can have keeps every part.
            expand.parts = std::min<std::size_t>(expand.parts * 10 + (text[pos] - '0'), 1000);
            ++pos;
        }
        if (digits && expand.parts == 0) {
            return unexpected(Errc::Invalid, "macro digit transformer of zero");  // §7.3
        }
        if (pos < text.size() && (text[pos] == 'r' || text[pos] == 'R')) {
            expand.reverse = true;
            ++pos;
        }
        const std::size_t delimiters_start = pos;
        while (pos < text.size() && is_delimiter(text[pos])) {
            ++pos;
        }
        expand.delimiters = text.substr(delimiters_start, pos - delimiters_start);
        if (pos >= text.size() || text[pos] != '}') {
            return unexpected(Errc::Invalid, "malformed macro-expand");
        }
        ++pos;
        if (end_of_last_macro != nullptr) {
            *end_of_last_macro = pos;
        }
        on_macro(expand);
    }
    return ok();
}

bool is_alphanum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
// (§7.1): letters, digits and dashes, not all digits, no dash at either end.
bool is_toplabel(std::string_view label)
{
    if (label.empty() || !is_alphanum(label.front()) || !is_alphanum(label.back())) {
        return false;
    }
    bool all_digits = true;
    for (const char c : label) {
        if (!is_alphanum(c) && c != '-') {
            return false;
        }
        if (c < '0' || c > '9') {
            all_digits = false;
        }
    }
    return !all_digits;
}

std::string transform(std::string_view value, const Expand& expand)
{
    const std::string_view delimiters = expand.delimiters.empty() ? "." : expand.delimiters;
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        if (i == value.size() || delimiters.find(value[i]) != std::string_view::npos) {
            parts.push_back(value.substr(start, i - start));
            start = i + 1;
        }
    }
    if (expand.reverse) {
        std::reverse(parts.begin(), parts.end());
    }
    std::size_t first = 0;
    if (expand.parts != 0 && expand.parts < parts.size()) {
        first = parts.size() - expand.parts;  // the right-hand parts (§7.3)
    }
    std::string out;
    for (std::size_t i = first; i < parts.size(); ++i) {
        if (i != first) {
            out += '.';
        }
        out += parts[i];
    }
    return out;
}

std::string url_escape(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        // unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3)
        if (is_alphanum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0x0f];
        }
    }
    return out;
}

std::string letter_value(char letter, const MacroValues& values)
{
    switch (letter) {
        case 's':
            return values.sender;
        case 'l':
            return values.local_part;
        case 'o':
            return values.sender_domain;
        case 'd':
            return values.domain;
        case 'i':
            return ip_macro_value(values.ip);
        case 'p':
            return values.validated_name;
        case 'v':
            return values.ip.is_v4() ? "in-addr" : "ip6";  // §7.3
        case 'h':
            return values.helo;
        case 'c':
            return values.ip.to_string();  // §7.3: IPv6 in RFC 5952 form
        case 'r':
            return values.receiver;
        case 't':
            return std::to_string(values.timestamp);
        default:
            return {};
    }
}

}  // namespace

Result<void> check_macro_string(std::string_view text, MacroUse use)
{
    return scan(
        text, use, [](std::string_view) {}, [](const Expand&) {});
}

Result<void> check_domain_spec(std::string_view text)
{
    if (text.empty()) {
        return unexpected(Errc::Invalid, "empty domain-spec");
    }
    std::size_t end_of_last_macro = 0;
    HARBOR_TRY(scan(
        text, MacroUse::DomainSpec, [](std::string_view) {}, [](const Expand&) {},
        &end_of_last_macro));
    if (end_of_last_macro == text.size()) {
        return ok();  // domain-end = macro-expand
    }
    std::string_view tail = text.substr(end_of_last_macro);
    if (tail.back() == '.') {
        tail.remove_suffix(1);
    }
    const std::size_t dot = tail.rfind('.');
    if (dot == std::string_view::npos || !is_toplabel(tail.substr(dot + 1))) {
        return unexpected(Errc::Invalid, "domain-spec does not end in a top label or a macro");
    }
    return ok();
}

bool uses_macro_letter(std::string_view text, char letter)
{
    bool found = false;
    const char lower = ascii_lower(letter);
    (void)scan(
        text, MacroUse::Explanation, [](std::string_view) {},
        [&](const Expand& expand) { found = found || expand.letter == lower; });
    return found;
}

void set_sender(MacroValues& values, std::string_view sender)
{
    const std::size_t at = sender.rfind('@');
    std::string_view local =
        at == std::string_view::npos ? std::string_view() : sender.substr(0, at);
    const std::string_view domain = at == std::string_view::npos ? sender : sender.substr(at + 1);
    if (local.empty()) {
        local = "postmaster";  // §4.3
    }
    values.local_part = std::string(local);
    values.sender_domain = std::string(domain);
    values.sender = values.local_part + '@' + values.sender_domain;
}

std::string ip_macro_value(const boost::asio::ip::address& ip)
{
    if (ip.is_v4()) {
        return ip.to_string();
    }
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char byte : ip.to_v6().to_bytes()) {
        if (!out.empty()) {
            out += '.';
        }
        out += hex[byte >> 4];
        out += '.';
        out += hex[byte & 0x0f];
    }
    return out;
}

Result<std::string> expand_macros(std::string_view text, const MacroValues& values, MacroUse use)
{
    std::string out;
    bool too_long = false;
    auto append = [&](std::string_view piece) {
        if (too_long || out.size() + piece.size() > max_expansion_octets) {
            too_long = true;
            return;
        }
        out += piece;
    };
    const auto on_macro = [&](const Expand& expand) {
        std::string value = transform(letter_value(expand.letter, values), expand);
        append(expand.url_escape ? url_escape(value) : value);
    };
    Result<void> scanned = scan(text, use, append, on_macro);
    if (!scanned) {
        return unexpected(std::move(scanned).error());
    }
    if (too_long) {
        return unexpected(Errc::Limit, "macro expansion longer than " +
                                           std::to_string(max_expansion_octets) + " octets");
    }
    return out;
}

Result<std::string> expand_domain_spec(std::string_view text, const MacroValues& values)
{
    Result<std::string> expanded = expand_macros(text, values, MacroUse::DomainSpec);
    if (!expanded) {
        return expanded;
    }
    std::string name = std::move(*expanded);
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    // §7.3: "the left side is truncated to fit, by removing successive domain labels (and their
    // following dots) until the total length does not exceed 253 characters".
    std::size_t start = 0;
    while (name.size() - start > 253) {
        const std::size_t dot = name.find('.', start);
        if (dot == std::string::npos) {
            start = name.size();
            break;
        }
        start = dot + 1;
    }
    return name.substr(start);
}

}  // namespace harbor::auth::spf
