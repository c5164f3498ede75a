// Charset conversion to UTF-8 over ICU's ucnv (RFC 2045 §5.1, RFC 2978). See charset.hpp.
// SECURITY: untrusted names and bytes; names are filtered to a safe alphabet (ICU would read
// "," as converter options and "" as the process default), output is bounded by limits.
#include "mime/charset.hpp"

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "core/ascii.hpp"

namespace harbor::mime {
namespace {

struct Alias {
    std::string_view name;  // lower case
    std::string_view icu;   // the converter to use; empty: deliberately unknown
};

// Labels whose everyday meaning differs from their registered one, as mail readers (and the
// WHATWG Encoding Standard they follow) interpret them: 8-bit text labelled ASCII or Latin-1
// is nearly always Windows-1252, "gb2312" text uses the whole of GBK.
constexpr Alias aliases[] = {
    {"us-ascii", "windows-1252"},     {"ascii", "windows-1252"},
    {"ansi_x3.4-1968", "windows-1252"}, {"iso-8859-1", "windows-1252"},
    {"iso8859-1", "windows-1252"},    {"iso_8859-1", "windows-1252"},
    {"latin1", "windows-1252"},       {"latin-1", "windows-1252"},
    {"l1", "windows-1252"},           {"cp819", "windows-1252"},
    {"cp1252", "windows-1252"},       {"x-cp1252", "windows-1252"},
    {"iso-8859-9", "windows-1254"},   {"latin5", "windows-1254"},
    {"iso-8859-11", "windows-874"},   {"tis-620", "windows-874"},
    {"gb2312", "GBK"},                {"gb_2312-80", "GBK"},
    {"euc-cn", "GBK"},                {"x-gbk", "GBK"},
    {"csgb2312", "GBK"},              {"cp936", "GBK"},
    {"ks_c_5601-1987", "windows-949"}, {"ks_c_5601-1989", "windows-949"},
    {"euc-kr", "windows-949"},        {"ksc5601", "windows-949"},
    {"big5", "Big5-HKSCS"},           {"x-x-big5", "Big5-HKSCS"},
    {"shift_jis", "windows-31j"},     {"sjis", "windows-31j"},
    {"x-sjis", "windows-31j"},        {"ms_kanji", "windows-31j"},
    {"cp932", "windows-31j"},         {"unicode-1-1-utf-7", "UTF-7"},
    {"unknown-8bit", ""},             {"x-unknown", ""},
    {"unknown", ""},                  {"x-user-defined", ""},
    {"default", ""},                  {"8bit", ""},
    {"binary", ""},
};

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':' || c == '+';
}

// The ICU converter name for a MIME charset label, or nothing for unknown and unsafe labels.
std::optional<std::string> icu_name_for(std::string_view label)
{
    while (!label.empty() && (label.front() == ' ' || label.front() == '"')) {
        label.remove_prefix(1);
    }
    while (!label.empty() && (label.back() == ' ' || label.back() == '"')) {
        label.remove_suffix(1);
    }
    if (label.empty() || label.size() > max_charset_name) {
        return std::nullopt;
    }
    std::string name;
    for (const char c : label) {
        const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (!is_name_char(lower)) {
            return std::nullopt;
        }
        name += lower;
    }
    for (const Alias& alias : aliases) {
        if (alias.name == name) {
            if (alias.icu.empty()) {
                return std::nullopt;
            }
            return std::string(alias.icu);
        }
    }
    return name;
}

bool is_utf8_label(std::string_view name) { return name == "utf-8" || name == "utf8"; }

// Converters (ICU names, as icu_name_for gives them) that map every byte below 0x80 to the
// same code point and keep no shift state, so ASCII-only input is its own UTF-8: the windows
// and ISO 8859 single-byte sets, KOI8 and the multi-byte sets whose lead bytes are all 0x80 or
// above. Not UTF-7, the ISO 2022 family, HZ, UTF-16/32 or EBCDIC (CharsetTest checks the list
// against ICU). Mail is mostly ASCII; ICU's conversion costs several nanoseconds a byte.
bool passes_ascii_through_icu(std::string_view name)
{
    static constexpr std::string_view names[] = {
        "windows-1250", "windows-1251", "windows-1252", "windows-1253", "windows-1254",
        "windows-1255", "windows-1256", "windows-1257", "windows-1258", "windows-874",
        "iso-8859-2",   "iso-8859-3",   "iso-8859-4",   "iso-8859-5",   "iso-8859-6",
        "iso-8859-7",   "iso-8859-8",   "iso-8859-10",  "iso-8859-13",  "iso-8859-14",
        "iso-8859-15",  "koi8-r",       "koi8-u",       "gbk",          "gb18030",
        "windows-949",  "big5-hkscs",   "euc-jp",
    };
    return is_utf8_label(name) ||
           std::any_of(std::begin(names), std::end(names),
                       [name](std::string_view listed) { return iequals(listed, name); });
}

struct ConverterCloser {
    void operator()(UConverter* converter) const { ucnv_close(converter); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

Converter open_converter(const std::string& icu_name)
{
    UErrorCode status = U_ZERO_ERROR;
    Converter converter(ucnv_open(icu_name.c_str(), &status));
    if (U_FAILURE(status)) {
        return nullptr;
    }
    return converter;
}

// ICU's own substitute callback writes U+001A for some single-byte charsets; mail text wants
// U+FFFD everywhere, and we want to know it happened.
void substitute_fffd(const void* context, UConverterToUnicodeArgs* args, const char*, int32_t,
                     UConverterCallbackReason reason, UErrorCode* status)
{
    if (reason > UCNV_IRREGULAR) {
        return;  // reset, close or clone: nothing to replace
    }
    *static_cast<bool*>(const_cast<void*>(context)) = true;
    static const UChar replacement = 0xfffd;
    *status = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &replacement, 1, 0, status);
}

// Appends one code point as UTF-8 unless that would pass max_output.
bool append_code_point(std::string& out, char32_t cp, std::size_t max_output)
{
    char buffer[4];
    std::size_t length = 0;
    if (cp < 0x80) {
        buffer[length++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
        buffer[length++] = static_cast<char>(0xc0 | (cp >> 6));
        buffer[length++] = static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        buffer[length++] = static_cast<char>(0xe0 | (cp >> 12));
        buffer[length++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        buffer[length++] = static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        buffer[length++] = static_cast<char>(0xf0 | (cp >> 18));
        buffer[length++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        buffer[length++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        buffer[length++] = static_cast<char>(0x80 | (cp & 0x3f));
    }
    if (out.size() + length > max_output) {
        return false;
    }
    out.append(buffer, length);
    return true;
}

// Length of the well-formed UTF-8 sequence at bytes[i], or of its maximal ill-formed subpart
// negated (Unicode §3.9, Table 3-7).
int utf8_sequence(std::string_view bytes, std::size_t i)
{
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
        return 1;
    }
    int need = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        need = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        need = 2;
        low = lead == 0xe0 ? 0xa0 : 0x80;
        high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        need = 3;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
        return -1;
    }
    for (int k = 1; k <= need; ++k) {
        if (i + static_cast<std::size_t>(k) >= bytes.size()) {
            return -k;
        }
        const auto next = static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(k)]);
        if (next < low || next > high) {
            return -k;
        }
        low = 0x80;
        high = 0xbf;
    }
    return need + 1;
}

// ISO 2022 escape sequence at text[i] (ESC, intermediates 0x20-0x2F, a final 0x30-0x7E):
// its length, or 0 if none starts there.
std::size_t escape_sequence_length(std::string_view text, std::size_t i)
{
    if (text[i] != '\x1b') {
        return 0;
    }
    std::size_t j = i + 1;
    while (j < text.size() && text[j] >= 0x20 && text[j] <= 0x2f) {
        ++j;
    }
    if (j == i + 1 || j >= text.size() || text[j] < 0x30 || text[j] > 0x7e) {
        return 0;
    }
    return j + 1 - i;
}

// ISO-2022-JP text joined from several encoded-words (RFC 2047 §5: each word ends in ASCII, so
// "ESC ( B" meets the next word's "ESC $ B") has escape sequences back to back; ICU reads that
// as an error, mail readers do not. A sequence directly followed by another switches nothing.
std::string drop_redundant_escapes(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t length = escape_sequence_length(text, i);
        if (length > 0 && i + length < text.size() &&
            escape_sequence_length(text, i + length) > 0) {
            i += length;
            continue;
        }
        out += text[i];
        ++i;
    }
    return out;
}

}  // namespace

Utf8Text sanitize_utf8(std::string_view bytes, std::size_t max_output)
{
    Utf8Text result;
    result.utf8.reserve(std::min(bytes.size(), max_output));
    std::size_t i = 0;
    while (i < bytes.size()) {
        const int length = utf8_sequence(bytes, i);
        const auto step = static_cast<std::size_t>(length > 0 ? length : -length);
        if (length > 0 && result.utf8.size() + step <= max_output) {
            result.utf8.append(bytes.substr(i, step));
        } else if (length < 0 && append_code_point(result.utf8, 0xfffd, max_output)) {
            result.had_invalid = true;
        } else {
            result.truncated = true;
            break;
        }
        i += step;
    }
    return result;
}

Utf8Text convert_to_utf8(std::string_view charset, std::string_view bytes, CharsetLimits limits)
{
    Utf8Text result;
    const std::optional<std::string> icu_name = icu_name_for(charset);
    if (!icu_name) {
        result.unknown_charset = true;
        return result;
    }
    bool input_truncated = false;
    if (bytes.size() > limits.max_input) {
        bytes = bytes.substr(0, limits.max_input);
        input_truncated = true;
    }
    if (passes_ascii_through_icu(*icu_name) && is_ascii(bytes)) {
        result.utf8.assign(bytes.substr(0, std::min(bytes.size(), limits.max_output)));
        result.truncated = input_truncated || bytes.size() > limits.max_output;
        return result;
    }
    if (is_utf8_label(*icu_name)) {
        result = sanitize_utf8(bytes, limits.max_output);
        result.truncated = result.truncated || input_truncated;
        return result;
    }
    Converter converter = open_converter(*icu_name);
    if (!converter) {
        result.unknown_charset = true;
        return result;
    }
    std::string without_redundant_escapes;
    if (icu_name->starts_with("iso-2022") && bytes.find('\x1b') != std::string_view::npos) {
        without_redundant_escapes = drop_redundant_escapes(bytes);
        bytes = without_redundant_escapes;
    }
    UErrorCode status = U_ZERO_ERROR;
    ucnv_setToUCallBack(converter.get(), substitute_fffd, &result.had_invalid, nullptr, nullptr,
                        &status);
    if (U_FAILURE(status)) {
        result.unknown_charset = true;
        return result;
    }
    result.utf8.reserve(std::min(bytes.size(), limits.max_output));
    const char* source = bytes.data();
    const char* const source_end = bytes.data() + bytes.size();
    std::array<UChar, 2048> buffer{};
    char32_t high_surrogate = 0;
    bool full = false;
    while (!full) {
        UChar* target = buffer.data();
        status = U_ZERO_ERROR;
        ucnv_toUnicode(converter.get(), &target, buffer.data() + buffer.size(), &source,
                       source_end, nullptr, true, &status);
        for (const UChar* unit = buffer.data(); unit != target && !full; ++unit) {
            char32_t cp = *unit;
            if (high_surrogate != 0) {
                if (cp >= 0xdc00 && cp <= 0xdfff) {
                    cp = 0x10000 + ((high_surrogate - 0xd800) << 10) + (cp - 0xdc00);
                    high_surrogate = 0;
                    full = !append_code_point(result.utf8, cp, limits.max_output);
                    continue;
                }
                high_surrogate = 0;
                result.had_invalid = true;
                full = !append_code_point(result.utf8, 0xfffd, limits.max_output);
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                high_surrogate = cp;  // completed by the next unit, maybe in the next chunk
                continue;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                result.had_invalid = true;
                cp = 0xfffd;
            }
            full = full || !append_code_point(result.utf8, cp, limits.max_output);
        }
        if (status != U_BUFFER_OVERFLOW_ERROR) {
            break;  // all input consumed (or a converter error: keep what we have)
        }
    }
    if (high_surrogate != 0 && !full) {
        result.had_invalid = true;
        full = !append_code_point(result.utf8, 0xfffd, limits.max_output);
    }
    result.truncated = full || input_truncated;
    return result;
}

bool passes_ascii_through(std::string_view charset)
{
    const std::optional<std::string> icu_name = icu_name_for(charset);
    return icu_name && passes_ascii_through_icu(*icu_name);
}

bool is_known_charset(std::string_view charset)
{
    const std::optional<std::string> icu_name = icu_name_for(charset);
    return icu_name && (is_utf8_label(*icu_name) || open_converter(*icu_name) != nullptr);
}

}  // namespace harbor::mime
