#include "plugins/dispatcher.h"

#include "protocol/envelope.h"
#include "base/close_codes.h"
#include "gateway/gateway.h"
#include "base/log.h"
#include "base/metrics.h"
#include "protocol/replies.h"
#include "protocol/response.h"
#include "base/stats.h"
#include "plugins/hook_events.h"
#include "plugins/worker_pool.h"

#include <string>

namespace wshost
{
namespace
{

constexpr std::string_view kEmptyObject = "{}";

wsh_str str(std::string_view s)
{
    return {s.data(), s.size()};
}

// The request's strings, owned: a blocking handler runs after the receive
// buffer has moved on.
struct OwnedRequest {
    std::string action, payload, metadata, request_id, user_id;
    wsh_request req{};

    void bind()
    {
        req.action = str(action);
        req.payload = str(payload);
        req.metadata = str(metadata);
        req.request_id = str(request_id);
        req.user_id = str(user_id);
    }
};

// A raw message's strings, owned, for a blocking handler.
struct OwnedMessage {
    std::string endpoint, data, user_id;
    wsh_message msg{};

    void bind()
    {
        msg.endpoint = str(endpoint);
        msg.data = str(data);
        msg.user_id = str(user_id);
    }
};

std::string copy(wsh_str s)
{
    return s.ptr ? std::string(s.ptr, s.len) : std::string();
}

} // namespace

Dispatcher::Dispatcher(const WebSocketConfig &limits, Gateway &gateway, ReplyRegistry &replies,
                       WorkerPool &workers, ServiceLoop &loop,
                       std::function<void(std::chrono::steady_clock::time_point)> reply_opened)
    : limits_(limits), gateway_(gateway), replies_(replies), workers_(workers), loop_(loop),
      reply_opened_(std::move(reply_opened)),
      lanes_(workers, loop,
             {.drained =
                  [this](wsh_conn_id id, std::size_t waiting) {
                      // Reading resumes once the backlog is down to half the limit.
                      Connection *conn = gateway_.connection(id);
                      if (conn && conn->host_hold && waiting <= limits_.max_message_bytes / 2)
                          gateway_.hold_rx(*conn, false);
                  },
              .refused = [this](wsh_conn_id id) { overloaded(id); }})
{
    // Hooks never run inside a plugin's own call into the host: queue them.
    gateway_.set_room_listener([this](const RoomEvent &e) {
        loop_.post([this, e] {
            if (plugins_)
                fire_room_event(*plugins_, e);
        });
    });
}

void Dispatcher::refuse(Connection &conn, std::string_view code, std::string_view message,
                        std::string_view request_id_json, std::string_view data)
{
    gateway_.send_response(conn.id, error_response(code, message, request_id_json));
    if (plugins_)
        fire_invalid_message(*plugins_, conn.id, conn.user_id, code, message, data);
}

void Dispatcher::on_binary(Connection &conn, std::string_view data)
{
    bump(stats().messages_received);
    refuse(conn, "invalid_message", "Binary frames are not accepted; send a JSON text frame.", {}, data);
}

void Dispatcher::on_text(Connection &conn, std::string_view text)
{
    bump(stats().messages_received);
    bump(stats().bytes_received, text.size());

    EnvelopeResult parsed = parse_envelope(text);
    if (parsed.error != EnvelopeError::none) {
        refuse(conn, parsed.error == EnvelopeError::invalid_json ? "invalid_json" : "invalid_message",
               parsed.message, parsed.request_id_json, text);
        return;
    }
    const auto now = ReplyRegistry::Clock::now();
    if (int64_t wait_ms = conn.requests.take(limits_.rate_limit_per_s, limits_.rate_limit_burst, now)) {
        gateway_.send_response(conn.id, error_response("rate_limited", "Too many requests; slow down.",
                                                       parsed.request_id_json,
                                                       "\"retry_after_ms\":" + std::to_string(wait_ms)));
        return;
    }
    const Envelope &env = parsed.envelope;
    const Action *action = plugins_ ? plugins_->find_action(env.action) : nullptr;
    if (!action) {
        refuse(conn, "unsupported_action", "Action '" + env.action + "' is not supported.",
               parsed.request_id_json, text);
        metrics::action("_unsupported", "unsupported_action", 0); // never the client's text as a label
        return;
    }

    wsh_request req{};
    req.struct_size = sizeof req;
    req.api = host_api_table();
    req.host = action->plugin->handle();
    req.conn = conn.id;
    req.reply =
        replies_.open(conn.id, parsed.request_id_json, action->metrics, plugins_, action->timeout_ms, now);
    if (!req.reply) {
        gateway_.send_response(conn.id, error_response("overloaded", "The server is busy; try again later.",
                                                       parsed.request_id_json));
        return;
    }
    reply_opened_(now + std::chrono::milliseconds(action->timeout_ms));

    std::string_view payload = env.payload.empty() ? kEmptyObject : env.payload;
    std::string_view metadata = env.metadata.empty() ? kEmptyObject : env.metadata;
    if (!action->plugin->blocking()) {
        req.action = str(env.action);
        req.payload = str(payload);
        req.metadata = str(metadata);
        req.request_id = str(env.request_id);
        req.user_id = str(conn.user_id);
        run_handler(plugins_, *action, req);
        return;
    }

    auto owned = std::make_shared<OwnedRequest>();
    owned->action = env.action;
    owned->payload = payload;
    owned->metadata = metadata;
    owned->request_id = env.request_id;
    owned->user_id = conn.user_id;
    owned->req = req;
    owned->bind();
    std::shared_ptr<PluginSet> set = plugins_;
    const Action *act = action; // lives as long as `set`
    wsh_reply_id reply = req.reply;
    bool queued = workers_.try_submit([this, set, act, owned] { run_handler(set, *act, owned->req); });
    if (!queued)
        replies_.fail_with(reply, "overloaded", "The server is busy; try again later.");
}

void Dispatcher::on_raw(Connection &conn, bool binary, std::string_view message)
{
    bump(stats().messages_received);
    bump(stats().bytes_received, message.size());
    const MessageHandler *handler = plugins_ ? plugins_->message_handler(conn.handler) : nullptr;
    if (!handler) { // a reload took the plugin away from this connection's endpoint
        log_event(LogLevel::warn, LogFields("no_message_handler").conn(conn.id).plugin(conn.handler),
                  "connection %llu on %s: plugin '%s' no longer handles its messages; closing it (1011)",
                  static_cast<unsigned long long>(conn.id), conn.endpoint.c_str(), conn.handler.c_str());
        gateway_.close(conn.id, close_code::internal_error, "no handler for this endpoint", true);
        return;
    }
    wsh_message msg{};
    msg.struct_size = sizeof msg;
    msg.api = host_api_table();
    msg.host = handler->plugin->handle();
    msg.conn = conn.id;
    msg.opcode = binary ? WSH_OPCODE_BINARY : WSH_OPCODE_TEXT;
    if (!handler->plugin->blocking()) {
        msg.endpoint = str(conn.endpoint);
        msg.data = str(message);
        msg.user_id = str(conn.user_id);
        run_message_handler(plugins_, *handler, msg);
        return;
    }
    auto owned = std::make_shared<OwnedMessage>();
    owned->endpoint = conn.endpoint;
    owned->data = message;
    owned->user_id = conn.user_id;
    owned->msg = msg;
    owned->bind();
    std::shared_ptr<PluginSet> set = plugins_; // the handler lives as long as its generation
    bool queued = lanes_.push(conn.id, message.size(), [this, set, handler, owned] {
        run_message_handler(set, *handler, owned->msg);
    });
    if (!queued)
        overloaded(conn.id);
    else if (lanes_.waiting_bytes(conn.id) > limits_.max_message_bytes)
        gateway_.hold_rx(conn, true); // the handler is behind: stop reading until it catches up
}

void Dispatcher::overloaded(wsh_conn_id conn)
{
    // There is no reply id to answer through, and dropping the message would
    // lose it: the client learns it from a close it may retry after.
    log_event(LogLevel::warn, LogFields("worker_queue_full").conn(conn),
              "connection %llu: the worker pool's queue is full; closing it (1013)",
              static_cast<unsigned long long>(conn));
    lanes_.forget(conn);
    gateway_.close(conn, close_code::try_again_later, "server busy", false);
}

void Dispatcher::run_message_handler(const std::shared_ptr<PluginSet> &set, const MessageHandler &handler,
                                     const wsh_message &msg)
{
    int status = handler.fn(&msg, handler.user_data);
    if (status != WSH_OK)
        handler_failed(set, msg.conn, {}, handler.plugin->name(), {}, copy(msg.user_id), status);
}

void Dispatcher::run_handler(const std::shared_ptr<PluginSet> &set, const Action &action,
                             const wsh_request &req)
{
    int status = action.fn(&req, action.user_data);
    if (status == WSH_OK || !replies_.fail(req.reply))
        return;
    handler_failed(set, req.conn, action.name, action.plugin->name(), copy(req.request_id), copy(req.user_id),
                   status);
}

void Dispatcher::handler_failed(const std::shared_ptr<PluginSet> &set, wsh_conn_id conn, std::string action,
                                std::string plugin, std::string request_id, std::string user, int status)
{
    // Hooks run on the service thread.
    auto fire = [set, conn, name = std::move(action), status, plugin = std::move(plugin),
                 request_id = std::move(request_id), user = std::move(user)] {
        if (name.empty()) {
            log_event(LogLevel::warn,
                      LogFields("message_handler_failed").conn(conn).user(user).plugin(plugin),
                      "plugin '%s': message handler failed (status %d) on connection %llu", plugin.c_str(),
                      status, static_cast<unsigned long long>(conn));
        } else {
            log_event(LogLevel::warn,
                      LogFields("action_failed")
                          .conn(conn)
                          .user(user)
                          .request_id(request_id)
                          .plugin(plugin)
                          .action(name),
                      "action '%s' failed (status %d) on connection %llu", name.c_str(), status,
                      static_cast<unsigned long long>(conn));
        }
        fire_unhandled_exception(*set, conn, name, "handler returned status " + std::to_string(status));
    };
    if (loop_.on_service_thread())
        fire();
    else
        loop_.post(std::move(fire));
}

} // namespace wshost
