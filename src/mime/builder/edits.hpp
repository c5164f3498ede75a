// Byte edits on a raw message: the rewriters (rewrite.hpp, downconvert.hpp) copy every byte
// they do not change, and describe each change as a range of the input and its replacement.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harbor::mime {

struct Edit {
    std::size_t offset = 0;  // into the input
    std::size_t length = 0;  // bytes replaced there
    std::string replacement;
};

// `raw` with the edits applied, or nothing if two of them overlap or one runs past the end
// (neither should happen: the offsets come from parse_message()).
inline std::optional<std::string> apply_edits(std::string_view raw, std::vector<Edit> edits)
{
    std::stable_sort(edits.begin(), edits.end(),
                     [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
    std::string out;
    std::size_t cursor = 0;
    for (const Edit& edit : edits) {
        if (edit.offset < cursor || edit.offset > raw.size() ||
            edit.length > raw.size() - edit.offset) {
            return std::nullopt;
        }
        out.append(raw.substr(cursor, edit.offset - cursor));
        out += edit.replacement;
        cursor = edit.offset + edit.length;
    }
    out.append(raw.substr(cursor));
    return out;
}

}  // namespace harbor::mime
