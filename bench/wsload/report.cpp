// wsload's report: process accounting and the one JSON object on stdout.
#include "load.h"
#include "report.h"
#include "util.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace wsload
{

double self_cpu_s()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of a process (all its threads), from /proc/PID/stat, in seconds.
double proc_cpu_s(int pid)
{
    if (pid <= 0)
        return 0;
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto rp = s.rfind(')');
    if (rp == std::string::npos)
        return 0;
    std::istringstream in(s.substr(rp + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    // Fields after ')' start at field 3 (state); utime is field 14, stime 15.
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14)
            utime = std::stoull(field);
        if (i == 15)
            stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double server_cpu_s(const Options &o)
{
    double total = proc_cpu_s(o.server_pid);
    for (int pid : o.extra_cpu_pids)
        total += proc_cpu_s(pid);
    return total;
}

long proc_rss_kb(int pid)
{
    if (pid <= 0)
        return 0;
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    return 0;
}

void Load::print_result()
{
    double window = static_cast<double>(window_end_ - window_start_) / 1e9;
    double srv = cpu_srv1_ - cpu_srv0_;
    auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
    std::printf("{\"mode\":\"%s\",\"proto\":\"%s\",\"conns\":%d,\"idle_conns\":%d,\"refill\":%d,\"open\":%zu,"
                "\"connect_failed\":%zu,"
                "\"connect_s\":%.3f,\"depth\":%d,\"size\":%zu,\"window_s\":%.3f,",
                o_.mode.c_str(), o_.proto.c_str(), o_.conns, o_.idle_conns, o_.refill, open_, failed_,
                static_cast<double>(connect_ns_) / 1e9, o_.depth, o_.size, window);
    std::printf(
        "\"sent\":%llu,\"received\":%llu,\"window_msgs\":%llu,\"rate\":%.1f,\"errors\":%llu,\"lost\":%llu,"
        "\"closed_unexpectedly\":%llu,\"pings\":%llu,",
        static_cast<unsigned long long>(r_.sent), static_cast<unsigned long long>(r_.received),
        static_cast<unsigned long long>(r_.window_msgs),
        window > 0 ? static_cast<double>(r_.window_msgs) / window : 0.0,
        static_cast<unsigned long long>(r_.errors), static_cast<unsigned long long>(r_.lost),
        static_cast<unsigned long long>(r_.closed_unexpectedly), static_cast<unsigned long long>(r_.pings));
    std::printf("\"lat_p50_us\":%.1f,\"lat_p99_us\":%.1f,\"lat_p999_us\":%.1f,\"lat_max_us\":%.1f,\"lat_"
                "count\":%llu,",
                us(r_.lat.quantile(0.5)), us(r_.lat.quantile(0.99)), us(r_.lat.quantile(0.999)),
                us(r_.lat.max()), static_cast<unsigned long long>(r_.lat.count()));
    std::printf("\"client_cpu_pct\":%.1f,\"server_cpu_s\":%.3f,\"server_cpu_us_per_msg\":%.3f,"
                "\"server_rss_before_kb\":%ld,\"server_rss_kb\":%ld,",
                window > 0 ? 100.0 * (cpu_self1_ - cpu_self0_) / window : 0.0, srv,
                r_.window_msgs ? 1e6 * srv / static_cast<double>(r_.window_msgs) : 0.0, rss_before_,
                rss_after_);
    std::printf("\"server_cpu_pct\":%.1f,", window > 0 ? 100.0 * srv / window : 0.0);
    if (o_.mode == "subscribe")
        std::printf(
            "\"subscribers\":%zu,\"pubs_sent\":%llu,\"pubs_complete\":%llu,\"pubs_incomplete\":%llu,"
            "\"missing_deliveries\":%llu,\"http_errors\":%llu,\"last_p50_us\":%.1f,\"last_p99_us\":%.1f,"
            "\"last_count\":%llu,",
            subscribers_, static_cast<unsigned long long>(r_.pubs_sent),
            static_cast<unsigned long long>(r_.pubs_complete),
            static_cast<unsigned long long>(r_.pubs_incomplete), static_cast<unsigned long long>(r_.missing),
            static_cast<unsigned long long>(r_.http_errors), us(r_.last.quantile(0.5)),
            us(r_.last.quantile(0.99)), static_cast<unsigned long long>(r_.last.count()));
    if (o_.mode == "idle") {
        std::size_t exchanged = 0, deflated = 0;
        for (const Conn &c : conns_) {
            exchanged += c.exchanged;
            deflated += c.deflate && c.st == St::open;
        }
        long delta = rss_after_ - rss_before_;
        std::printf(
            "\"exchanged\":%zu,\"deflate_negotiated\":%zu,\"inflate_errors\":%llu,\"per_conn_bytes\":%.1f,",
            exchanged, deflated, static_cast<unsigned long long>(r_.inflate_errors),
            open_ ? 1024.0 * static_cast<double>(delta) / static_cast<double>(open_) : 0.0);
    }
    std::printf("\"elapsed_s\":%.3f}\n", static_cast<double>(now_ns() - t0_) / 1e9);
    std::fflush(stdout);
}

} // namespace wsload
