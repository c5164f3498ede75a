// Identifier alignment, RFC 7489 §3.1.1 (DKIM) and §3.1.2 (SPF): strict and relaxed modes.
#include "auth/dmarc/alignment.hpp"

#include "auth/dmarc/domain.hpp"

namespace harbor::auth::dmarc {

bool aligned(std::string_view authenticated_domain, std::string_view from_domain,
             AlignmentMode mode, const PublicSuffixList& suffixes)
{
    const Result<std::string> authenticated = canonical_domain(authenticated_domain);
    const Result<std::string> from = canonical_domain(from_domain);
    if (!authenticated || !from) {
        return false;
    }
    if (*authenticated == *from) {
        return true;  // identical names align in both modes
    }
    if (mode == AlignmentMode::Strict) {
        return false;  // RFC 7489 §3.1.1: "only an exact match is considered to produce alignment"
    }
    // Relaxed: "the Organizational Domains of both ... MUST be equal" (RFC 7489 §3.1.1).
    return suffixes.organisational_domain(*authenticated) == suffixes.organisational_domain(*from);
}

}  // namespace harbor::auth::dmarc
