// Checks shared by the downconversion tests (downconvert_test.cpp, downconvert_corpus_test.cpp):
// 7-bit cleanliness, and a converted message holding the same leaves with the same decoded
// bytes as the original. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "mime/body.hpp"
#include "mime/builder/downconvert.hpp"
#include "mime/message.hpp"

namespace harbor::mime {

inline bool clean_7bit(std::string_view bytes)
{
    for (const char c : bytes) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return false;
        }
    }
    return true;
}

inline std::vector<const Part*> leaves(const Part& part)
{
    if (part.children.empty()) {
        return {&part};
    }
    std::vector<const Part*> out;
    for (const Part& child : part.children) {
        for (const Part* leaf : leaves(child)) {
            out.push_back(leaf);
        }
    }
    return out;
}

// Same leaves with the same types and decoded bytes; the result 7-bit clean outside headers
// when `header_clean`, and converting again changes nothing.
inline void expect_same_content(std::string_view before, const DowngradeResult& result,
                                bool header_clean = true)
{
    ASSERT_EQ(result.status, DowngradeStatus::Changed);
    if (header_clean) {
        EXPECT_FALSE(result.header_8bit);
        EXPECT_TRUE(clean_7bit(result.bytes)) << result.bytes;
    }
    const Message original = parse_message(before);
    const Message converted = parse_message(result.bytes);
    ASSERT_EQ(original.part_count, converted.part_count);
    const std::vector<const Part*> a = leaves(original.root);
    const std::vector<const Part*> b = leaves(converted.root);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i]->content_type.type, b[i]->content_type.type);
        EXPECT_EQ(a[i]->content_type.subtype, b[i]->content_type.subtype);
        EXPECT_EQ(decode_body(before, *a[i]).bytes, decode_body(result.bytes, *b[i]).bytes)
            << "leaf " << i;
    }
    const DowngradeResult again = downconvert_to_7bit(result.bytes);
    EXPECT_EQ(again.status, DowngradeStatus::Unchanged);
    EXPECT_EQ(again.bytes, result.bytes);
}

}  // namespace harbor::mime
