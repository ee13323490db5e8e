#include "base/log.h"

#include "base/log_format.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <sys/time.h>

namespace wshost
{
namespace
{

std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::atomic<LogFormat> g_format{LogFormat::text};
std::mutex g_mu;
FILE *g_sink = nullptr; // nullptr = stderr

} // namespace

bool parse_log_level(std::string_view text, LogLevel &out)
{
    static constexpr std::pair<std::string_view, LogLevel> names[] = {{"error", LogLevel::error},
                                                                      {"warn", LogLevel::warn},
                                                                      {"info", LogLevel::info},
                                                                      {"debug", LogLevel::debug}};
    for (const auto &[name, level] : names)
        if (text == name) {
            out = level;
            return true;
        }
    return false;
}

bool parse_log_format(std::string_view text, LogFormat &out)
{
    if (text != "text" && text != "json")
        return false;
    out = text == "json" ? LogFormat::json : LogFormat::text;
    return true;
}

void set_log_level(LogLevel level)
{
    g_level.store(static_cast<int>(level));
}
void set_log_format(LogFormat format)
{
    g_format.store(format);
}

bool set_log_file(const std::string &path)
{
    FILE *f = nullptr;
    if (!path.empty() && !(f = std::fopen(path.c_str(), "ae")))
        return false;
    std::lock_guard lock(g_mu);
    if (g_sink)
        std::fclose(g_sink);
    g_sink = f;
    return true;
}

bool log_enabled(LogLevel level)
{
    return static_cast<int>(level) <= g_level.load();
}

void log_event(LogLevel level, const LogFields &fields, std::string_view message)
{
    if (!log_enabled(level))
        return;
    timeval now;
    gettimeofday(&now, nullptr);
    std::string line = format_log_line(g_format.load(), level, fields, message, now);
    line += '\n';

    std::lock_guard lock(g_mu);
    FILE *out = g_sink ? g_sink : stderr;
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
}

namespace
{

std::string_view vformat(char (&buf)[2048], const char *fmt, va_list ap)
{
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0)
        return {};
    return std::string_view(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

} // namespace

void log_event(LogLevel level, const LogFields &fields, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    std::string_view message = vformat(buf, fmt, ap);
    va_end(ap);
    log_event(level, fields, message);
}

void log_line(LogLevel level, std::string_view message)
{
    log_event(level, LogFields{}, message);
}

void logf(LogLevel level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    std::string_view message = vformat(buf, fmt, ap);
    va_end(ap);
    log_event(level, LogFields{}, message);
}

} // namespace wshost
