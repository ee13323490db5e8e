// [log] applied to the process's logger: level and format (the file is
// opened by the caller, which knows what a failure means at that point).
#pragma once

#include "config/config.h"

namespace wshost
{

void apply_log_settings(const LogConfig &log);

} // namespace wshost
