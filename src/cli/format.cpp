#include "cli/format.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>
#include <limits>

namespace harbor::cli {

Result<std::uint64_t> parse_size(std::string_view text)
{
    if (text == "unlimited") {
        return std::uint64_t{0};
    }
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end == text.data()) {
        return unexpected(Errc::Invalid, "bad size: " + std::string(text));
    }
    std::string_view unit(end, text.data() + text.size() - end);
    int shift = 0;
    if (unit.empty()) {
        shift = 0;
    } else if (unit == "K" || unit == "k") {
        shift = 10;
    } else if (unit == "M" || unit == "m") {
        shift = 20;
    } else if (unit == "G" || unit == "g") {
        shift = 30;
    } else if (unit == "T" || unit == "t") {
        shift = 40;
    } else {
        return unexpected(Errc::Invalid, "bad size unit in " + std::string(text) +
                                             " (use K, M, G or T)");
    }
    if (shift > 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift)) {
        return unexpected(Errc::Invalid, "size too large: " + std::string(text));
    }
    return value << shift;
}

std::string format_size(std::uint64_t bytes)
{
    if (bytes == 0) {
        return "unlimited";
    }
    static constexpr std::pair<int, const char*> units[] = {{40, "T"}, {30, "G"}, {20, "M"},
                                                            {10, "K"}};
    for (auto [shift, suffix] : units) {
        if (bytes % (std::uint64_t{1} << shift) == 0) {
            return std::to_string(bytes >> shift) + suffix;
        }
    }
    return std::to_string(bytes);
}

Result<store::Role> parse_role(std::string_view text)
{
    if (text == "user") {
        return store::Role::User;
    }
    if (text == "domain-admin") {
        return store::Role::DomainAdmin;
    }
    if (text == "admin") {
        return store::Role::Admin;
    }
    return unexpected(Errc::Invalid,
                      "bad role: " + std::string(text) + " (use user, domain-admin or admin)");
}

std::string_view role_name(store::Role role)
{
    switch (role) {
    case store::Role::User: return "user";
    case store::Role::DomainAdmin: return "domain-admin";
    case store::Role::Admin: return "admin";
    }
    return "user";
}

std::string format_account(const store::Account& account)
{
    std::string rights;
    auto add_right = [&rights](bool allowed, const char* name) {
        if (allowed) {
            rights += rights.empty() ? "" : ",";
            rights += name;
        }
    };
    add_right(account.rights.imap, "imap");
    add_right(account.rights.pop3, "pop3");
    add_right(account.rights.submission, "submission");
    std::string line = account.address + " role=" + std::string(role_name(account.role)) +
                       " quota=" + format_size(account.quota_bytes) +
                       " rights=" + (rights.empty() ? "none" : rights);
    if (account.disabled) {
        line += " disabled";
    }
    if (!account.display_name.empty()) {
        line += " name=\"" + account.display_name + "\"";
    }
    return line;
}

std::string format_utc(std::int64_t unix_seconds)
{
    const auto seconds = static_cast<std::time_t>(unix_seconds);
    std::tm utc{};
    char text[32];
    if (gmtime_r(&seconds, &utc) == nullptr ||
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0) {
        return std::to_string(unix_seconds);
    }
    return text;
}

std::string format_json(const nlohmann::json& value)
{
    return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_zone_txt(std::string_view name, std::string_view text)
{
    constexpr std::size_t max_string = 255;
    std::string out = std::string(name) + ". IN TXT";
    const bool several = text.size() > max_string;
    out += several ? " (" : "";
    for (std::size_t at = 0; at < text.size() || at == 0; at += max_string) {
        out += " \"";
        for (const char c : text.substr(at, max_string)) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
        if (text.empty()) {
            break;
        }
    }
    return out + (several ? " )" : "");
}

}  // namespace harbor::cli
