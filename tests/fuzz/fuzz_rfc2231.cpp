// Fuzzes MIME parameter parsing with RFC 2231 continuations and charsets: any parameter list
// parses within its limits to valid UTF-8 values, one entry per name.
#include <cstdint>
#include <string_view>

#include "mime/charset.hpp"
#include "mime/rfc2231.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    harbor::mime::Rfc2231Limits limits;
    limits.max_parameters = 16;
    limits.max_sections = 8;
    limits.max_value = 512;
    const harbor::mime::ParameterList list = harbor::mime::parse_mime_parameters(text, limits);
    check(list.parameters.size() <= limits.max_parameters);
    for (std::size_t i = 0; i < list.parameters.size(); ++i) {
        const harbor::mime::MimeParameter& parameter = list.parameters[i];
        check(parameter.value.size() <= limits.max_value);
        check(harbor::mime::sanitize_utf8(parameter.value).utf8 == parameter.value);
        check(harbor::mime::find_parameter(list, parameter.name) == &parameter);
    }
    return 0;
}
