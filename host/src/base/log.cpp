#include "base/log.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <sys/time.h>

namespace wshost {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::mutex g_mu;
FILE *g_sink = nullptr; // nullptr = stderr

const char *level_name(LogLevel level)
{
    switch (level) {
    case LogLevel::error: return "ERROR";
    case LogLevel::warn: return "WARN";
    case LogLevel::info: return "INFO";
    case LogLevel::debug: return "DEBUG";
    }
    return "?";
}

} // namespace

bool parse_log_level(std::string_view text, LogLevel &out)
{
    static constexpr std::pair<std::string_view, LogLevel> names[] = {
        {"error", LogLevel::error}, {"warn", LogLevel::warn},
        {"info", LogLevel::info},   {"debug", LogLevel::debug}};
    for (const auto &[name, level] : names)
        if (text == name) {
            out = level;
            return true;
        }
    return false;
}

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }

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

bool log_enabled(LogLevel level) { return static_cast<int>(level) <= g_level.load(); }

void log_line(LogLevel level, std::string_view message)
{
    if (!log_enabled(level))
        return;
    timeval tv;
    gettimeofday(&tv, nullptr);
    tm utc;
    gmtime_r(&tv.tv_sec, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);

    std::lock_guard lock(g_mu);
    FILE *out = g_sink ? g_sink : stderr;
    std::fprintf(out, "%s.%03dZ %s %.*s\n", stamp, static_cast<int>(tv.tv_usec / 1000),
                 level_name(level), static_cast<int>(message.size()), message.data());
    std::fflush(out);
}

void logf(LogLevel level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    log_line(level, std::string_view(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1)));
}

} // namespace wshost
