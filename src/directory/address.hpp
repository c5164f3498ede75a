// Mailbox addresses: RFC 5321 §4.1.2 (Mailbox, Local-part, Domain, address literals), RFC 6531
// §3.3 (UTF-8 local parts and U-labels), RFC 5890/5891 via libidn2 (U-label -> A-label),
// length limits of RFC 5321 §4.5.3.1, and '+' sub-addressing (RFC 5233 §1).
// SECURITY: parse_address() takes untrusted text; input is capped at max_address_input before
// any work, every byte is classified, and libidn2 only ever sees bounded, valid UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::directory {

inline constexpr std::size_t max_local_part_octets = 64;  // RFC 5321 §4.5.3.1.1
inline constexpr std::size_t max_domain_octets = 255;     // RFC 5321 §4.5.3.1.2
inline constexpr std::size_t max_path_octets = 256;       // RFC 5321 §4.5.3.1.3, with "<" ">"
inline constexpr std::size_t max_label_octets = 63;       // RFC 1035 §2.3.4
// Raw input longer than this is refused before parsing (U-labels may be shorter than their
// A-labels, so the real limits are checked on the normalised form).
inline constexpr std::size_t max_address_input = 1024;
inline constexpr char subaddress_separator = '+';

struct Address {
    // The local part's value: quotes and backslashes of a quoted-string removed, case kept.
    std::string local_part;
    // A-label form in lower case, or for a literal the bracketed form: "[192.0.2.1]",
    // "[IPv6:2001:db8::1]".
    std::string domain;
    // Address literal (RFC 5321 §4.1.3): syntactically valid but never a local mailbox.
    bool is_literal = false;

    // The RFC 5321 form: the local part as a dot-atom if it is one, else a quoted-string.
    std::string format() const;
    // For case-insensitive matching: local part ASCII-folded (see fold_local_part) + "@" domain.
    std::string key() const;

    friend bool operator==(const Address&, const Address&) = default;
};

// "local@domain" (no angle brackets, no display name) to an Address. Errc::Invalid with a detail
// naming the rule broken ("local part longer than 64 octets", "empty label in domain", ...).
Result<Address> parse_address(std::string_view text);

// A domain name (U-labels or A-labels, any case) to lower-case A-labels: idn2_to_ascii_8z with
// IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL, then LDH and length checks. Errc::Invalid otherwise.
// Address literals are not domain names here.
Result<std::string> normalize_domain(std::string_view name);

// Local parts are case-preserving but Harbor matches them case-insensitively (RFC 5321 §2.4
// allows either; users expect the latter). The fold is ASCII only: bytes of non-ASCII UTF-8
// characters are compared as they are, so "Ü" and "ü" are different local parts. Full Unicode
// case folding would need a Unicode library we do not have.
std::string fold_local_part(std::string_view local_part);

// "user+tag" -> {"user", "tag"}. nullopt if there is no separator or the base would be empty.
struct SubAddress {
    std::string base;
    std::string tag;
};
std::optional<SubAddress> split_subaddress(std::string_view local_part);

}  // namespace harbor::directory
