#include "config/log_settings.h"

#include "base/log.h"

namespace wshost
{

void apply_log_settings(const LogConfig &log)
{
    LogLevel level = LogLevel::info; // the config was validated: these parse
    parse_log_level(log.level, level);
    set_log_level(level);
    LogFormat format = LogFormat::text;
    parse_log_format(log.format, format);
    set_log_format(format);
}

void reapply_log_settings(const LogConfig &log)
{
    apply_log_settings(log);
    if (!set_log_file(log.file))
        log_event(LogLevel::error, LogFields("log_file_failed"),
                  "reload: cannot open log file %s; logging where it did", log.file.c_str());
}

} // namespace wshost
