// Fuzzes RFC 2047 encoded-word decoding and the ICU charset conversion under it: any header
// text decodes to valid UTF-8 within the output limit; the first byte picks a charset so that
// the converters themselves are exercised on raw bytes too.
#include <cstdint>
#include <iterator>
#include <string_view>

#include "mime/charset.hpp"
#include "mime/rfc2047.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

constexpr std::string_view charsets[] = {
    "utf-8", "iso-8859-1", "gb2312", "shift_jis", "iso-2022-jp", "utf-16le",
    "utf-7", "big5",       "euc-kr", "koi8-r",    "utf-32",      "x-unknown",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    harbor::mime::Rfc2047Limits limits;
    limits.max_output = 1024;
    limits.max_encoded_words = 16;
    const harbor::mime::DecodedHeader decoded = harbor::mime::decode_rfc2047(text, limits);
    check(decoded.utf8.size() <= limits.max_output);
    check(decoded.encoded_words <= limits.max_encoded_words);
    check(harbor::mime::sanitize_utf8(decoded.utf8).utf8 == decoded.utf8);

    if (size > 0) {
        const std::string_view charset = charsets[data[0] % std::size(charsets)];
        const harbor::mime::Utf8Text converted =
            harbor::mime::convert_to_utf8(charset, text.substr(1), {.max_output = 2048});
        check(converted.utf8.size() <= 2048);
        check(harbor::mime::sanitize_utf8(converted.utf8).utf8 == converted.utf8);
    }
    return 0;
}
