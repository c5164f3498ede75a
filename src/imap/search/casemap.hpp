// The i;unicode-casemap collation (RFC 5051 §2) that SEARCH string keys (RFC 9051 §6.4.4:
// "case-insensitive"), SORT and THREAD (RFC 5256 §1: collate as I18NLEVEL=1, RFC 5255 §4) use:
// every character to its simple titlecase, then Unicode Normalization Form KD. Folded strings
// are compared octet by octet (equality, substring, ordering: RFC 5051 §2).
// SECURITY: the text comes from messages and clients. NFKD can expand a character to 18, so
// the output is capped by max_output (cut on a character boundary) and the work is done in
// chunks of at most fold_chunk characters, so memory stays bounded whatever the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace harbor::imap {

constexpr std::size_t fold_chunk = 16 * 1024;  // code points normalised at a time

struct FoldedText {
    std::string text;        // valid UTF-8 in i;unicode-casemap canonical form
    bool truncated = false;  // max_output was reached
};

// Folds UTF-8 text (ill-formed sequences are read as U+FFFD). ASCII-only input takes a fast
// path (titlecase of ASCII is upper case, NFKD leaves it alone).
FoldedText fold_unicode_casemap(std::string_view utf8, std::size_t max_output);

// Whether `needle` occurs in `haystack`, both already folded; an empty needle is everywhere.
bool contains_folded(std::string_view haystack, std::string_view needle);

}  // namespace harbor::imap
