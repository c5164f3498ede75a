// See config_sections.hpp. toml++ writes a node back in one canonical form (its formatter), so
// two files that differ only in layout give the same text per section.
#include "core/config_sections.hpp"

#include <algorithm>
#include <sstream>

#include "core/config_reader.hpp"

namespace harbor {

Result<ConfigSections> parse_config_sections(std::string_view text,
                                             const std::filesystem::path& source)
{
    Result<toml::table> root = config_reader::parse_toml(text, source);
    HARBOR_TRY(root);
    ConfigSections sections;
    for (auto&& [key, node] : *root) {
        std::ostringstream value;
        value << toml::toml_formatter(node);
        sections.emplace(std::string(key.str()), std::move(value).str());
    }
    return sections;
}

Result<ConfigSections> read_config_sections(const std::filesystem::path& file)
{
    Result<std::string> text = config_reader::read_text(file);
    HARBOR_TRY(text);
    return parse_config_sections(*text, file);
}

Result<ConfigFile> load_config_file(const std::filesystem::path& file)
{
    Result<std::string> text = config_reader::read_text(file);
    HARBOR_TRY(text);
    Result<Config> config = parse_config(*text, file);
    HARBOR_TRY(config);
    Result<ConfigSections> sections = parse_config_sections(*text, file);
    HARBOR_TRY(sections);
    return ConfigFile{std::move(*config), std::move(*sections)};
}

std::vector<std::string> changed_sections(const ConfigSections& before, const ConfigSections& after)
{
    std::vector<std::string> changed;
    for (const auto& [name, value] : before) {
        auto now = after.find(name);
        if (now == after.end() || now->second != value) {
            changed.push_back(name);
        }
    }
    for (const auto& [name, value] : after) {
        if (!before.contains(name)) {
            changed.push_back(name);
        }
    }
    std::sort(changed.begin(), changed.end());
    return changed;
}

}  // namespace harbor
