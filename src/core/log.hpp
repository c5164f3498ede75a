// Structured logging over spdlog: one event name per line, typed fields, text or JSON lines.
// Every connection and message carries an id (cid, mid) that appears in each line about it.
// Credentials never go into fields.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace harbor::log {

enum class Level { Trace, Debug, Info, Warn, Error, Off };
enum class Format { Text, Json };

struct Field {
    std::string_view key;
    std::string value;

    Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
    Field(std::string_view k, std::string_view v) : key(k), value(v) {}
    Field(std::string_view k, const char* v) : key(k), value(v) {}
    template <typename N>
        requires std::is_arithmetic_v<N>
    Field(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
};

using Fields = std::initializer_list<Field>;

// Configures the process-wide logger (stderr). Safe to call again, e.g. after config load.
void init(Level level, Format format);
Level level();

bool parse_level(std::string_view text, Level& out);
bool parse_format(std::string_view text, Format& out);

// Formats one line without writing it (used by the writers below and by tests).
std::string format_line(Format format, Level level, std::string_view event, Fields fields);

void write(Level level, std::string_view event, Fields fields = {});
inline void trace(std::string_view event, Fields f = {}) { write(Level::Trace, event, f); }
inline void debug(std::string_view event, Fields f = {}) { write(Level::Debug, event, f); }
inline void info(std::string_view event, Fields f = {}) { write(Level::Info, event, f); }
inline void warn(std::string_view event, Fields f = {}) { write(Level::Warn, event, f); }
inline void error(std::string_view event, Fields f = {}) { write(Level::Error, event, f); }

}  // namespace harbor::log
