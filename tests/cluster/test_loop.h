// A real lws loop for the cluster tests, on either backend the host runs:
// the default poll loop or libev (a loop of ours handed to lws as its foreign
// loop, as host/src/transport/lws_runtime.cpp does). One vhost without a
// listener carries the Redis socket protocol. run_until() serves the loop
// until a condition holds or a deadline passes; a 10 ms tick keeps the loop
// waking so that the condition is checked even when nothing else happens.
#pragma once

#include "cluster/lws_redis_adapter.h"
#include "transport/service_loop.h"

#include <ev.h>
#include <libwebsockets.h>

#include <chrono>
#include <functional>
#include <string>

namespace wshost::cluster::testing
{

class TestLoop
{
  public:
    explicit TestLoop(bool libev) : libev_(libev)
    {
        lws_set_log_level(LLL_ERR, nullptr);
        lws_context_creation_info info{};
        info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
        if (libev_) {
            ev_ = ev_loop_new(EVFLAG_AUTO);
            foreign_[0] = ev_;
            info.options |= LWS_SERVER_OPTION_LIBEV;
            info.foreign_loops = foreign_;
        }
        context_ = lws_create_context(&info);
        if (!context_)
            return;
        protocols_[0] = redis_socket_protocol();
        lws_context_creation_info vi{};
        vi.port = CONTEXT_PORT_NO_LISTEN;
        vi.protocols = protocols_;
        vi.vhost_name = "redis-test";
        vhost_ = lws_create_vhost(context_, &vi);
        loop_.attach(context_);
        if (vhost_)
            tick_.schedule_in(kTick);
    }
    ~TestLoop()
    {
        tick_.cancel();
        if (context_) {
            loop_.detach();
            lws_context_destroy(context_);
        }
        if (ev_)
            ev_loop_destroy(ev_);
    }
    bool ok() const { return context_ && vhost_; }
    ServiceLoop &loop() { return loop_; }
    lws_vhost *vhost() { return vhost_; }

    // One pass of the loop (returns after an event or a timer).
    void step()
    {
        if (libev_)
            ev_run(ev_, EVRUN_ONCE);
        else
            lws_service(context_, 0);
    }
    bool run_until(const std::function<bool()> &done,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= end)
                return false;
            step();
        }
        return true;
    }
    // Serves the loop for `d` (for "nothing must happen meanwhile" checks).
    void run_for(std::chrono::milliseconds d)
    {
        const auto end = std::chrono::steady_clock::now() + d;
        run_until([&] { return std::chrono::steady_clock::now() >= end; }, d + std::chrono::seconds(1));
    }

  private:
    static constexpr std::chrono::microseconds kTick{10000};
    bool libev_;
    struct ev_loop *ev_ = nullptr;
    void *foreign_[1] = {};
    lws_context *context_ = nullptr;
    lws_vhost *vhost_ = nullptr;
    lws_protocols protocols_[2] = {};
    ServiceLoop loop_;
    // Also what keeps lws's libev timer honest (lws_runtime.cpp libev_tick).
    ServiceTimer tick_{loop_, [this] { tick_.schedule_in(kTick); }};
};

} // namespace wshost::cluster::testing
