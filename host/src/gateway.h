// The gateway owns every connection and every byte queued towards one.
//
// Threads: any thread may enqueue or ask for a close; those calls take the
// gateway mutex, append to the connection's queue and, off the service thread,
// put the connection on a wake list and call lws_cancel_service(). Only the
// service thread touches lws (writeable requests, writes, flow control).
#pragma once

#include "config.h"
#include "connection.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

struct lws_context;

namespace wshost {

class Gateway {
public:
    explicit Gateway(const WebSocketConfig &config);

    // Service thread: call once the loop thread is known.
    void attach(lws_context *context);
    bool on_service_thread() const { return std::this_thread::get_id() == service_thread_; }

    // --- service thread ------------------------------------------------------
    Connection *add(lws *wsi, std::string peer);
    void remove(Connection *conn);
    // Drains the wake list (after lws_cancel_service).
    void process_wakeups();
    // Writes what is queued for `conn`; returns -1 when lws must close it.
    int on_writeable(Connection &conn);
    std::size_t size() const;
    template <typename Fn> void for_each(Fn &&fn)
    {
        std::lock_guard lock(mu_);
        for (auto &[id, conn] : conns_)
            fn(*conn);
    }

    // --- any thread ----------------------------------------------------------
    // Queues a response to the connection that asked. Responses are never
    // dropped; over the queue limit the connection's reading is paused instead.
    // Returns false when the connection is gone.
    bool send_response(wsh_conn_id id, std::string_view text);
    // Closes `id` with `code`. `flush` sends what is queued first.
    bool close(wsh_conn_id id, int code, std::string_view reason, bool flush);

private:
    void request_writeable(Connection &conn); // caller holds mu_

    WebSocketConfig config_;
    lws_context *context_ = nullptr;
    std::thread::id service_thread_;
    mutable std::mutex mu_;
    std::unordered_map<wsh_conn_id, std::unique_ptr<Connection>> conns_;
    std::vector<wsh_conn_id> wake_; // guarded by mu_
    wsh_conn_id next_id_ = 1;
};

} // namespace wshost
