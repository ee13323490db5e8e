// Process accounting for wsload's report (CPU and RSS from /proc).
#pragma once

#include "options.h"

namespace wsload
{

double self_cpu_s();
// utime + stime of a process (all its threads), from /proc/PID/stat, in seconds.
double proc_cpu_s(int pid);
// The server process plus every --extra-cpu-pid, in seconds.
double server_cpu_s(const Options &o);
long proc_rss_kb(int pid);

} // namespace wsload
