#include "gateway.h"

#include "log.h"
#include "stats.h"

#include <libwebsockets.h>

namespace wshost {
namespace {

// Frames handed to lws per writeable callback, at most. Keeps one busy
// connection from starving the others within a loop pass.
constexpr std::size_t kMaxFramesPerWriteable = 64;

} // namespace

Gateway::Gateway(const WebSocketConfig &config) : config_(config) {}

void Gateway::attach(lws_context *context)
{
    context_ = context;
    service_thread_ = std::this_thread::get_id();
}

Connection *Gateway::add(lws *wsi, std::string peer)
{
    auto conn = std::make_unique<Connection>();
    conn->wsi = wsi;
    conn->peer = std::move(peer);
    std::lock_guard lock(mu_);
    conn->id = next_id_++;
    Connection *raw = conn.get();
    conns_.emplace(raw->id, std::move(conn));
    return raw;
}

void Gateway::remove(Connection *conn)
{
    std::lock_guard lock(mu_);
    bump(stats().queue_bytes, -conn->queued_bytes); // wraps: unsigned subtraction
    conns_.erase(conn->id);
}

std::size_t Gateway::size() const
{
    std::lock_guard lock(mu_);
    return conns_.size();
}

void Gateway::request_writeable(Connection &conn)
{
    if (on_service_thread()) {
        lws_callback_on_writable(conn.wsi);
        if (conn.pause_rx && !conn.rx_paused) {
            lws_rx_flow_control(conn.wsi, 0);
            conn.rx_paused = true;
        }
        return;
    }
    if (!conn.wake_pending) {
        conn.wake_pending = true;
        wake_.push_back(conn.id);
    }
}

void Gateway::process_wakeups()
{
    std::vector<wsh_conn_id> ids;
    std::lock_guard lock(mu_);
    ids.swap(wake_);
    for (wsh_conn_id id : ids) {
        auto it = conns_.find(id);
        if (it == conns_.end())
            continue;
        it->second->wake_pending = false;
        request_writeable(*it->second);
    }
}

bool Gateway::send_response(wsh_conn_id id, std::string_view text)
{
    FramePtr frame = Frame::make(text, false);
    bool wake;
    {
        std::lock_guard lock(mu_);
        auto it = conns_.find(id);
        if (it == conns_.end() || it->second->close_code)
            return false;
        Connection &conn = *it->second;
        conn.queue.push_back(std::move(frame));
        conn.queued_bytes += text.size();
        bump(stats().queue_bytes, text.size());
        if (conn.queued_bytes > config_.send_queue_max_bytes ||
            conn.queue.size() > config_.send_queue_max_messages)
            conn.pause_rx = true;
        bool was_empty = wake_.empty();
        request_writeable(conn);
        wake = was_empty && !wake_.empty();
    }
    if (wake)
        lws_cancel_service(context_);
    return true;
}

bool Gateway::close(wsh_conn_id id, int code, std::string_view reason, bool flush)
{
    bool wake;
    {
        std::lock_guard lock(mu_);
        auto it = conns_.find(id);
        if (it == conns_.end())
            return false;
        Connection &conn = *it->second;
        if (!conn.close_code) {
            conn.close_code = code;
            conn.close_reason.assign(reason.substr(0, 123)); // close reasons are at most 123 bytes
        }
        conn.close_now = conn.close_now || !flush;
        bool was_empty = wake_.empty();
        request_writeable(conn);
        wake = was_empty && !wake_.empty();
    }
    if (wake)
        lws_cancel_service(context_);
    return true;
}

int Gateway::on_writeable(Connection &conn)
{
    conn.in_flight.clear(); // lws is done with the previous batch (LWS-NOTES T29)

    std::vector<FramePtr> batch;
    int close_code = 0;
    std::string close_reason;
    {
        std::lock_guard lock(mu_);
        if (conn.close_code && (conn.close_now || conn.queue.empty())) {
            close_code = conn.close_code;
            close_reason = conn.close_reason;
        } else {
            while (!conn.queue.empty() && batch.size() < kMaxFramesPerWriteable) {
                batch.push_back(std::move(conn.queue.front()));
                conn.queue.pop_front();
            }
        }
    }
    if (close_code) {
        conn.closing = true;
        lws_close_reason(conn.wsi, static_cast<lws_close_status>(close_code),
                         reinterpret_cast<unsigned char *>(close_reason.data()), close_reason.size());
        return -1;
    }

    std::size_t written = 0, written_bytes = 0;
    for (; written < batch.size(); ++written) {
        if (written > 0 && lws_send_pipe_choked(conn.wsi))
            break;
        Frame &frame = *batch[written];
        int n = lws_write(conn.wsi, frame.payload_for_write(), frame.size(),
                          frame.binary() ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
        if (n < 0)
            return -1;
        written_bytes += frame.size();
        conn.in_flight.push_back(std::move(batch[written]));
    }
    bump(stats().messages_sent, written);
    bump(stats().bytes_sent, written_bytes);
    bump(stats().queue_bytes, -written_bytes);

    std::lock_guard lock(mu_);
    for (std::size_t i = batch.size(); i-- > written;) // put back what the pipe could not take
        conn.queue.push_front(std::move(batch[i]));
    conn.queued_bytes -= written_bytes;
    if (conn.pause_rx && conn.queued_bytes <= config_.send_queue_max_bytes / 2 &&
        conn.queue.size() <= config_.send_queue_max_messages / 2) {
        conn.pause_rx = false;
        if (conn.rx_paused) {
            lws_rx_flow_control(conn.wsi, 1);
            conn.rx_paused = false;
        }
    }
    if (!conn.queue.empty() || conn.close_code)
        lws_callback_on_writable(conn.wsi);
    return 0;
}

} // namespace wshost
