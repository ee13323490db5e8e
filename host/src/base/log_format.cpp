#include "base/log_format.h"

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

// Length of the valid UTF-8 sequence at s[i], or 0 (RFC 3629: no overlongs,
// no surrogates, nothing past U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i)
{
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = b(0);
    std::size_t n = c < 0x80             ? 1
                    : (c & 0xE0) == 0xC0 ? 2
                    : (c & 0xF0) == 0xE0 ? 3
                    : (c & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(k) & 0xC0) != 0x80)
            return 0;
    if (n == 2 && c < 0xC2)
        return 0;
    if (n == 3 && ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)))
        return 0;
    if (n == 4 && ((c == 0xF0 && b(1) < 0x90) || c > 0xF4 || (c == 0xF4 && b(1) >= 0x90)))
        return 0;
    return n;
}

void append_key(std::string &out, const char *key)
{
    out += ",\"";
    out += key;
    out += "\":";
}

} // namespace

void append_log_json_string(std::string &out, std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
            ++i;
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
            ++i;
        } else if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
        } else if (std::size_t n = utf8_sequence(s, i)) {
            out.append(s.data() + i, n);
            i += n;
        } else {
            out += "\\ufffd";
            ++i;
        }
    }
    out.push_back('"');
}

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
    out += "{\"ts\":";
    append_log_json_string(out, ts);
    out += ",\"level\":";
    append_log_json_string(out, level);
    out += ",\"event\":";
    append_log_json_string(out, f.event_ && *f.event_ ? f.event_ : "log");
    out += ",\"msg\":";
    append_log_json_string(out, message);
    if (f.conn_) {
        append_key(out, "conn");
        out += '"' + std::to_string(f.conn_) + '"'; // ids are decimal strings in JSON (DESIGN §1)
    }
    const std::pair<const char *, std::string_view> strings[] = {
        {"user", f.user_}, {"request_id", f.request_id_}, {"plugin", f.plugin_}, {"action", f.action_}};
    for (const auto &[key, value] : strings)
        if (!value.empty()) {
            append_key(out, key);
            append_log_json_string(out, value);
        }
    if (f.generation_) {
        append_key(out, "generation");
        out += std::to_string(f.generation_);
    }
    out += '}';
    return out;
}

} // namespace wshost
