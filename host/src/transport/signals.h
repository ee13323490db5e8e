// SIGHUP, SIGINT and SIGTERM read through a signalfd that the service loop
// watches, so a signal is handled on the service thread like any other event
// (never in a signal handler). block() must run before any thread exists:
// threads inherit the mask, and a signal left unblocked in one of them would
// be delivered there instead of to the signalfd.
#pragma once

#include <libwebsockets.h>

#include <functional>

namespace wshost
{

class SignalWatch
{
  public:
    using Handler = std::function<void(int signo)>;

    SignalWatch() = default;
    SignalWatch(const SignalWatch &) = delete;
    SignalWatch &operator=(const SignalWatch &) = delete;
    ~SignalWatch();

    // Blocks the three signals in the calling thread and every thread it starts.
    static void block();
    // The entry of the vhost's protocol list that adopt() binds the signalfd to.
    static lws_protocols protocol();

    // Opens the signalfd and adopts it into `vhost` (whose protocols hold
    // protocol()); `on_signal` runs on the service thread. False (logged) on failure.
    bool adopt(lws_vhost *vhost, Handler on_signal);

  private:
    static int callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);
    void drain_signals();

    int fd_ = -1;
    Handler on_signal_;
};

} // namespace wshost
