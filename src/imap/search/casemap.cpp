// i;unicode-casemap (RFC 5051 §2) over ICU: u_totitle per code point, then NFKD.
#include "imap/search/casemap.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include "core/ascii.hpp"

namespace harbor::imap {
namespace {

// Appends UTF-16 text as UTF-8 while `out` stays within max_output; false once it would not.
bool append_utf8(std::string& out, const std::vector<UChar>& text, std::size_t max_output)
{
    std::size_t i = 0;
    while (i < text.size()) {
        UChar32 c = 0;
        U16_NEXT(text.data(), i, text.size(), c);
        if (U_IS_SURROGATE(c)) {
            c = 0xFFFD;  // an unpaired surrogate cannot be written as UTF-8
        }
        // DEVIATION(RFC 5051 §2): titlecase again after NFKD, whose compatibility mappings
        // can give lower case ("\uFB01" -> "fi"), so such text still matches "FI".
        c = u_totitle(c);
        char buffer[4];
        std::int32_t length = 0;  // c is a scalar value: at most 4 octets
        U8_APPEND_UNSAFE(reinterpret_cast<std::uint8_t*>(buffer), length, c);
        if (out.size() + static_cast<std::size_t>(length) > max_output) {
            return false;
        }
        out.append(buffer, static_cast<std::size_t>(length));
    }
    return true;
}

}  // namespace

FoldedText fold_unicode_casemap(std::string_view utf8, std::size_t max_output)
{
    FoldedText result;
    if (is_ascii(utf8)) {
        const std::size_t length = std::min(utf8.size(), max_output);
        result.text = ascii_uppercase(utf8.substr(0, length));
        result.truncated = length < utf8.size();
        return result;
    }
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* nfkd = unorm2_getNFKDInstance(&status);
    if (U_FAILURE(status) || nfkd == nullptr) {
        // No normalisation data: fall back to titlecase alone (still case-insensitive).
        nfkd = nullptr;
    }
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(utf8.data());
    const auto total = static_cast<std::int32_t>(
        std::min<std::size_t>(utf8.size(), std::numeric_limits<std::int32_t>::max()));
    std::int32_t offset = 0;
    std::vector<UChar> titled;
    std::vector<UChar> normalised;
    std::size_t chunk_characters = 0;
    auto flush = [&]() -> bool {
        if (titled.empty()) {
            return true;
        }
        bool fits = true;
        if (nfkd == nullptr) {
            fits = append_utf8(result.text, titled, max_output);
        } else {
            // NFKD grows a character to at most 18 code units (Unicode §3.11 data, U+FDFA).
            normalised.resize(titled.size() * 18 + 1);
            UErrorCode norm_status = U_ZERO_ERROR;
            const std::int32_t length = unorm2_normalize(
                nfkd, titled.data(), static_cast<std::int32_t>(titled.size()), normalised.data(),
                static_cast<std::int32_t>(normalised.size()), &norm_status);
            if (U_FAILURE(norm_status)) {
                fits = append_utf8(result.text, titled, max_output);
            } else {
                normalised.resize(static_cast<std::size_t>(length));
                fits = append_utf8(result.text, normalised, max_output);
            }
        }
        titled.clear();
        chunk_characters = 0;
        return fits;
    };
    while (offset < total) {
        UChar32 c = 0;
        U8_NEXT(bytes, offset, total, c);
        if (c < 0) {
            c = 0xFFFD;
        }
        // Cut chunks only where NFKD cannot reorder across the cut (a boundary before c).
        // A run of combining marks without a boundary is cut anyway at 4 chunks.
        if ((chunk_characters >= fold_chunk &&
             (nfkd == nullptr || unorm2_hasBoundaryBefore(nfkd, c))) ||
            chunk_characters >= 4 * fold_chunk) {
            if (!flush()) {
                result.truncated = true;
                return result;
            }
        }
        const UChar32 title = u_totitle(c);
        UChar units[2];
        std::int32_t length = 0;  // u_totitle gives a code point: at most 2 units
        U16_APPEND_UNSAFE(units, length, title);
        titled.insert(titled.end(), units, units + length);
        ++chunk_characters;
    }
    if (!flush()) {
        result.truncated = true;
    }
    result.truncated = result.truncated || static_cast<std::size_t>(total) < utf8.size();
    return result;
}

bool contains_folded(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

}  // namespace harbor::imap
