// canonical_domain: lowercase A-labels for DMARC's comparisons (RFC 7489 §3.1, §3.2).
// SECURITY: capped at max_domain_input; control bytes and NUL refused before libidn2.
#include "auth/dmarc/domain.hpp"

#include "core/ascii.hpp"
#include "core/idna.hpp"

namespace harbor::auth::dmarc {

namespace {

Unexpected invalid(std::string detail)
{
    return unexpected(Errc::Invalid, std::move(detail));
}

bool has_empty_label(std::string_view name)
{
    return name.empty() || name.front() == '.' || name.back() == '.' ||
           name.find("..") != std::string_view::npos;
}

}  // namespace

Result<std::string> canonical_domain(std::string_view name)
{
    if (name.size() > max_domain_input) {
        return invalid("domain longer than " + std::to_string(max_domain_input) + " octets");
    }
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);  // the root label of a fully qualified name
    }
    if (name.empty()) {
        return invalid("empty domain");
    }
    if (name.front() == '[') {
        return invalid("address literal, not a domain");  // RFC 5321 §4.1.3
    }
    bool ascii = true;
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x80) {
            ascii = false;
        } else if (byte <= 0x20 || byte == 0x7f) {
            return invalid("control character or space in domain");
        }
    }
    if (has_empty_label(name)) {
        return invalid("empty label in domain");
    }
    if (ascii) {
        return ascii_lowercase(name);
    }
    // U-labels to A-labels (RFC 5891 §5); UTS #46 mapping also lowercases and may turn other
    // full stops (U+3002 ...) into ".", so the result is checked again.
    Result<std::string> converted = idna_to_ascii(name);
    HARBOR_TRY(converted);
    std::string domain = std::move(*converted);
    if (has_empty_label(domain)) {
        return invalid("empty label in domain");
    }
    return domain;
}

}  // namespace harbor::auth::dmarc
