// [log] applied to the process's logger: level and format (the file is
// opened by the caller, which knows what a failure means at that point).
#pragma once

#include "config/config.h"

namespace wshost
{

void apply_log_settings(const LogConfig &log);
// On reload: apply_log_settings() and the file reopened; a file that cannot be
// opened is logged (to where logging went so far) and logging stays there.
void reapply_log_settings(const LogConfig &log);

} // namespace wshost
