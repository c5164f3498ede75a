// Unit tests for auth/dmarc/public_suffix: the 78 official checkPublicSuffix vectors
// (publicsuffix/list tests/test_psl.txt, against the list of the same commit), the list
// format's own example, loading (Debian's file, errors, once per process) and RFC 7489 §3.2.
#include "auth/dmarc/public_suffix.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "auth/dmarc/domain.hpp"

namespace harbor::auth::dmarc {
namespace {

const std::filesystem::path testdata =
    std::filesystem::path(HARBOR_TESTDATA_DIR) / "dmarc" / "publicsuffix";

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// checkPublicSuffix(input, expected): the registrable domain of the input, NULL for none.
// Names are compared in canonical form (lowercase A-labels), so an expected U-label result
// is put in that form too.
std::optional<std::string> registrable(const PublicSuffixList& list, std::string_view input)
{
    if (input == "NULL") {
        return std::nullopt;  // checkPublicSuffix(null, null)
    }
    Result<std::string> domain = canonical_domain(input);
    if (!domain) {
        return std::nullopt;  // ".com", ".example": not a domain, so no registrable domain
    }
    std::optional<std::string_view> result = list.registrable_domain(*domain);
    return result ? std::optional<std::string>(*result) : std::nullopt;
}

TEST(PublicSuffix, OfficialVectors)
{
    Result<PublicSuffixList> list = PublicSuffixList::load(testdata / "public_suffix_list.dat");
    ASSERT_TRUE(list.has_value()) << list.error().to_string();
    EXPECT_GT(list->rules(), 9000u);
    EXPECT_EQ(list->skipped_rules(), 0u);

    std::istringstream lines(read_file(testdata / "test_psl.tsv"));
    std::string line;
    int vectors = 0;
    while (std::getline(lines, line)) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::size_t tab = line.find('\t');
        ASSERT_NE(tab, std::string::npos) << line;
        const std::string input = line.substr(0, tab);
        const std::string expected = line.substr(tab + 1);
        std::optional<std::string> want;
        if (expected != "NULL") {
            Result<std::string> canonical = canonical_domain(expected);
            ASSERT_TRUE(canonical.has_value()) << expected;
            want = *canonical;
        }
        EXPECT_EQ(registrable(*list, input), want) << input;
        ++vectors;
    }
    EXPECT_EQ(vectors, 78);
}

TEST(PublicSuffix, IdnRulesAreALabels)
{
    Result<PublicSuffixList> list = PublicSuffixList::load(testdata / "public_suffix_list.dat");
    ASSERT_TRUE(list.has_value());
    // "公司.cn" is in the list as UTF-8; it matches its A-label form.
    EXPECT_EQ(list->public_suffix("www.xn--85x722f.xn--55qx5d.cn"), "xn--55qx5d.cn");
    EXPECT_EQ(list->organisational_domain("a.b.xn--85x722f.xn--55qx5d.cn"),
              "xn--85x722f.xn--55qx5d.cn");
}

TEST(PublicSuffix, FormatExample)
{
    // The example of publicsuffix.org/list "List format", numbered rules 1-6.
    const PublicSuffixList list = PublicSuffixList::parse(
        "// comment\n"
        "com\n"
        "*.jp\n"
        "// Hosts in .hokkaido.jp can't set cookies below level 4...\n"
        "*.hokkaido.jp\n"
        "*.tokyo.jp\n"
        "!pref.hokkaido.jp   trailing words are not part of the rule\n"
        "\t!metro.tokyo.jp\r\n"
        "\n"
        "  \n"
        ".leading.example\n"
        "bad..rule\n"
        "a.*.inner\n");
    EXPECT_EQ(list.rules(), 7u);
    EXPECT_EQ(list.skipped_rules(), 2u);
    EXPECT_EQ(list.registrable_domain("foo.com"), std::optional<std::string_view>("foo.com"));
    EXPECT_EQ(list.registrable_domain("foo.bar.jp"), std::optional<std::string_view>("foo.bar.jp"));
    EXPECT_EQ(list.registrable_domain("bar.jp"), std::nullopt);
    EXPECT_EQ(list.registrable_domain("foo.bar.hokkaido.jp"),
              std::optional<std::string_view>("foo.bar.hokkaido.jp"));
    EXPECT_EQ(list.registrable_domain("bar.hokkaido.jp"), std::nullopt);
    EXPECT_EQ(list.registrable_domain("pref.hokkaido.jp"),
              std::optional<std::string_view>("pref.hokkaido.jp"));
    EXPECT_EQ(list.registrable_domain("x.metro.tokyo.jp"),
              std::optional<std::string_view>("metro.tokyo.jp"));
    EXPECT_EQ(list.public_suffix("a.b.leading.example"), "leading.example");
    EXPECT_EQ(list.public_suffix("x.unlisted"), "unlisted");  // the implicit "*" rule
    EXPECT_EQ(list.public_suffix("unlisted"), "unlisted");
}

TEST(PublicSuffix, OrganisationalDomain)
{
    const PublicSuffixList list = PublicSuffixList::parse("com\nuk\nco.uk\n*.ck\n!www.ck\n");
    // RFC 7489 §3.2 step 4: the matched public suffix plus the next label.
    EXPECT_EQ(list.organisational_domain("a.b.example.com"), "example.com");
    EXPECT_EQ(list.organisational_domain("example.com"), "example.com");
    EXPECT_EQ(list.organisational_domain("mail.example.co.uk"), "example.co.uk");
    EXPECT_EQ(list.organisational_domain("a.b.c.ck"), "b.c.ck");
    EXPECT_EQ(list.organisational_domain("a.www.ck"), "www.ck");
    // A public suffix itself has no "x+1"th label: it stands for itself.
    EXPECT_EQ(list.organisational_domain("co.uk"), "co.uk");
    EXPECT_EQ(list.organisational_domain("com"), "com");
}

TEST(PublicSuffix, DebianListLoadsOncePerProcess)
{
    const std::filesystem::path debian(default_public_suffix_path);
    ASSERT_TRUE(std::filesystem::exists(debian)) << "Debian package publicsuffix";
    Result<std::shared_ptr<const PublicSuffixList>> first = shared_public_suffix_list(debian);
    ASSERT_TRUE(first.has_value()) << first.error().to_string();
    EXPECT_GT((*first)->rules(), 5000u);
    EXPECT_EQ((*first)->organisational_domain("www.example.co.uk"), "example.co.uk");
    // Later calls get the same table, whatever path they name.
    Result<std::shared_ptr<const PublicSuffixList>> second =
        shared_public_suffix_list("/nonexistent/list.dat");
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(first->get(), second->get());
}

TEST(PublicSuffix, LoadErrors)
{
    Result<PublicSuffixList> missing = PublicSuffixList::load("/nonexistent/list.dat");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, Errc::NotFound);

    const std::filesystem::path empty =
        std::filesystem::temp_directory_path() / "harbor_dmarc_empty_psl.dat";
    std::ofstream(empty) << "// only a comment\n\n";
    Result<PublicSuffixList> no_rules = PublicSuffixList::load(empty);
    std::filesystem::remove(empty);
    ASSERT_FALSE(no_rules.has_value());
    EXPECT_EQ(no_rules.error().code, Errc::Invalid);
}

}  // namespace
}  // namespace harbor::auth::dmarc
