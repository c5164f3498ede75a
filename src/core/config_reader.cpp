// The typed getters of the configuration reader. See config_reader.hpp.
#include "core/config_reader.hpp"

#include <fstream>
#include <sstream>

namespace harbor::config_reader {

Result<std::string> read_text(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return unexpected(Errc::NotFound, file.string() + ": cannot open");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return std::move(text).str();
}

Result<toml::table> parse_toml(std::string_view text, const std::filesystem::path& source)
{
    try {
        return toml::parse(text, source.string());
    } catch (const toml::parse_error& e) {
        return unexpected(Errc::Invalid, source.string() + ":" +
                                             std::to_string(e.source().begin.line) + ": " +
                                             std::string(e.description()));
    }
}

Unexpected Reporter::fail(const toml::node* node, std::string_view key, std::string_view why) const
{
    std::string where = source_;
    if (node != nullptr && node->source().begin.line > 0) {
        where += ':' + std::to_string(node->source().begin.line);
    }
    return unexpected(Errc::Invalid, where + ": " + std::string(key) + ": " + std::string(why));
}

Result<void> check_keys(const Reporter& report, const toml::table& table, std::string_view prefix,
                        std::initializer_list<std::string_view> known)
{
    for (auto&& [key, node] : table) {
        bool found = false;
        for (std::string_view k : known) {
            found = found || k == key.str();
        }
        if (!found) {
            std::string name = prefix.empty() ? std::string(key.str())
                                              : std::string(prefix) + "." + std::string(key.str());
            return report.fail(&node, name, "unknown key");
        }
    }
    return ok();
}

Result<std::string> get_string(const Reporter& report, const toml::table& table,
                               std::string_view key, std::string_view name, std::string fallback)
{
    const toml::node* node = table.get(key);
    if (node == nullptr) {
        return fallback;
    }
    if (!node->is_string()) {
        return report.fail(node, name, "must be a string");
    }
    return std::string(*node->value<std::string_view>());
}

Result<std::int64_t> get_integer(const Reporter& report, const toml::table& table,
                                 std::string_view key, std::string_view name, std::int64_t min,
                                 std::int64_t max, std::int64_t fallback)
{
    const toml::node* node = table.get(key);
    if (node == nullptr) {
        return fallback;
    }
    if (!node->is_integer()) {
        return report.fail(node, name, "must be an integer");
    }
    std::int64_t value = *node->value<std::int64_t>();
    if (value < min || value > max) {
        return report.fail(
            node, name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return value;
}

Result<std::optional<std::uint64_t>> get_optional_count(const Reporter& report,
                                                        const toml::table& table,
                                                        std::string_view key, std::string_view name,
                                                        std::int64_t max)
{
    if (table.get(key) == nullptr) {
        return std::optional<std::uint64_t>{};
    }
    auto value = get_integer(report, table, key, name, 1, max, 1);
    HARBOR_TRY(value);
    return std::optional<std::uint64_t>{static_cast<std::uint64_t>(*value)};
}

Result<std::vector<std::string>> get_string_list(const Reporter& report, const toml::table& table,
                                                 std::string_view key, std::string_view name)
{
    std::vector<std::string> out;
    const toml::node* node = table.get(key);
    if (node == nullptr) {
        return out;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        return report.fail(node, name, "must be an array of strings");
    }
    for (const toml::node& item : *array) {
        auto text = item.value<std::string>();
        if (!text) {
            return report.fail(&item, name, "must be an array of strings");
        }
        out.push_back(std::move(*text));
    }
    return out;
}

Result<bool> get_bool(const Reporter& report, const toml::table& table, std::string_view key,
                      std::string_view name, bool fallback)
{
    const toml::node* node = table.get(key);
    if (node == nullptr) {
        return fallback;
    }
    if (!node->is_boolean()) {
        return report.fail(node, name, "must be true or false");
    }
    return *node->value<bool>();
}

Result<const toml::table*> get_table(const Reporter& report, const toml::table& root,
                                     std::string_view key)
{
    const toml::node* node = root.get(key);
    if (node == nullptr) {
        return static_cast<const toml::table*>(nullptr);
    }
    const toml::table* table = node->as_table();
    if (table == nullptr) {
        return report.fail(node, key, "must be a table");
    }
    return table;
}

}  // namespace harbor::config_reader
