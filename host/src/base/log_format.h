// How one log line looks: "TS LEVEL message" (text) or one JSON object
// {"ts","level","event","msg", and conn/user/request_id/plugin/action/generation
// where set} (json). Kept apart from the sink (log.cpp) so it can be tested alone.
#pragma once

#include "base/log.h"

#include <string>
#include <string_view>
#include <sys/time.h>

namespace wshost
{

// The line without its newline. `now` gives ts (RFC 3339, UTC, milliseconds).
std::string format_log_line(LogFormat format, LogLevel level, const LogFields &fields,
                            std::string_view message, const timeval &now);

// {"ts","level","event","msg",...}: the JSON line for `fields`.
std::string format_log_json(const LogFields &fields, std::string_view ts, std::string_view level,
                            std::string_view message);

} // namespace wshost
