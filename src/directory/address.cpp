// Mailbox address parsing and normalisation: RFC 5321 §4.1.2, §4.1.3, §4.5.3.1; RFC 6531 §3.3;
// IDNA2008 via libidn2 (RFC 5891 §5) with UTS #46 non-transitional mapping.
// SECURITY: untrusted input, capped at max_address_input; one pass per part; libidn2 gets
// NUL-free valid UTF-8 only.
#include "directory/address.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdlib>

#include "core/ascii.hpp"
#include "core/idna.hpp"
#include "sasl/sasl_string.hpp"

namespace harbor::directory {
namespace {

Unexpected invalid(std::string detail)
{
    return unexpected(Errc::Invalid, std::move(detail));
}

bool is_ascii_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}
bool is_non_ascii(char c)
{
    return static_cast<unsigned char>(c) >= 0x80;
}

// atext (RFC 5322 §3.2.3) plus UTF8-non-ascii (RFC 6531 §3.3); UTF-8 validity is checked apart.
bool is_atext(char c)
{
    if (is_ascii_alpha(c) || is_ascii_digit(c) || is_non_ascii(c)) {
        return true;
    }
    constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return specials.find(c) != std::string_view::npos;
}

// Dot-string = Atom *("." Atom) (RFC 5321 §4.1.2).
Result<void> check_dot_string(std::string_view text)
{
    if (text.empty()) {
        return invalid("empty local part");
    }
    if (text.front() == '.') {
        return invalid("local part starts with '.'");
    }
    if (text.back() == '.') {
        return invalid("local part ends with '.'");
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '.') {
            if (text[i + 1] == '.') {
                return invalid("'..' in local part");
            }
            continue;
        }
        if (!is_atext(text[i])) {
            return invalid("character not allowed in unquoted local part at offset " +
                           std::to_string(i));
        }
    }
    return ok();
}

bool is_dot_string(std::string_view text)
{
    return static_cast<bool>(check_dot_string(text));
}

struct LocalPart {
    std::string value;
    std::size_t wire_length = 0;  // octets as written, quotes included (RFC 5321 §4.5.3.1.1)
};

// Quoted-string = DQUOTE *QcontentSMTP DQUOTE (RFC 5321 §4.1.2); qtextSMTP is %d32-33 /
// %d35-91 / %d93-126 and, by RFC 6531 §3.3, UTF8-non-ascii; quoted-pairSMTP is "\" %d32-126.
Result<LocalPart> parse_quoted_local(std::string_view text)
{
    LocalPart local;
    for (std::size_t i = 1; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            local.wire_length = i + 1;
            return local;
        }
        if (c == '\\') {
            if (i + 1 >= text.size()) {
                break;
            }
            const char escaped = text[i + 1];
            if (escaped < 32 || escaped > 126) {
                return invalid("bad quoted-pair in local part at offset " + std::to_string(i));
            }
            local.value += escaped;
            ++i;
            continue;
        }
        if (!is_non_ascii(c) && (c < 32 || c > 126)) {
            return invalid("control character in quoted local part at offset " + std::to_string(i));
        }
        local.value += c;
    }
    return invalid("unbalanced quote in local part");
}

// IPv4-address-literal, IPv6-address-literal (RFC 5321 §4.1.3); the content between brackets.
Result<std::string> parse_address_literal(std::string_view content)
{
    std::array<unsigned char, 16> binary{};
    std::array<char, INET6_ADDRSTRLEN> text{};
    const std::string ipv4(content);
    if (inet_pton(AF_INET, ipv4.c_str(), binary.data()) == 1) {
        inet_ntop(AF_INET, binary.data(), text.data(), text.size());
        return "[" + std::string(text.data()) + "]";
    }
    constexpr std::string_view ipv6_tag = "ipv6:";  // ABNF strings are case-insensitive
    std::string tag(content.substr(0, ipv6_tag.size()));
    for (char& c : tag) {
        c = ascii_lower(c);
    }
    if (tag == ipv6_tag) {
        const std::string ipv6(content.substr(ipv6_tag.size()));
        if (inet_pton(AF_INET6, ipv6.c_str(), binary.data()) == 1) {
            inet_ntop(AF_INET6, binary.data(), text.data(), text.size());
            return "[IPv6:" + std::string(text.data()) + "]";
        }
        return invalid("bad IPv6 address literal");
    }
    // General-address-literal (Standardized-tag ":" dcontent) names no registered tag but IPv6.
    return invalid("bad or unsupported address literal");
}

// A-label domain after libidn2: LDH labels of 1-63 octets, no hyphen at either end
// (RFC 5321 §4.1.2 sub-domain, RFC 1035 §2.3.1), a non-numeric last label (an IP address must
// be written as a literal, RFC 5321 §4.1.3).
Result<void> check_ldh_domain(std::string_view domain)
{
    if (domain.size() > max_domain_octets) {
        return invalid("domain longer than " + std::to_string(max_domain_octets) + " octets");
    }
    std::size_t start = 0;
    bool all_digits = true;
    while (true) {
        const std::size_t dot = domain.find('.', start);
        const std::string_view label = domain.substr(start, dot - start);
        if (label.empty()) {
            return invalid("empty label in domain");
        }
        if (label.size() > max_label_octets) {
            return invalid("domain label longer than 63 octets");
        }
        if (label.front() == '-' || label.back() == '-') {
            return invalid("domain label starts or ends with '-'");
        }
        all_digits = true;
        for (const char c : label) {
            if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-') {
                return invalid("character not allowed in domain: '" + std::string(1, c) + "'");
            }
            all_digits = all_digits && is_ascii_digit(c);
        }
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    if (all_digits) {
        return invalid("numeric top-level label (write an IP address as [a.b.c.d])");
    }
    return ok();
}

// A lower-cased LDH name that libidn2 must see: a label with "--" in its third and fourth
// places is an A-label ("xn--", RFC 5890 §2.3.2.1) to validate, or a reserved one it refuses
// (RFC 5891 §4.2.3.1).
bool has_hyphens_at_three_and_four(std::string_view domain)
{
    for (std::size_t start = 0; start < domain.size();) {
        if (start + 4 <= domain.size() && domain.compare(start + 2, 2, "--") == 0) {
            return true;
        }
        const std::size_t dot = domain.find('.', start);
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    return false;
}

}  // namespace

Result<std::string> normalize_domain(std::string_view name)
{
    if (name.empty()) {
        return invalid("empty domain");
    }
    if (name.size() > max_address_input) {
        return invalid("domain too long");
    }
    // Refuse what libidn2 would silently accept or map: a root dot, empty labels, and ASCII
    // outside letters, digits, '-' and '.'.
    if (name.back() == '.') {
        return invalid("domain ends with '.'");
    }
    if (name.front() == '.' || name.find("..") != std::string_view::npos) {
        return invalid("empty label in domain");
    }
    bool ascii = true;
    for (const char c : name) {
        if (is_non_ascii(c)) {
            ascii = false;
        } else if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '-' && c != '.') {
            return invalid("character not allowed in domain: '" + std::string(1, c) + "'");
        }
    }
    if (ascii) {
        // Precise errors for plain names before libidn2 (which reports only its own codes).
        std::string lowered(name);
        for (char& c : lowered) {
            c = ascii_lower(c);
        }
        if (Result<void> checked = check_ldh_domain(lowered); !checked) {
            return unexpected(std::move(checked).error());
        }
        // Otherwise there is nothing for libidn2 to map or validate (UTS #46 §4: LDH labels
        // map to their lower case), and every SMTP path takes this road.
        if (!has_hyphens_at_three_and_four(lowered)) {
            return lowered;
        }
    } else {
        if (Result<void> utf8 = sasl::check_sasl_string(name); !utf8) {
            return invalid("domain: " + utf8.error().detail);
        }
    }
    // U-labels to A-labels (RFC 5891 §5); also validates existing "xn--" labels and lower-cases.
    Result<std::string> domain = idna_to_ascii(name);
    HARBOR_TRY(domain);
    // UTS #46 mapping may turn other dots (U+3002 ...) into '.', so check the result again.
    if (Result<void> checked = check_ldh_domain(*domain); !checked) {
        return unexpected(std::move(checked).error());
    }
    return domain;
}

Result<Address> parse_address(std::string_view text)
{
    if (text.empty()) {
        return invalid("empty address");
    }
    if (text.size() > max_address_input) {
        return invalid("address too long");
    }
    if (Result<void> utf8 = sasl::check_sasl_string(text); !utf8) {
        return invalid("address: " + utf8.error().detail);
    }

    LocalPart local;
    if (text.front() == '"') {
        Result<LocalPart> quoted = parse_quoted_local(text);
        HARBOR_TRY(quoted);
        local = std::move(*quoted);
        if (local.value.empty()) {
            return invalid("empty local part");
        }
    } else {
        const std::size_t at = text.find('@');
        local.wire_length = (at == std::string_view::npos) ? text.size() : at;
        local.value = std::string(text.substr(0, local.wire_length));
        if (Result<void> checked = check_dot_string(local.value); !checked) {
            return unexpected(std::move(checked).error());
        }
    }
    if (local.wire_length > max_local_part_octets) {
        return invalid("local part longer than " + std::to_string(max_local_part_octets) +
                       " octets");
    }
    if (local.wire_length >= text.size() || text[local.wire_length] != '@') {
        return invalid("missing '@' after local part");
    }
    const std::string_view domain_text = text.substr(local.wire_length + 1);

    Address address;
    address.local_part = std::move(local.value);
    if (!domain_text.empty() && domain_text.front() == '[') {
        if (domain_text.back() != ']') {
            return invalid("unbalanced '[' in address literal");
        }
        Result<std::string> literal =
            parse_address_literal(domain_text.substr(1, domain_text.size() - 2));
        HARBOR_TRY(literal);
        address.domain = std::move(*literal);
        address.is_literal = true;
    } else {
        if (domain_text.find('@') != std::string_view::npos) {
            return invalid("more than one '@'");
        }
        Result<std::string> domain = normalize_domain(domain_text);
        HARBOR_TRY(domain);
        address.domain = std::move(*domain);
    }
    if (address.format().size() + 2 > max_path_octets) {
        return invalid("address longer than " + std::to_string(max_path_octets - 2) + " octets");
    }
    return address;
}

std::string Address::format() const
{
    if (is_dot_string(local_part)) {
        return local_part + "@" + domain;
    }
    std::string out = "\"";
    for (const char c : local_part) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"@" + domain;
}

std::string Address::key() const
{
    return fold_local_part(local_part) + "@" + domain;
}

std::string fold_local_part(std::string_view local_part)
{
    std::string folded(local_part);
    for (char& c : folded) {
        c = ascii_lower(c);
    }
    return folded;
}

std::optional<SubAddress> split_subaddress(std::string_view local_part)
{
    const std::size_t separator = local_part.find(subaddress_separator);
    if (separator == std::string_view::npos || separator == 0) {
        return std::nullopt;
    }
    return SubAddress{std::string(local_part.substr(0, separator)),
                      std::string(local_part.substr(separator + 1))};
}

}  // namespace harbor::directory
