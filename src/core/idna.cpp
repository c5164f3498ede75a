#include "core/idna.hpp"

#include <idn2.h>

#include "core/ascii.hpp"

namespace harbor {

Result<std::string> idna_to_ascii(std::string_view name)
{
    const std::string input(name);
    char* output = nullptr;
    const int rc = idn2_to_ascii_8z(input.c_str(), &output, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
        return unexpected(Errc::Invalid,
                          std::string("bad internationalised domain: ") + idn2_strerror(rc));
    }
    std::string domain = ascii_lowercase(output);
    idn2_free(output);
    return domain;
}

}  // namespace harbor
