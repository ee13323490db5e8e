// The running server: the layers wired together (one libwebsockets context and
// service thread, the gateway, the reply registry, the worker pool, the
// current plugin generation, the control API). run() returns when a
// SIGTERM/SIGINT drain has finished.
#pragma once

#include "auth/auth.h"
#include "cluster_node.h"
#include "base/byte_budget.h"
#include "cluster_relay.h"
#include "config/config.h"
#include "control/control_api.h"
#include "gateway/gateway.h"
#include "plugins/dispatcher.h"
#include "plugins/generations.h"
#include "plugins/worker_pool.h"
#include "protocol/replies.h"
#include "session/deadlines.h"
#include "session/drain.h"
#include "session/ws_sessions.h"
#include "transport/lws_runtime.h"
#include "transport/ready_file.h"
#include "transport/service_loop.h"
#include "transport/service_notify.h"
#include "transport/signals.h"

#include <atomic>
#include <memory>
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
    int run() { return runtime_.run(); }

  private:
    std::vector<std::string> apply_reload(const Config &next);
    bool start_control(ReadyInfo &ready);
    void on_signal(int signo);
    bool start_cluster();
    void drained(); // the drain is over: leave the loop (after the cluster release)

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
    Drain drain_{gateway_, loop_, notify_, [this] { drained(); }};
    AcceptGate accept_gate_{0}; // sized in start(); outlives the vhosts that feed it
    WsSessions sessions_{config_, gateway_, auth_, dispatcher_, deadlines_, drain_, loop_, accept_gate_};
    SignalWatch signals_;
    LwsRuntime runtime_{loop_};               // the context; its timers outlive it
    std::unique_ptr<ControlApi> control_api_; // outlives the control vhost
    std::unique_ptr<ClusterNode> cluster_;    // engine = "redis"; reset before the context goes
    std::unique_ptr<ClusterRelay> relay_;     // cross-node sends; reset before cluster_
    // Bytes of plugin-thread sends posted to the service thread, not yet
    // handed to the relay: bounded, as the publisher's output is.
    ByteBudget forwards_posted_{8u << 20}; // cluster::RedisLinkSettings::max_pending_bytes
};

} // namespace wshost
