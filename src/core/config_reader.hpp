// The pieces parse_config is made of, shared by the files that read its sections: a reporter
// naming the file, line and key of a bad value, and typed getters that check ranges and
// reject unknown keys. Internal to core/config*.cpp.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace harbor::config_reader {

// The whole file as text; Errc::NotFound when it cannot be opened.
Result<std::string> read_text(const std::filesystem::path& file);

// The TOML document; Errc::Invalid naming the file and line of a syntax error.
Result<toml::table> parse_toml(std::string_view text, const std::filesystem::path& source);

// Builds "harbor.toml:12: listener[1].port: must be 1..65535".
class Reporter {
public:
    explicit Reporter(const std::filesystem::path& source) : source_(source.string()) {}

    Unexpected fail(const toml::node* node, std::string_view key, std::string_view why) const;

private:
    std::string source_;
};

// Every table is checked for keys we do not know: a typo must not be silently ignored.
Result<void> check_keys(const Reporter& report, const toml::table& table, std::string_view prefix,
                        std::initializer_list<std::string_view> known);

Result<std::string> get_string(const Reporter& report, const toml::table& table,
                               std::string_view key, std::string_view name, std::string fallback);

Result<std::int64_t> get_integer(const Reporter& report, const toml::table& table,
                                 std::string_view key, std::string_view name, std::int64_t min,
                                 std::int64_t max, std::int64_t fallback);

// A key that may be left out (the consumer's default applies then).
Result<std::optional<std::uint64_t>> get_optional_count(const Reporter& report,
                                                        const toml::table& table,
                                                        std::string_view key, std::string_view name,
                                                        std::int64_t max);

// An array of strings; a missing key is an empty list. The entries are checked by their users
// (CIDR lists by net/cidr.hpp when the server starts).
Result<std::vector<std::string>> get_string_list(const Reporter& report, const toml::table& table,
                                                 std::string_view key, std::string_view name);

Result<bool> get_bool(const Reporter& report, const toml::table& table, std::string_view key,
                      std::string_view name, bool fallback);

// The table at `key` of root, or nullptr when absent; a key that is not a table fails.
Result<const toml::table*> get_table(const Reporter& report, const toml::table& root,
                                     std::string_view key);

// [queue] and [dns] (config_outbound.cpp).
Result<void> parse_queue_section(const Reporter& report, const toml::table& table,
                                 QueueConfig& out);
Result<void> parse_dns_section(const Reporter& report, const toml::table& table, DnsConfig& out);

// [server] and [http] (config_server.cpp).
Result<void> parse_server_section(const Reporter& report, const toml::table& table,
                                  ServerConfig& out);
Result<void> parse_http_section(const Reporter& report, const toml::table& table, HttpConfig& out);

}  // namespace harbor::config_reader
