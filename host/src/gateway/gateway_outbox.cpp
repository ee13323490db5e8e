// Gateway: the service-thread side of the queues — waking connections,
// writing in the writeable callback, flow control and the slow-consumer
// hard close.
#include "gateway/gateway.h"

#include "base/close_codes.h"

#include "base/log.h"
#include "base/stats.h"
#include "gateway/ws_frame.h"

#include <libwebsockets.h>

#include <algorithm>

namespace wshost
{
namespace
{

// permessage-deflate connections: frames handed to lws (one lws_write each)
// per writeable callback, at most. Keeps one busy connection from starving
// the others within a loop pass.
constexpr std::size_t kMaxFramesPerWriteable = 64;

// Other connections: bytes of frames coalesced into one write. 64 KiB takes
// a whole pipelined burst (16 x 1 KiB replies, or hundreds of small pushes)
// in one send(), and bounds what one connection costs a loop pass, the copy,
// and what lws must buffer if the socket takes only part of it (T7). A frame
// larger than this goes alone, through lws_write() without a copy.
constexpr std::size_t kCoalesceBytes = 64 * 1024;

// A lone frame's header is written into its LWS_PRE headroom (write_coalesced).
static_assert(LWS_PRE >= kMaxFrameHeaderBytes);

// lws_write() flags of one fragment of a message on a permessage-deflate
// connection (lws frames and compresses it).
int fragment_flags(const Frame &frame, bool first, bool last)
{
    int type = first ? (frame.binary() ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) : LWS_WRITE_CONTINUATION;
    return last ? type : type | LWS_WRITE_NO_FIN;
}

} // namespace

bool Gateway::take_wake()
{
    if (wake_.empty() || wake_signalled_)
        return false;
    wake_signalled_ = true;
    return true;
}

void Gateway::request_writeable(Connection &conn, bool here)
{
    if (!here) {
        if (!conn.wake_pending) {
            conn.wake_pending = true;
            wake_.push_back(conn.id);
        }
        return;
    }
    if (corking_ && !conn.deflate && !conn.close_code) {
        if (!conn.corked) {
            conn.corked = true;
            corked_.push_back(conn.id);
        }
    } else {
        lws_callback_on_writable(conn.wsi);
    }
    if (conn.pause_rx && !conn.rx_paused) {
        lws_rx_flow_control(conn.wsi, 0);
        conn.rx_paused = true;
    }
    if (conn.close_code == close_code::try_again_later && !conn.grace_armed) {
        conn.grace_armed = true;
        // A slow consumer told 1013 gets this long to read it before a hard close.
        lws_sul_schedule(loop_->context(), 0, &conn.seldom().grace.sul, grace_expired,
                         std::max<lws_usec_t>(1, lws_usec_t{config_.slow_consumer_grace_ms} * 1000));
    }
}

void Gateway::grace_expired(lws_sorted_usec_list_t *sul)
{
    Connection *conn = lws_container_of(sul, Connection::GraceTimer, sul)->conn;
    if (conn->close_waiting)
        log_event(
            LogLevel::debug, LogFields("close_timeout").conn(conn->id),
            "connection %llu: no close frame from the client within close_timeout_ms; closing the socket",
            static_cast<unsigned long long>(conn->id));
    else
        log_event(LogLevel::info, LogFields("slow_consumer_closed").conn(conn->id),
                  "connection %llu: slow consumer did not take its close frame; closing the socket",
                  static_cast<unsigned long long>(conn->id));
    lws_set_timeout(conn->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
}

void Gateway::resume_rx_locked(Connection &conn)
{
    if (conn.rx_paused && !conn.pause_rx && !conn.host_hold && !conn.closing) {
        lws_rx_flow_control(conn.wsi, 1);
        conn.rx_paused = false;
        if (rx_resumed_listener_)
            rx_resumed_listener_(conn);
    }
}

void Gateway::hold_rx(Connection &conn, bool hold)
{
    std::lock_guard lock(mu_);
    conn.host_hold = hold;
    if (hold && !conn.rx_paused) {
        lws_rx_flow_control(conn.wsi, 0);
        conn.rx_paused = true;
    }
    resume_rx_locked(conn);
}

Connection *Gateway::connection(wsh_conn_id id) const
{
    std::lock_guard lock(mu_);
    return find(id);
}

void Gateway::process_wakeups()
{
    std::vector<wsh_conn_id> ids;
    std::lock_guard lock(mu_);
    ids.swap(wake_);
    wake_signalled_ = false;
    for (wsh_conn_id id : ids) {
        if (Connection *conn = find(id)) {
            conn->wake_pending = false;
            request_writeable(*conn);
        }
    }
}

void Gateway::flush_corked()
{
    // corked_ only changes on this thread, so an empty one needs no lock: the
    // common case, once per loop pass, stays off the mutex the other threads
    // send under.
    if (corked_.empty())
        return;
    std::vector<Connection *> &conns = flushing_; // reused: no allocation per pass
    {
        std::lock_guard lock(mu_);
        for (wsh_conn_id id : corked_)
            if (Connection *conn = find(id)) { // else closed meanwhile
                conn->corked = false;
                conns.push_back(conn); // stays valid: connections go away on this thread only
            }
        corked_.clear();
    }
    for (Connection *conn : conns) {
        // lws still holds part of an earlier write: it asked for a writeable
        // callback itself, which is where the rest goes (T7).
        if (lws_partial_buffered(conn->wsi)) {
            lws_callback_on_writable(conn->wsi);
            continue;
        }
        if (write_queued(*conn, false) < 0)
            lws_set_timeout(conn->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC); // the socket failed
    }
    conns.clear();
}

int Gateway::on_writeable(Connection &conn)
{
    if (Connection::Seldom *s = conn.seldom_if())
        s->in_flight.clear(); // lws is done with the previous batch (LWS-NOTES T29)
    return write_queued(conn, true);
}

int Gateway::echo_close(Connection &conn, int code)
{
    conn.closing = true;
    // Framed here and written raw, as write_coalesced() writes (LWS_WRITE_HTTP
    // is lws's raw write): lws 4.1.6 exports no close opcode for lws_write().
    unsigned char frame[LWS_PRE + 4];
    unsigned char *p = frame + LWS_PRE;
    p[0] = 0x88; // FIN + close
    p[1] = 2;    // unmasked, the code alone
    p[2] = static_cast<unsigned char>(code >> 8);
    p[3] = static_cast<unsigned char>(code & 0xff);
    if (lws_write(conn.wsi, p, 4, LWS_WRITE_HTTP) < 0)
        return -1;
    // Closed without a close frame of lws's own; a write lws had to buffer
    // gets a second to leave.
    lws_set_timeout(conn.wsi, PENDING_TIMEOUT_CLOSE_SEND,
                    lws_send_pipe_choked(conn.wsi) ? 1 : LWS_TO_KILL_ASYNC);
    return 0;
}

int Gateway::write_queued(Connection &conn, bool in_writeable)
{
    std::vector<QueuedFrame> &batch = batch_; // reused: no allocation per callback
    batch.clear();
    int close_code = 0;
    std::string close_reason;
    {
        std::lock_guard lock(mu_);
        if (conn.close_code && (conn.close_now || conn.queue.empty())) {
            if (!in_writeable) {
                lws_callback_on_writable(conn.wsi); // lws sends the close frame from there
                return 0;
            }
            close_code = conn.close_code;
            if (conn.close_reason)
                close_reason = *conn.close_reason;
        } else if (conn.deflate && !conn.queue.empty() &&
                   (conn.tx_fragment_offset ||
                    splits(conn.queue.front().frame->opcode(), conn.queue.front().frame->size(),
                           config_.max_frame_bytes))) {
            batch.push_back(std::move(conn.queue.front())); // one fragment per callback (below)
            conn.queue.pop_front();
        } else if (conn.deflate) {
            while (!conn.queue.empty() && batch.size() < kMaxFramesPerWriteable) {
                batch.push_back(std::move(conn.queue.front()));
                conn.queue.pop_front();
            }
        } else {
            // As many frames as fit in one coalesced write; a larger one alone.
            std::size_t framed = 0;
            while (!conn.queue.empty()) {
                const Frame &next = *conn.queue.front().frame;
                const std::size_t n = framed_size(next.opcode(), next.size(), config_.max_frame_bytes);
                if (!batch.empty() && framed + n > kCoalesceBytes)
                    break;
                framed += n;
                batch.push_back(std::move(conn.queue.front()));
                conn.queue.pop_front();
            }
        }
    }
    if (close_code && conn.close_echo) // RFC 6455 §7.1.1: the server closes TCP first
        return echo_close(conn, close_code);
    if (close_code) {
        conn.closing = true;
        lws_close_reason(conn.wsi, static_cast<lws_close_status>(close_code),
                         reinterpret_cast<unsigned char *>(close_reason.data()), close_reason.size());
        time_close_wait(conn);
        return -1;
    }

    std::size_t written = 0, written_bytes = 0;
    // config_ and tx_fragment_offset change on this thread only (under the
    // lock, which other threads read them under).
    const std::size_t max_frame = config_.max_frame_bytes;
    std::size_t fragment_offset = conn.tx_fragment_offset;
    const bool split_one =
        batch.size() == 1 &&
        (fragment_offset || splits(batch[0].frame->opcode(), batch[0].frame->size(), max_frame));
    if (conn.deflate && split_one) {
        // lws compresses each piece; it must drain one before the next is
        // written, so one fragment per writeable callback. A reload may change
        // max_frame_bytes mid-message: the pieces are then of two sizes.
        Frame &frame = *batch[0].frame;
        const std::size_t left = frame.size() - fragment_offset;
        const std::size_t piece = max_frame ? std::min(max_frame, left) : left;
        const bool first = fragment_offset == 0, last = piece == left;
        FramePtr copy = Frame::make(frame.payload().substr(fragment_offset, piece), frame.binary());
        if (lws_write(conn.wsi, copy->payload_for_write(), piece,
                      static_cast<lws_write_protocol>(fragment_flags(frame, first, last))) < 0)
            return -1;
        // lws reads it until the next writeable callback (T29)
        conn.seldom().in_flight.push_back(std::move(copy));
        fragment_offset = last ? 0 : fragment_offset + piece;
        if (last) {
            written = 1;
            written_bytes = frame.size();
        }
    } else if (!conn.deflate) {
        if (write_coalesced(conn, batch) < 0)
            return -1;
        written = batch.size();
        for (const QueuedFrame &q : batch)
            written_bytes += q.frame->size();
    } else { // permessage-deflate: lws frames and compresses each message
        for (; written < batch.size(); ++written) {
            if (written > 0 && lws_send_pipe_choked(conn.wsi))
                break;
            Frame &frame = *batch[written].frame;
            const lws_write_protocol type = frame.opcode() == Frame::kPong ? LWS_WRITE_PONG
                                            : frame.binary()               ? LWS_WRITE_BINARY
                                                                           : LWS_WRITE_TEXT;
            if (lws_write(conn.wsi, frame.payload_for_write(), frame.size(), type) < 0)
                return -1;
            written_bytes += frame.size();
            if (conn.deflate) // lws reads it until the next writeable callback (T29)
                conn.seldom().in_flight.push_back(std::move(batch[written].frame));
        }
    }
    bump(stats().messages_sent, written);
    bump(stats().bytes_sent, written_bytes);
    stats().queue_bytes.fetch_sub(written_bytes, std::memory_order_relaxed);

    std::lock_guard lock(mu_);
    conn.tx_fragment_offset = fragment_offset;
    for (std::size_t i = batch.size(); i-- > written;) // what the pipe could not take goes back first
        conn.queue.push_front(std::move(batch[i]));
    batch.clear(); // frames not kept in_flight are released here
    conn.queued_bytes -= written_bytes;
    if (conn.pause_rx && conn.queued_bytes <= config_.send_queue_max_bytes / 2 &&
        conn.queue.size() <= config_.send_queue_max_messages / 2) {
        conn.pause_rx = false;
        resume_rx_locked(conn);
    }
    if (!conn.queue.empty() || conn.close_code)
        lws_callback_on_writable(conn.wsi);
    return 0;
}

void Gateway::time_close_wait(Connection &conn)
{
    // On return lws sends the close frame and waits 5 s (fixed in 4.1.6) for
    // the client's. The grace timer, which closes the socket, takes over with
    // [websocket] close_timeout_ms (a slow consumer's grace ends here: its
    // close frame is on its way). A longer wait must outlast lws's own timeout,
    // which it sets after this callback: reset it then (whole seconds only in
    // 4.1.6), unless the client has answered and gone by then.
    conn.close_waiting = true;
    const int ms = config_.close_timeout_ms;
    lws_sul_schedule(loop_->context(), 0, &conn.seldom().grace.sul, grace_expired,
                     std::max<lws_usec_t>(1, lws_usec_t{ms} * 1000));
    if (ms > 5000)
        loop_->post([this, id = conn.id, seconds = ms / 1000 + 2] {
            std::lock_guard lock(mu_);
            if (Connection *c = find(id))
                lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, seconds);
        });
}

int Gateway::write_coalesced(Connection &conn, const std::vector<QueuedFrame> &batch)
{
    // Framed here (unmasked server frames) and sent as raw bytes: LWS_WRITE_HTTP
    // takes lws 4.1.6's plain send path, which buffers a partial send itself
    // (T7), so the buffer is free again on return. Never on a permessage-deflate
    // connection: lws must compress those. Pinned by
    // tests/gateway/test_coalesced_writes.py.
    const std::size_t max_frame = config_.max_frame_bytes;
    if (batch.size() == 1 && !splits(batch[0].frame->opcode(), batch[0].frame->size(), max_frame)) {
        // One whole frame: its header goes into the frame's own LWS_PRE
        // headroom and lws sends it from there, without the copy into tx_
        // (the same header for every recipient of a shared frame; T7). Cheaper
        // than lws's own LWS_WRITE_TEXT path, which took twice the
        // instructions per frame (docs/PERFORMANCE.md, finding 12).
        Frame &frame = *batch[0].frame;
        unsigned char *payload = frame.payload_for_write();
        const std::size_t header = frame_header_size(frame.size());
        write_frame_header(payload - header, frame.opcode(), frame.size());
        return lws_write(conn.wsi, payload - header, header + frame.size(), LWS_WRITE_HTTP) < 0 ? -1 : 0;
    }
    std::size_t framed = 0;
    for (const QueuedFrame &q : batch)
        framed += framed_size(q.frame->opcode(), q.frame->size(), max_frame);
    if (tx_.size() < LWS_PRE + framed)
        tx_.resize(LWS_PRE + framed);
    unsigned char *p = tx_.data() + LWS_PRE;
    for (const QueuedFrame &q : batch) {
        const Frame &frame = *q.frame;
        std::string_view payload = frame.payload();
        p = write_message_frames(p, frame.opcode(), reinterpret_cast<const unsigned char *>(payload.data()),
                                 payload.size(), max_frame);
    }
    return lws_write(conn.wsi, tx_.data() + LWS_PRE, framed, LWS_WRITE_HTTP) < 0 ? -1 : 0;
}

} // namespace wshost
