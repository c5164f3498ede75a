// i;unicode-casemap folding (RFC 5051 §2): titlecase, then NFKD; substring on folded text.
#include "imap/search/casemap.hpp"

#include <gtest/gtest.h>

#include <string>

namespace harbor::imap {
namespace {

std::string fold(std::string_view text)
{
    return fold_unicode_casemap(text, 1 << 20).text;
}

TEST(Casemap, AsciiIsUpperCased)
{
    EXPECT_EQ(fold("Hello, World 42!"), "HELLO, WORLD 42!");
}

TEST(Casemap, CaseVariantsFoldAlike)
{
    // RFC 5051 §2 step 1 (titlecase) makes these equal.
    EXPECT_EQ(fold("école"), fold("ÉCOLE"));
    EXPECT_EQ(fold("σίσυφος"), fold("ΣΊΣΥΦΟΣ"));
    EXPECT_EQ(fold("ПРИВЕТ"), fold("привет"));
    EXPECT_NE(fold("abc"), fold("abd"));
}

TEST(Casemap, NormalizationFormKd)
{
    // RFC 5051 §2 step 2: composed and decomposed forms, and compatibility forms, match.
    EXPECT_EQ(fold("caf\xC3\xA9"), fold("cafe\xCC\x81"));
    EXPECT_EQ(fold("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3"), "ABC");  // fullwidth ＡＢＣ
    EXPECT_EQ(fold("\xEF\xAC\x81"), "FI");  // the ligature U+FB01, titlecased after NFKD
}

TEST(Casemap, InvalidUtf8BecomesReplacementCharacter)
{
    EXPECT_EQ(fold("a\xFF" "b"), "A\xEF\xBF\xBD" "B");
}

TEST(Casemap, OutputIsCapped)
{
    const FoldedText ascii = fold_unicode_casemap("abcdef", 3);
    EXPECT_EQ(ascii.text, "ABC");
    EXPECT_TRUE(ascii.truncated);
    // U+FDFA expands to 18 characters under NFKD; the cap cuts on a character boundary.
    std::string wide;
    for (int i = 0; i < 100; ++i) {
        wide += "\xEF\xB7\xBA";
    }
    const FoldedText folded = fold_unicode_casemap(wide, 1000);
    EXPECT_TRUE(folded.truncated);
    EXPECT_LE(folded.text.size(), 1000u);
    EXPECT_EQ(fold_unicode_casemap(folded.text, 2000).text, folded.text);  // still valid
}

TEST(Casemap, LongInputIsFoldedInChunksWithoutLoss)
{
    std::string text;
    for (std::size_t i = 0; i < 3 * fold_chunk; ++i) {
        text += "\xC3\xA9";  // é
    }
    const FoldedText folded = fold_unicode_casemap(text, 1 << 24);
    EXPECT_FALSE(folded.truncated);
    EXPECT_EQ(folded.text.size(), 3 * fold_chunk * 3);  // "E" + U+0301 (2 octets) each
}

TEST(Casemap, SubstringOnFoldedText)
{
    // Simple (one-to-one) mappings only: ß has no simple titlecase, so it is not "SS".
    EXPECT_FALSE(contains_folded(fold("Grüße aus Köln"), fold("GRÜSSE")));
    EXPECT_TRUE(contains_folded(fold("Grüße aus Köln"), fold("GRÜßE")));
    EXPECT_TRUE(contains_folded(fold("Grüße aus Köln"), fold("KÖLN")));
    EXPECT_TRUE(contains_folded(fold("anything"), ""));
}

}  // namespace
}  // namespace harbor::imap
