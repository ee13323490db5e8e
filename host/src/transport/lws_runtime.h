// The libwebsockets context and the loop it runs: creation (with the host's
// own libev loop as lws's "foreign" loop, LWS-NOTES T15), lws's log lines
// routed into ours, run() until leave(), and the order of teardown. One per
// process; everything here runs on the service thread.
#pragma once

#include "config/config.h"
#include "transport/loop_pass.h"
#include "transport/service_loop.h"

#include <libwebsockets.h>

#include <cstddef>
#include <functional>

namespace wshost
{

struct RuntimeOptions {
    bool libev = true;            // [server] event_loop = "libev", else poll
    bool tls = false;             // any listener serves TLS: OpenSSL's global init
    std::size_t header_bytes = 0; // lws's per-request header buffer (max_http_header_data)

    static RuntimeOptions of(const Config &config);
};

class LwsRuntime
{
  public:
    explicit LwsRuntime(ServiceLoop &loop) : loop_(loop) {}
    LwsRuntime(const LwsRuntime &) = delete;
    LwsRuntime &operator=(const LwsRuntime &) = delete;
    ~LwsRuntime() { destroy(); }

    // Creates the context and attaches `loop` to it; false (logged) on failure.
    bool create(const RuntimeOptions &options);
    lws_context *context() const { return context_; }
    bool libev() const { return libev_; }
    // libev only (false on poll): runs `each_pass` at the start of every loop pass.
    bool run_each_pass(std::function<void()> each_pass);

    // Serves until leave(); returns the exit code.
    int run();
    // Service thread: makes run() return once the current callback is over.
    void leave();
    // After run(): closes every connection left (their callbacks still run)
    // and frees the context. Idempotent.
    void destroy();

  private:
    ServiceLoop &loop_;
    bool libev_ = true;
    lws_context *context_ = nullptr;
    LibevPass libev_pass_; // the loop lws runs on libev; outlives context_
    void *foreign_loops_[1] = {};
    bool stop_ = false;
    // libev: destroys the context from inside the loop, so that ev_run() returns.
    ServiceTimer exit_timer_{loop_, [this] { exit_timer_fired(); }};
    // libev: keeps lws's own timer from firing late (see lws_runtime.cpp).
    ServiceTimer libev_tick_{loop_, [this] { libev_tick_fired(); }};
    void exit_timer_fired();
    void libev_tick_fired();
};

} // namespace wshost
