// The running server: one libwebsockets context and service thread, the
// gateway, the reply registry, the worker pool and the current plugin
// generation. run() returns when a SIGTERM/SIGINT drain has finished.
#pragma once

#include "auth/auth.h"
#include "config/config.h"
#include "control/control_api.h"
#include "plugins/dispatcher.h"
#include "transport/ready_file.h"
#include "plugins/generations.h"
#include "plugins/reload.h"
#include "gateway/gateway.h"
#include "transport/loop_pass.h"
#include "protocol/replies.h"
#include "transport/service_loop.h"
#include "transport/service_notify.h"
#include "plugins/worker_pool.h"
#include "session/deadlines.h"
#include "session/drain.h"
#include "session/ws_sessions.h"

#include <libwebsockets.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wshost
{

class Server
{
  public:
    explicit Server(Config config);
    ~Server();

    // Loads the plugins (errors appended, as --check-config prints them).
    bool load_plugins(std::vector<ConfigError> &errors);
    // Creates the context and binds the listeners; false (logged) on failure.
    bool start(const std::string &ready_file);
    // Serves until a stop signal has drained every connection. Returns the exit code.
    int run();

    // Any thread: SIGHUP and POST /v1/reload end up here.
    void request_reload(Reloader::Done done = {}) { generations_.request_reload(std::move(done)); }
    ReloadResult reload_result() const { return generations_.reload_result(); }

    // lws callback (a static trampoline finds the Server through the context).
    int on_signal(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);

  private:
    void exit_timer_fired();
    void libev_tick_fired();
    void status_timer_fired();
    void leave_loop(); // drain over (or its deadline): make run() return
    bool adopt_signalfd();
    bool start_control(ReadyInfo &ready);

    Config config_;
    ServiceLoop loop_; // the mailbox: tasks from any thread, run on the service thread
    Gateway gateway_;
    ReplyRegistry replies_;
    WorkerPool workers_;
    // Declared before the dispatcher (which owns the plugins): plugins' fini
    // may still give verdicts, so it must outlive them.
    AuthService auth_;
    Deadlines deadlines_{loop_, replies_, auth_}; // handler and authentication timeouts
    Dispatcher dispatcher_;
    Generations generations_{config_.file, HostServices{&replies_, &gateway_, &auth_}, dispatcher_, loop_};
    ServiceNotify notify_; // READY/RELOADING/STOPPING/STATUS to $NOTIFY_SOCKET
    Drain drain_{gateway_, loop_, notify_, [this] { leave_loop(); }};
    AcceptGate accept_gate_{0}; // sized in start(); outlives the vhosts that feed it
    WsSessions sessions_{config_, gateway_, auth_, dispatcher_, deadlines_, drain_, loop_, accept_gate_};

    lws_context *context_ = nullptr;
    LibevPass libev_pass_; // libev: the loop lws runs, and the end-of-pass flush (outlives context_)
    void *foreign_loops_[1] = {};
    lws_vhost *ws_vhost_ = nullptr;
    int signal_fd_ = -1;
    bool stop_loop_ = false; // drain finished: leave the service loop
    // libev: destroys the context from inside the loop.
    ServiceTimer exit_timer_{loop_, [this] { exit_timer_fired(); }};
    // libev: keeps lws's timer from firing late (libev_tick_fired).
    ServiceTimer libev_tick_{loop_, [this] { libev_tick_fired(); }};
    // Under systemd: STATUS= follows the connection count.
    ServiceTimer status_timer_{loop_, [this] { status_timer_fired(); }};
    std::unique_ptr<ControlApi> control_api_; // outlives the control vhost
    lws_vhost *control_vhost_ = nullptr;
};

// Blocks SIGHUP/SIGINT/SIGTERM in the calling thread (and every thread it
// starts later), so they are only ever read through the signalfd.
void block_server_signals();

} // namespace wshost
