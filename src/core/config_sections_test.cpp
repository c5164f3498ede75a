#include "core/config_sections.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace harbor {
namespace {

constexpr std::string_view base = R"(
data_dir = "/var/lib/harbor"
hostname = "mx.example.org"

[log]
level = "info"

[[listener]]
protocol = "smtp"
port = 25

[smtp]
max_recipients = 100
)";

ConfigSections sections_of(std::string_view text)
{
    Result<ConfigSections> sections = parse_config_sections(text, "harbor.toml");
    EXPECT_TRUE(sections) << (sections ? "" : sections.error().detail);
    return sections ? *sections : ConfigSections{};
}

TEST(ConfigSections, OneEntryPerTopLevelKey)
{
    const ConfigSections sections = sections_of(base);
    std::vector<std::string> names;
    for (const auto& [name, value] : sections) {
        names.push_back(name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"data_dir", "hostname", "listener", "log", "smtp"}));
}

TEST(ConfigSections, LayoutAndCommentsAreNoChange)
{
    const ConfigSections before = sections_of(base);
    const ConfigSections after = sections_of(R"(
# the same, written differently
hostname   = "mx.example.org"
data_dir = '/var/lib/harbor'
[smtp]
max_recipients = 100   # the default
[log]
level="info"
[[listener]]
port = 25
protocol = "smtp"
)");
    EXPECT_TRUE(changed_sections(before, after).empty());
}

TEST(ConfigSections, NamesWhatChangedWasAddedOrRemoved)
{
    const ConfigSections before = sections_of(base);
    const ConfigSections after = sections_of(R"(
data_dir = "/var/lib/harbor"
hostname = "mx2.example.org"

[log]
level = "debug"

[[listener]]
protocol = "smtp"
port = 25

[[listener]]
protocol = "imap"
port = 143

[imap]
max_line = 8192
)");
    EXPECT_EQ(changed_sections(before, after),
              (std::vector<std::string>{"hostname", "imap", "listener", "log", "smtp"}));
    EXPECT_EQ(changed_sections(after, after), std::vector<std::string>{});
}

TEST(ConfigSections, SyntaxErrorNamesTheLine)
{
    Result<ConfigSections> sections =
        parse_config_sections("data_dir = \"/x\"\n[log\nlevel = 1\n", "harbor.toml");
    ASSERT_FALSE(sections);
    EXPECT_EQ(sections.error().code, Errc::Invalid);
    EXPECT_NE(sections.error().detail.find("harbor.toml:2"), std::string::npos)
        << sections.error().detail;
}

TEST(ConfigSections, MissingFileIsNotFound)
{
    Result<ConfigSections> sections = read_config_sections("/nonexistent/harbor.toml");
    ASSERT_FALSE(sections);
    EXPECT_EQ(sections.error().code, Errc::NotFound);
}

// A reload's one read: the configuration and the sections of the same bytes, and a file that
// is good TOML but no configuration (no data_dir) refused as a whole.
TEST(ConfigSections, LoadConfigFileReadsBothFromOneFile)
{
    const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                       ("harbor-config-sections-" + std::to_string(::getpid()));
    std::ofstream(file) << base;
    Result<ConfigFile> loaded = load_config_file(file);
    ASSERT_TRUE(loaded) << loaded.error().detail;
    EXPECT_EQ(loaded->config.hostname, "mx.example.org");
    EXPECT_EQ(loaded->config.smtp.max_recipients, 100u);
    EXPECT_TRUE(changed_sections(sections_of(base), loaded->sections).empty());

    std::ofstream(file) << "hostname = \"mx.example.org\"\n";
    Result<ConfigFile> refused = load_config_file(file);
    std::filesystem::remove(file);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::Invalid);
    EXPECT_NE(refused.error().detail.find("data_dir"), std::string::npos) << refused.error().detail;
}

}  // namespace
}  // namespace harbor
