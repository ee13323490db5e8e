// Turns one complete client text message into a handler call (DESIGN §1, §4):
// validate the envelope, find the action, open a reply handle, then run the
// handler inline (service thread) or on the worker pool for `blocking`
// plugins. Everything that can go wrong is answered with the documented error.
// A raw endpoint's messages (DESIGN §9) go whole to its handler plugin's
// message handler instead, one at a time per connection.
#pragma once

#include "config/config.h"
#include "gateway/connection.h"
#include "plugins/message_lanes.h"
#include "plugins/plugin_set.h"
#include "transport/service_loop.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

namespace wshost
{

class Gateway;
class ReplyRegistry;
class WorkerPool;

class Dispatcher
{
  public:
    // `loop` runs the hooks of handlers that failed off the service thread.
    // `reply_opened` is told each new reply deadline (to arm the timer).
    Dispatcher(const WebSocketConfig &limits, Gateway &gateway, ReplyRegistry &replies, WorkerPool &workers,
               ServiceLoop &loop,
               std::function<void(std::chrono::steady_clock::time_point deadline)> reply_opened);

    void set_plugins(std::shared_ptr<PluginSet> plugins) { plugins_ = std::move(plugins); }
    const std::shared_ptr<PluginSet> &plugins() const { return plugins_; }

    // Service thread: one complete message from `conn`.
    void on_text(Connection &conn, std::string_view text);
    void on_binary(Connection &conn, std::string_view data);
    // Service thread: one complete message of a raw endpoint's connection.
    void on_raw(Connection &conn, bool binary, std::string_view message);
    // Service thread: `conn` closed; its raw messages still waiting are dropped.
    void connection_closed(wsh_conn_id conn) { lanes_.forget(conn); }

  private:
    // Answers `code` and fires the invalid_message hook with `data`, the message.
    void refuse(Connection &conn, std::string_view code, std::string_view message,
                std::string_view request_id_json, std::string_view data);
    void run_handler(const std::shared_ptr<PluginSet> &set, const Action &action, const wsh_request &req);
    void run_message_handler(const std::shared_ptr<PluginSet> &set, const MessageHandler &handler,
                             const wsh_message &msg);
    void overloaded(wsh_conn_id conn); // the pool refused a raw message: close 1013
    // A failed handler's warning and hook, on the service thread. `action`
    // is empty for a message handler.
    void handler_failed(const std::shared_ptr<PluginSet> &set, wsh_conn_id conn, std::string action,
                        std::string plugin, std::string request_id, std::string user, int status);

    const WebSocketConfig &limits_;
    Gateway &gateway_;
    ReplyRegistry &replies_;
    WorkerPool &workers_;
    ServiceLoop &loop_;
    std::function<void(std::chrono::steady_clock::time_point)> reply_opened_;
    std::shared_ptr<PluginSet> plugins_;
    MessageLanes lanes_; // blocking plugins' raw messages, per connection
};

} // namespace wshost
