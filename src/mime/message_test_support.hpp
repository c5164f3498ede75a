// Test helpers for the part tree: structural invariants every parse must hold (offsets inside
// the input, children inside their parent's body, limits respected), shared by the unit tests
// and the corpus test. The fuzzer (tests/fuzz/fuzz_mime.cpp) checks the same rules.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "mime/message.hpp"

namespace harbor::mime::test {

// Returns the number of parts seen; reports each broken rule with `label`.
inline std::size_t check_part(std::string_view raw, const Part& part, std::size_t depth,
                              const Limits& limits, const std::string& label)
{
    EXPECT_LE(part.header_offset + part.header_length, raw.size()) << label;
    EXPECT_EQ(part.header_offset + part.header_length, part.body_offset) << label;
    EXPECT_LE(part.body_offset + part.body_length, raw.size()) << label;
    EXPECT_LE(part.body_lines, part.body_length) << label;
    EXPECT_LE(part.fields.size(), limits.max_header_fields) << label;
    EXPECT_LE(depth, limits.max_depth) << label;
    for (const HeaderField& field : part.fields) {
        EXPECT_GE(field.offset, part.header_offset) << label;
        EXPECT_LE(field.offset + field.length, part.body_offset) << label;
    }
    std::size_t count = 1;
    std::size_t previous_end = part.body_offset;
    for (const Part& child : part.children) {
        EXPECT_GE(child.header_offset, previous_end) << label;  // in order, no overlap
        EXPECT_LE(child.body_offset + child.body_length, part.body_offset + part.body_length)
            << label;
        previous_end = child.body_offset + child.body_length;
        count += check_part(raw, child, depth + 1, limits, label);
    }
    return count;
}

inline void check_message(std::string_view raw, const Message& message, const Limits& limits,
                          const std::string& label)
{
    const std::size_t parts = check_part(raw, message.root, 0, limits, label);
    EXPECT_EQ(parts, message.part_count) << label;
    EXPECT_LE(parts, std::max<std::size_t>(limits.max_parts, 1)) << label;
}

}  // namespace harbor::mime::test
