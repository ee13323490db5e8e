// Gateway: targeted sends, responses, closes and the slow-consumer policy.
#include "gateway/gateway.h"

#include "base/close_codes.h"

#include "base/metrics.h"
#include "base/stats.h"

#include <libwebsockets.h>

#include <algorithm>

namespace wshost
{

std::vector<Connection *> Gateway::resolve(const Target &target) const
{
    std::vector<Connection *> conns;
    auto add_ids = [&](const auto &ids) {
        for (wsh_conn_id id : ids)
            if (Connection *conn = find(id))
                conns.push_back(conn);
    };
    auto add_user = [&](const std::string &user) {
        if (auto it = users_.find(user); it != users_.end())
            add_ids(it->second);
    };
    switch (target.kind) {
    case Target::Kind::connection:
        if (Connection *conn = find(target.connection))
            conns.push_back(conn);
        break;
    case Target::Kind::user:
        add_user(target.user);
        break;
    case Target::Kind::users: {
        std::unordered_set<std::string> seen; // a user listed twice receives once
        for (const std::string &user : target.users)
            if (seen.insert(user).second)
                add_user(user);
        break;
    }
    case Target::Kind::room:
        if (auto it = rooms_.find(target.room); it != rooms_.end()) {
            conns.reserve(it->second.size());
            add_ids(it->second);
        }
        break;
    case Target::Kind::tags:
        add_ids(
            tag_index_.match(target.tags, [this](wsh_conn_id id) -> const Tags & { return find(id)->tags; }));
        break;
    case Target::Kind::all:
        conns.reserve(conns_.size());
        for (const auto &[id, conn] : conns_)
            conns.push_back(conn.get());
        break;
    }
    if (target.except_users.empty() && target.except_connections.empty())
        return conns;
    const bool some_users = !target.except_users.empty(),
               some_connections = !target.except_connections.empty();
    std::erase_if(conns, [&](const Connection *conn) {
        return (some_connections && target.except_connections.count(conn->id)) ||
               (some_users && target.except_users.count(conn->user_id));
    });
    return conns;
}

Receipt Gateway::send(const Target &target, std::string_view data, bool binary)
{
    Receipt receipt = send_local(target, data, binary);
    if (forwarder_)
        forwarder_(target, data, binary);
    return receipt;
}

Receipt Gateway::send_local(const Target &target, std::string_view data, bool binary)
{
    FramePtr frame = Frame::make(data, binary); // built once, shared by every recipient
    Receipt receipt;
    uint64_t closing = 0;
    bool wake;
    {
        std::lock_guard lock(mu_);
        std::vector<Connection *> conns = resolve(target);
        receipt.matched = conns.size();
        const bool here = on_service_thread();
        for (Connection *c : conns) {
            Connection &conn = *c;
            if (conn.close_code)
                ++closing; // closing: nothing more goes out
            if (enqueue_push(conn, frame, here))
                ++receipt.enqueued;
            else
                ++receipt.dropped;
        }
        // One atomic add per send, not per recipient (under mu_: the writer
        // cannot take these frames off a queue before they are counted).
        bump(stats().queue_bytes, receipt.enqueued * frame->size());
        wake = take_wake();
    }
    bump(stats().deliveries, receipt.enqueued);
    if (closing)
        metrics::dropped("closing", closing);
    after_unlock(wake, {});
    return receipt;
}

bool Gateway::enqueue_push(Connection &conn, const FramePtr &frame, bool here)
{
    if (conn.close_code)
        return false; // closing: nothing more goes out
    const std::size_t size = frame->size();
    auto fits = [&] {
        return conn.queue.size() < config_.send_queue_max_messages &&
               conn.queued_bytes + size <= config_.send_queue_max_bytes;
    };
    if (!fits()) {
        if (config_.slow_consumer_policy == SlowConsumerPolicy::disconnect) {
            uint64_t lost = conn.queue.size() + 1;
            conn.dropped += lost;
            bump(stats().dropped_slow_consumer, lost);
            // Only what is still in the queue: a batch the service thread has
            // taken off it to write is subtracted when written (write_queued).
            std::size_t in_queue = 0;
            for (const QueuedFrame &q : conn.queue)
                in_queue += q.frame->size();
            stats().queue_bytes.fetch_sub(in_queue, std::memory_order_relaxed);
            conn.queue.clear();
            conn.queued_bytes -= in_queue;
            request_close(conn, close_code::try_again_later, "slow consumer", false);
            return false;
        }
        // drop_oldest: make room by dropping the oldest pushes; responses stay,
        // and so does a message partly sent as fragments.
        auto first = conn.queue.begin();
        if (conn.tx_fragment_offset && first != conn.queue.end())
            ++first;
        for (auto it = first; it != conn.queue.end() && !fits();) {
            if (it->response) {
                ++it;
                continue;
            }
            conn.queued_bytes -= it->frame->size();
            stats().queue_bytes.fetch_sub(it->frame->size(), std::memory_order_relaxed);
            it = conn.queue.erase(it);
            ++conn.dropped;
            bump(stats().dropped_slow_consumer);
        }
        if (!fits()) { // responses alone fill the queue, or the message is bigger than it
            ++conn.dropped;
            bump(stats().dropped_slow_consumer);
            return false;
        }
    }
    conn.queue.push_back({frame, false});
    conn.queued_bytes += size;
    conn.queued_bytes_peak = std::max(conn.queued_bytes_peak, conn.queued_bytes);
    request_writeable(conn, here);
    return true;
}

void Gateway::enqueue_response(Connection &conn, FramePtr frame)
{
    const std::size_t size = frame->size();
    conn.queue.push_back({std::move(frame), true});
    conn.queued_bytes += size;
    conn.queued_bytes_peak = std::max(conn.queued_bytes_peak, conn.queued_bytes);
    bump(stats().queue_bytes, size);
    if (conn.queued_bytes > config_.send_queue_max_bytes ||
        conn.queue.size() > config_.send_queue_max_messages)
        conn.pause_rx = true; // never drop a response: stop reading this client instead
    request_writeable(conn);
}

bool Gateway::send_response(wsh_conn_id id, std::string_view text)
{
    return send_response(id, Frame::make(text, false));
}

bool Gateway::send_response(wsh_conn_id id, FramePtr frame)
{
    bool wake;
    {
        std::lock_guard lock(mu_);
        Connection *conn = find(id);
        if (!conn || conn->close_code)
            return false;
        enqueue_response(*conn, std::move(frame));
        wake = take_wake();
    }
    after_unlock(wake, {});
    return true;
}

void Gateway::request_close(Connection &conn, int code, std::string_view reason, bool flush)
{
    if (!conn.close_code) {
        conn.close_code = code;
        if (!reason.empty())
            conn.close_reason = std::make_unique<std::string>(reason.substr(0, close_code::max_reason_bytes));
    }
    conn.close_now = conn.close_now || !flush;
    request_writeable(conn);
}

bool Gateway::close(wsh_conn_id id, int code, std::string_view reason, bool flush)
{
    bool wake;
    {
        std::lock_guard lock(mu_);
        Connection *conn = find(id);
        if (!conn)
            return false;
        request_close(*conn, code, reason, flush);
        wake = take_wake();
    }
    after_unlock(wake, {});
    return true;
}

} // namespace wshost
