// UTF-8 well-formedness (RFC 3629 §4) and control-character checks for SASL strings.
// SECURITY: untrusted input, one pass, no allocation beyond the error detail.
#include "sasl/sasl_string.hpp"

#include <cstdint>
#include <string>

namespace harbor::sasl {
namespace {

Unexpected bad(std::size_t offset, std::string_view why)
{
    return unexpected(Errc::Invalid, std::string(why) + " at offset " + std::to_string(offset));
}

}  // namespace

Result<void> check_sasl_string(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::uint32_t code_point = 0;
        std::size_t length = 0;
        std::uint32_t minimum = 0;
        if (lead < 0x80) {
            code_point = lead;
            length = 1;
        } else if ((lead & 0xe0) == 0xc0) {
            code_point = lead & 0x1f;
            length = 2;
            minimum = 0x80;
        } else if ((lead & 0xf0) == 0xe0) {
            code_point = lead & 0x0f;
            length = 3;
            minimum = 0x800;
        } else if ((lead & 0xf8) == 0xf0) {
            code_point = lead & 0x07;
            length = 4;
            minimum = 0x10000;
        } else {
            return bad(i, "invalid UTF-8 lead byte");
        }
        if (text.size() - i < length) {
            return bad(i, "truncated UTF-8 sequence");
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xc0) != 0x80) {
                return bad(i + k, "invalid UTF-8 continuation byte");
            }
            code_point = (code_point << 6) | (next & 0x3f);
        }
        if (code_point < minimum || code_point > 0x10ffff ||
            (code_point >= 0xd800 && code_point <= 0xdfff)) {
            return bad(i, "invalid UTF-8 sequence");
        }
        // RFC 4013 §2.3 via RFC 3454 C.2.1 (ASCII controls) and C.2.2 (non-ASCII controls).
        if (code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f)) {
            return bad(i, "control character");
        }
        i += length;
    }
    return ok();
}

}  // namespace harbor::sasl
