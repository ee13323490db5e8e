// Shared by the fuzz targets (tests/fuzz): a check that survives NDEBUG and
// turns a broken invariant into a crash libFuzzer reports (and the replay
// driver, replay_main.cpp, fails on), and quiet logging.
#pragma once

#include "base/log.h"

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                \
            std::abort();                                                                                    \
        }                                                                                                    \
    } while (0)

// Once per process: the host's own log lines would drown libFuzzer's.
inline void fuzz_quiet_logs()
{
    static bool done = [] {
        wshost::set_log_level(wshost::LogLevel::error);
        return true;
    }();
    (void)done;
}
