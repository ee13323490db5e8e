// Clock and fatal-error helpers shared by wsload's files.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace wsload
{

inline uint64_t now_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline uint64_t sec_to_ns(double s)
{
    return static_cast<uint64_t>(s * 1e9);
}

[[noreturn]] inline void die(const std::string &msg)
{
    std::fprintf(stderr, "wsload: %s\n", msg.c_str());
    std::exit(2);
}

} // namespace wsload
