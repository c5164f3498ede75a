// Checks on SASL names and passwords: RFC 4422 §4 (UTF-8 strings) and the prohibited-output
// part of SASLprep (RFC 4013 §2.3) that matters most: control characters.
// DEVIATION(RFC 4013): no mapping (§2.1), no NFKC (§2.2) and no bidi checks (§2.5); strings are
// compared as their UTF-8 bytes. ASCII names and passwords are unaffected.
// SECURITY: input is untrusted; the check is a single bounded pass.
#pragma once

#include <string_view>

#include "core/result.hpp"

namespace harbor::sasl {

// Errc::Invalid if text is not well-formed UTF-8 (RFC 3629 §4: no overlongs, no surrogates,
// nothing above U+10FFFF) or contains a control character (U+0000-001F, U+007F-009F).
Result<void> check_sasl_string(std::string_view text);

}  // namespace harbor::sasl
