// Process accounting for wsload's report (CPU and RSS from /proc).
#pragma once

namespace wsload
{

double self_cpu_s();
// utime + stime of a process (all its threads), from /proc/PID/stat, in seconds.
double proc_cpu_s(int pid);
long proc_rss_kb(int pid);

} // namespace wsload
