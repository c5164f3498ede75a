// The configuration file as its top-level sections ([log], [[listener]], hostname …), each
// kept as canonical text, so that a reload can say which sections changed and which of those
// wait for a restart (server/daemon.cpp) rather than pretend it applied them.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace harbor {

// Section name → its value written back as TOML: formatting and comments do not count.
using ConfigSections = std::map<std::string, std::string>;

// Errc::Invalid on a TOML syntax error (file and line), as parse_config().
Result<ConfigSections> parse_config_sections(std::string_view text,
                                             const std::filesystem::path& source);
Result<ConfigSections> read_config_sections(const std::filesystem::path& file);

// The configuration and its sections from one read of the file, so that both describe the
// same bytes (a reload).
struct ConfigFile {
    Config config;
    ConfigSections sections;
};
Result<ConfigFile> load_config_file(const std::filesystem::path& file);

// The names of the sections added, removed or changed from `before` to `after`, sorted.
std::vector<std::string> changed_sections(const ConfigSections& before,
                                          const ConfigSections& after);

}  // namespace harbor
