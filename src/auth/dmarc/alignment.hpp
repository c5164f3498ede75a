// Identifier alignment (RFC 7489 §3.1): does an authenticated domain (DKIM d=, §3.1.1; the
// SPF-authenticated MAIL FROM or HELO domain, §3.1.2) match the RFC5322.From domain?
#pragma once

#include <string_view>

#include "auth/dmarc/public_suffix.hpp"
#include "auth/dmarc/record.hpp"

namespace harbor::auth::dmarc {

// Strict: the two names are equal, case-insensitively, after canonical_domain (so U-labels
// and A-labels of one name match). Relaxed: their Organizational Domains (RFC 7489 §3.2) are
// equal. A name canonical_domain refuses aligns with nothing.
bool aligned(std::string_view authenticated_domain, std::string_view from_domain,
             AlignmentMode mode, const PublicSuffixList& suffixes);

}  // namespace harbor::auth::dmarc
