// The running server: one libwebsockets context and service thread, the
// gateway, the reply registry, the worker pool and the current plugin
// generation. run() returns when a SIGTERM/SIGINT drain has finished.
#pragma once

#include "transport/accept_gate.h"
#include "auth/admission.h"
#include "auth/auth.h"
#include "config/config.h"
#include "control/control_api.h"
#include "plugins/dispatcher.h"
#include "auth/handshake_table.h"
#include "transport/ready_file.h"
#include "plugins/generations.h"
#include "plugins/reload.h"
#include "gateway/gateway.h"
#include "transport/loop_pass.h"
#include "protocol/replies.h"
#include "transport/service_loop.h"
#include "transport/service_notify.h"
#include "plugins/worker_pool.h"

#include <libwebsockets.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wshost
{

struct WsSession;

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

    // lws callbacks (static trampolines find the Server through the context).
    int on_ws(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);
    int on_http(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);
    int on_signal(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);

  private:
    void arm_deadline_timer(); // handler and authentication deadlines
    void deadline_timer_fired();
    void drain_timer_fired();
    void exit_timer_fired();
    void libev_tick_fired();
    void status_timer_fired();
    void leave_loop(); // drain over (or its deadline): make run() return
    void begin_shutdown(const char *why);
    void finish_if_drained();
    bool adopt_signalfd();
    bool start_control(ReadyInfo &ready);

    // WebSocket connection life (server_ws.cpp), service thread.
    bool on_accepted(lws *wsi);                         // false: drop the socket
    int confirm_upgrade(lws *wsi, const char *upgrade); // nonzero: refused (answered)
    int filter_upgrade(lws *wsi);
    int on_established(lws *wsi, WsSession &session);
    void on_message(Connection &conn, bool binary, std::string_view message);
    void on_closed(WsSession &session);
    void apply_verdict(wsh_conn_id id, Verdict verdict);

    Config config_;
    ServiceLoop loop_; // the mailbox: tasks from any thread, run on the service thread
    Gateway gateway_;
    ReplyRegistry replies_;
    WorkerPool workers_;
    // Declared before the dispatcher (which owns the plugins): plugins' fini
    // may still give verdicts, so these must outlive them.
    AuthService auth_;
    ConnectionCaps caps_;
    HandshakeTable handshakes_{caps_, config_.websocket}; // what each handshake holds, until admitted
    Dispatcher dispatcher_;
    Generations generations_{config_.file, HostServices{&replies_, &gateway_, &auth_}, dispatcher_, loop_};

    AcceptGate accept_gate_{0}; // sized in start(); outlives the vhosts that feed it
    lws_context *context_ = nullptr;
    LibevPass libev_pass_; // libev: the loop lws runs, and the end-of-pass flush (outlives context_)
    void *foreign_loops_[1] = {};
    lws_vhost *ws_vhost_ = nullptr;
    int signal_fd_ = -1;
    bool stopping_ = false;  // draining: refuse new clients, close the others with 1001
    bool stop_loop_ = false; // drain finished: leave the service loop
    ServiceTimer deadline_timer_{loop_, [this] { deadline_timer_fired(); }};
    ServiceTimer drain_timer_{loop_, [this] { drain_timer_fired(); }};
    // libev: destroys the context from inside the loop.
    ServiceTimer exit_timer_{loop_, [this] { exit_timer_fired(); }};
    // libev: keeps lws's timer from firing late (libev_tick_fired).
    ServiceTimer libev_tick_{loop_, [this] { libev_tick_fired(); }};
    // Under systemd: STATUS= follows the connection count.
    ServiceTimer status_timer_{loop_, [this] { status_timer_fired(); }};
    ServiceNotify notify_; // READY/RELOADING/STOPPING/STATUS to $NOTIFY_SOCKET
    ReplyRegistry::Clock::time_point deadline_timer_at_{};
    std::unique_ptr<ControlApi> control_api_; // outlives the control vhost
    lws_vhost *control_vhost_ = nullptr;
};

// Blocks SIGHUP/SIGINT/SIGTERM in the calling thread (and every thread it
// starts later), so they are only ever read through the signalfd.
void block_server_signals();

} // namespace wshost
