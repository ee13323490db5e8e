// Leveled, thread-safe logging: one line per call, to stderr or a file, as
// plain text or as one JSON object per line ([log] format, log_format.h).
// Secrets never go through here (callers redact); lines are written whole so
// concurrent threads never interleave within a line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wshost
{

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };
enum class LogFormat { text, json };

// What a line is about, for the JSON format (the text format shows only the
// message): a stable snake_case event name (README, "Logs") and, where they
// apply, the connection, user, requestId, plugin, action and generation:
//   log_event(LogLevel::info, LogFields("reload_ok").generation(4), "reload generation=%d ok", 4);
// Empty strings and zero ids are left out of the line. Borrowed: the
// strings must outlive the log_event call.
class LogFields
{
  public:
    LogFields(const char *event = "log") : event_(event) {} // "log": a line that names no event of its own
    LogFields &conn(uint64_t id)
    {
        conn_ = id;
        return *this;
    }
    LogFields &user(std::string_view id)
    {
        user_ = id;
        return *this;
    }
    LogFields &request_id(std::string_view id)
    {
        request_id_ = id;
        return *this;
    }
    LogFields &plugin(std::string_view name)
    {
        plugin_ = name;
        return *this;
    }
    LogFields &action(std::string_view name)
    {
        action_ = name;
        return *this;
    }
    LogFields &generation(uint64_t n)
    {
        generation_ = n;
        return *this;
    }

  private:
    friend std::string format_log_json(const LogFields &, std::string_view, std::string_view,
                                       std::string_view);
    const char *event_;
    uint64_t conn_ = 0;
    std::string_view user_, request_id_, plugin_, action_;
    uint64_t generation_ = 0;
};

// Parses "error" | "warn" | "info" | "debug"; returns false otherwise.
bool parse_log_level(std::string_view text, LogLevel &out);
// Parses "text" | "json"; returns false otherwise.
bool parse_log_format(std::string_view text, LogFormat &out);

void set_log_level(LogLevel level);
void set_log_format(LogFormat format);
// Opens `path` for appending; empty means stderr. Returns false (and keeps the
// current sink) when the file cannot be opened.
bool set_log_file(const std::string &path);
bool log_enabled(LogLevel level);

void log_event(LogLevel level, const LogFields &fields, std::string_view message);
void log_event(LogLevel level, const LogFields &fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_line(LogLevel level, std::string_view message);
void logf(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define WSH_LOG_ERROR(...) ::wshost::logf(::wshost::LogLevel::error, __VA_ARGS__)
#define WSH_LOG_WARN(...) ::wshost::logf(::wshost::LogLevel::warn, __VA_ARGS__)
#define WSH_LOG_INFO(...) ::wshost::logf(::wshost::LogLevel::info, __VA_ARGS__)
#define WSH_LOG_DEBUG(...)                                                                                   \
    do {                                                                                                     \
        if (::wshost::log_enabled(::wshost::LogLevel::debug))                                                \
            ::wshost::logf(::wshost::LogLevel::debug, __VA_ARGS__);                                          \
    } while (0)

} // namespace wshost
