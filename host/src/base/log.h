// Leveled, thread-safe logging: one line per call, to stderr or a file.
// Secrets never go through here (callers redact); lines are written whole so
// concurrent threads never interleave within a line.
#pragma once

#include <string>
#include <string_view>

namespace wshost {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

// Parses "error" | "warn" | "info" | "debug"; returns false otherwise.
bool parse_log_level(std::string_view text, LogLevel &out);

void set_log_level(LogLevel level);
// Opens `path` for appending; empty means stderr. Returns false (and keeps the
// current sink) when the file cannot be opened.
bool set_log_file(const std::string &path);
bool log_enabled(LogLevel level);

void log_line(LogLevel level, std::string_view message);
void logf(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define WSH_LOG_ERROR(...) ::wshost::logf(::wshost::LogLevel::error, __VA_ARGS__)
#define WSH_LOG_WARN(...) ::wshost::logf(::wshost::LogLevel::warn, __VA_ARGS__)
#define WSH_LOG_INFO(...) ::wshost::logf(::wshost::LogLevel::info, __VA_ARGS__)
#define WSH_LOG_DEBUG(...)                                                   \
    do {                                                                     \
        if (::wshost::log_enabled(::wshost::LogLevel::debug))                \
            ::wshost::logf(::wshost::LogLevel::debug, __VA_ARGS__);          \
    } while (0)

} // namespace wshost
