#include "plugins/message_lanes.h"

namespace wshost
{

MessageLanes::MessageLanes(WorkerPool &workers, ServiceLoop &loop, Listener listener)
    : workers_(workers), loop_(loop), listener_(std::move(listener))
{
}

bool MessageLanes::push(wsh_conn_id conn, std::size_t bytes, Job job)
{
    Lane &lane = lanes_[conn];
    if (lane.busy) {
        lane.waiting.push_back({bytes, std::move(job)});
        lane.waiting_bytes += bytes;
        return true;
    }
    lane.busy = true;
    if (start(conn, std::move(job)))
        return true;
    lanes_.erase(conn);
    return false;
}

bool MessageLanes::start(wsh_conn_id conn, Job job)
{
    return workers_.try_submit([this, conn, job = std::move(job)] {
        job();
        loop_.post([this, conn] { finished(conn); });
    });
}

void MessageLanes::finished(wsh_conn_id conn)
{
    auto it = lanes_.find(conn);
    if (it == lanes_.end())
        return; // forgotten
    Lane &lane = it->second;
    if (lane.waiting.empty()) {
        lanes_.erase(it);
        if (listener_.drained)
            listener_.drained(conn, 0);
        return;
    }
    Waiting next = std::move(lane.waiting.front());
    lane.waiting.pop_front();
    lane.waiting_bytes -= next.bytes;
    const std::size_t left = lane.waiting_bytes;
    if (!start(conn, std::move(next.job))) {
        lanes_.erase(it);
        if (listener_.refused)
            listener_.refused(conn);
        return;
    }
    if (listener_.drained)
        listener_.drained(conn, left);
}

std::size_t MessageLanes::waiting_bytes(wsh_conn_id conn) const
{
    auto it = lanes_.find(conn);
    return it == lanes_.end() ? 0 : it->second.waiting_bytes;
}

void MessageLanes::forget(wsh_conn_id conn)
{
    lanes_.erase(conn);
}

} // namespace wshost
