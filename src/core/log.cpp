#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>

namespace harbor::log {
namespace {

std::atomic<Level> current_level{Level::Info};
std::atomic<Format> current_format{Format::Text};

spdlog::logger& logger()
{
    // Created once; the pattern is only the message since we format the whole line ourselves.
    static std::shared_ptr<spdlog::logger> instance = [] {
        auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        auto made = std::make_shared<spdlog::logger>("harbor", sink);
        made->set_pattern("%v");
        made->set_level(spdlog::level::trace);
        made->flush_on(spdlog::level::trace);
        return made;
    }();
    return *instance;
}

std::string_view level_name(Level level)
{
    switch (level) {
    case Level::Trace: return "trace";
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
    case Level::Off: return "off";
    }
    return "info";
}

std::string timestamp()
{
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms.count()));
    return buf;
}

// Text values with spaces, quotes or control bytes are quoted so a line stays one line.
void append_text_value(std::string& out, std::string_view value)
{
    bool plain = !value.empty();
    for (unsigned char c : value) {
        if (c <= ' ' || c == '"' || c == '=' || c == 0x7f) {
            plain = false;
            break;
        }
    }
    if (plain) {
        out += value;
        return;
    }
    out += '"';
    for (unsigned char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < ' ' || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

}  // namespace

void init(Level level, Format format)
{
    current_level = level;
    current_format = format;
    logger();
}

Level level() { return current_level; }

bool parse_level(std::string_view text, Level& out)
{
    static constexpr std::pair<std::string_view, Level> names[] = {
        {"trace", Level::Trace}, {"debug", Level::Debug}, {"info", Level::Info},
        {"warn", Level::Warn},   {"error", Level::Error}, {"off", Level::Off}};
    for (auto [name, value] : names) {
        if (text == name) {
            out = value;
            return true;
        }
    }
    return false;
}

bool parse_format(std::string_view text, Format& out)
{
    if (text == "text") {
        out = Format::Text;
        return true;
    }
    if (text == "json") {
        out = Format::Json;
        return true;
    }
    return false;
}

std::string format_line(Format format, Level level, std::string_view event, Fields fields)
{
    if (format == Format::Json) {
        nlohmann::ordered_json line;
        line["ts"] = timestamp();
        line["level"] = level_name(level);
        line["event"] = event;
        for (const Field& f : fields) {
            line[std::string(f.key)] = f.value;
        }
        // Invalid UTF-8 from the network is replaced rather than throwing.
        return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    std::string out = timestamp();
    out += ' ';
    out += level_name(level);
    out += ' ';
    out += event;
    for (const Field& f : fields) {
        out += ' ';
        out += f.key;
        out += '=';
        append_text_value(out, f.value);
    }
    return out;
}

void write(Level level, std::string_view event, Fields fields)
{
    if (level < current_level.load() || level == Level::Off) {
        return;
    }
    logger().info(format_line(current_format.load(), level, event, fields));
}

}  // namespace harbor::log
