// Internationalised domain names (IDNA2008, RFC 5891 §5) through libidn2: the one place that
// turns U-labels into A-labels (DESIGN.md: encodings live in core). Callers check the ASCII
// rules they need (LDH for our own domains, laxer for DMARC's From domains) before and after.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace harbor {

// U-labels to lowercase A-labels, existing "xn--" labels validated (UTS #46 non-transitional
// mapping, NFC input). The UTS #46 mapping may turn other full stops (U+3002 ...) into ".", so
// callers check the result's labels again. Errc::Invalid "bad internationalised domain: ..."
// for a name libidn2 refuses; `name` must hold no NUL.
Result<std::string> idna_to_ascii(std::string_view name);

}  // namespace harbor
