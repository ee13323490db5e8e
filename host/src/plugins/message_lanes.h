// Raw-endpoint messages for `blocking` plugins (DESIGN §9): each connection's
// run on the worker pool one at a time, in the order they arrived. A
// connection with a message running has a lane; what arrives meanwhile waits
// there, and the lane starts the next once the handler has returned.
//
// Service thread only (the jobs themselves run on workers). A message that
// the pool refuses (its queue is full) is not lost silently: `refused` is
// told, and the dispatcher closes that connection.
#pragma once

#include "plugins/worker_pool.h"
#include "transport/service_loop.h"

#include <wshost/plugin.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <unordered_map>

namespace wshost
{

class MessageLanes
{
  public:
    using Job = std::function<void()>; // runs on a worker
    struct Listener {
        std::function<void(wsh_conn_id, std::size_t waiting_bytes)> drained; // after each job
        std::function<void(wsh_conn_id)> refused; // the pool refused one: the lane is gone
    };

    MessageLanes(WorkerPool &workers, ServiceLoop &loop, Listener listener);

    // Runs `job` for `conn` now, or after those before it. `bytes`: what it
    // holds, counted while it waits. False when the pool refused it (the lane
    // is gone; `refused` is not called for this one).
    bool push(wsh_conn_id conn, std::size_t bytes, Job job);
    // Bytes of the messages waiting for `conn` (the running one not counted).
    std::size_t waiting_bytes(wsh_conn_id conn) const;
    // The connection closed: what waits is dropped; a running job finishes.
    void forget(wsh_conn_id conn);

  private:
    struct Waiting {
        std::size_t bytes;
        Job job;
    };
    struct Lane {
        bool busy = false;
        std::deque<Waiting> waiting;
        std::size_t waiting_bytes = 0;
    };
    bool start(wsh_conn_id conn, Job job);
    void finished(wsh_conn_id conn);

    WorkerPool &workers_;
    ServiceLoop &loop_;
    Listener listener_;
    std::unordered_map<wsh_conn_id, Lane> lanes_;
};

} // namespace wshost
