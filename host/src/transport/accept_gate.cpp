#include "transport/accept_gate.h"

#include "base/log.h"

#include <sys/resource.h>

#include <algorithm>

namespace wshost
{

void AcceptGate::on_callback(lws *wsi, lws_callback_reasons reason)
{
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: // wsi: the listener that accepted
        if (std::find(listeners_.begin(), listeners_.end(), wsi) == listeners_.end()) {
            listeners_.push_back(wsi);
            if (paused_) // a listener first seen at the limit: its one accept still had room
                lws_rx_flow_control(wsi, 0);
        }
        break;
    case LWS_CALLBACK_WSI_CREATE:
        ++open_;
        if (max_open_ && !paused_ && open_ >= max_open_)
            pause();
        break;
    case LWS_CALLBACK_WSI_DESTROY: {
        // A listener (destroyed only with its vhost) had no WSI_CREATE.
        auto it = std::find(listeners_.begin(), listeners_.end(), wsi);
        if (it != listeners_.end()) {
            listeners_.erase(it);
            break;
        }
        open_ -= open_ > 0;
        if (paused_ && open_ < max_open_)
            resume();
        if (open_ < max_open_ - max_open_ / 10)
            warned_ = false;
        break;
    }
    default:
        break;
    }
}

void AcceptGate::pause()
{
    paused_ = true;
    for (lws *listener : listeners_)
        lws_rx_flow_control(listener, 0);
    if (!warned_) // once per visit to the limit, not once per accepted client
        log_event(LogLevel::warn, LogFields("fd_limit"),
                  "%u connections open: at the fd limit, new clients wait in the listen backlog", open_);
    warned_ = true;
}

void AcceptGate::resume()
{
    paused_ = false;
    for (lws *listener : listeners_)
        lws_rx_flow_control(listener, 1);
    log_event(LogLevel::debug, LogFields("fd_limit_cleared"),
              "below the fd limit again (%u connections open): accepting", open_);
}

unsigned connection_fd_budget(unsigned margin)
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024 > margin * 2 ? 1024 - margin : 1024 / 2;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) // e.g. a seccomp filter (the unit's ~@resources)
            getrlimit(RLIMIT_NOFILE, &rl);      // then the budget follows the soft limit we keep
    }
    rlim_t n = rl.rlim_cur == RLIM_INFINITY ? 1 << 20 : rl.rlim_cur;
    return static_cast<unsigned>(n > margin * 2 ? n - margin : n / 2);
}

} // namespace wshost
