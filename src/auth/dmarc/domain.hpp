// The one form in which DMARC compares domain names: lowercase A-labels (RFC 5890 §2.3.2.1)
// without the root dot. The From domain, DKIM d=, the SPF domain and the Public Suffix List
// rules all pass through canonical_domain before they meet (RFC 7489 §3.1 compares them
// case-insensitively; the PSL algorithm asks for lowercase punycode).
// SECURITY: untrusted header and DNS text; capped at max_domain_input; libidn2 only sees
// bounded, NUL-free input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor::auth::dmarc {

// Longer input is refused before any work. Larger than a DNS name (253 octets) on purpose: an
// over-long From domain still has an organisational domain whose policy applies (discovery
// skips the unqueryable name itself, discovery.hpp).
constexpr std::size_t max_domain_input = 1024;

// Lowercases ASCII, drops one trailing "." (the root), and converts U-labels to A-labels with
// core/idna.hpp (IDNA2008, UTS #46 non-transitional).
// Errc::Invalid for an empty name, an empty label ("a..b", ".a"), an address literal
// ("[192.0.2.1]"), a byte outside printable ASCII that is not UTF-8 for IDNA, or a name
// libidn2 refuses. ASCII labels are not held to LDH: "_" and friends pass (RFC 5322 dot-atom
// allows them in a From domain, and refusing would let such a domain escape the policy of its
// organisational domain).
Result<std::string> canonical_domain(std::string_view name);

}  // namespace harbor::auth::dmarc
