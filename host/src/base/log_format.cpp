#include "base/log_format.h"

#include "base/json_writer.h"

#include <cstdio>
#include <ctime>

namespace wshost
{
namespace
{

const char *level_name(LogLevel level, LogFormat format)
{
    const bool json = format == LogFormat::json; // json: the config's spelling
    switch (level) {
    case LogLevel::error:
        return json ? "error" : "ERROR";
    case LogLevel::warn:
        return json ? "warn" : "WARN";
    case LogLevel::info:
        return json ? "info" : "INFO";
    case LogLevel::debug:
        return json ? "debug" : "DEBUG";
    }
    return "?";
}

} // namespace

std::string format_log_line(LogFormat format, LogLevel level, const LogFields &fields,
                            std::string_view message, const timeval &now)
{
    tm utc;
    gmtime_r(&now.tv_sec, &utc);
    char stamp[40];
    std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(now.tv_usec / 1000));

    if (format == LogFormat::text) {
        std::string out;
        out.reserve(message.size() + 32);
        out.append(stamp).append(" ").append(level_name(level, format)).append(" ").append(message);
        return out;
    }
    return format_log_json(fields, stamp, level_name(level, format), message);
}

std::string format_log_json(const LogFields &f, std::string_view ts, std::string_view level,
                            std::string_view message)
{
    std::string out;
    out.reserve(message.size() + 128);
    JsonWriter w(out);
    w.begin_object().key("ts").string(ts).key("level").string(level);
    w.key("event").string(f.event_ && *f.event_ ? f.event_ : "log").key("msg").string(message);
    if (f.conn_)
        w.key("conn").id(f.conn_); // ids are decimal strings in JSON (DESIGN §1)
    const std::pair<const char *, std::string_view> strings[] = {
        {"user", f.user_}, {"request_id", f.request_id_}, {"plugin", f.plugin_}, {"action", f.action_}};
    for (const auto &[key, value] : strings)
        if (!value.empty())
            w.key(key).string(value);
    if (f.generation_)
        w.key("generation").number(f.generation_);
    w.end_object();
    return out;
}

} // namespace wshost
