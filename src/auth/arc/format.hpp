// Writing the text of the ARC fields a sealer adds (RFC 8617 §4.1): tag-lists in the order the
// ABNF gives (instance first) folded at 78 columns, or the ARC test suite's standardized form,
// and the ARC-Authentication-Results value folded at its spaces.
// SECURITY: inputs come from Harbor (keys, its own results); nothing here parses the message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace harbor::auth::arc {

// How a sealer lays out the tags of its ARC-Seal and ARC-Message-Signature.
enum class TagOrder {
    // i= first (RFC 8617 §4.1.2-§4.1.3 ABNF: "instance [CFWS] ';' tag-list"), b= last,
    // folded at 78 columns (RFC 5322 §2.1.1).
    Rfc8617,
    // The ValiMail ARC test suite's "standardized header format": tags sorted by name, one
    // space after each ";", no trailing ";", no folding. Only for comparing with that suite's
    // expected signatures (the signatures cover the layout); it breaks the ABNF's i=-first rule.
    TestSuite,
};

struct TagValue {
    std::string name;
    std::string value;
};

// "<field>: <tags>" without a line end; `tags` must not hold b=, which is written with
// `signature` (base64; empty for the text that gets signed). In Rfc8617 order an h= value is
// folded after its colons and b= inside its base64, where FWS is allowed (RFC 6376 §3.5).
std::string format_signature_field(std::string_view field, const std::vector<TagValue>& tags,
                                   TagOrder order, std::string_view signature);

// Replaces single spaces of `text` (a whole field, name included, without its line end) by
// CRLF SP where a line would pass 78 columns. Unfolding gives back `text` (RFC 5322 §2.2.3),
// and relaxed canonicalization sees the same octets. Existing folds are kept.
std::string fold_at_spaces(std::string_view text);

}  // namespace harbor::auth::arc
