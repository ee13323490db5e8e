// One WebSocket connection as the host sees it. Owned by the Gateway; lws's
// per-session data holds only a pointer to it (lws gives raw zeroed memory
// and never runs constructors: LWS-NOTES T9).
#pragma once

#include "gateway/frame.h"
#include "gateway/send_queue.h"
#include "base/rate_limit.h"
#include "gateway/tag_index.h"

#include <wshost/plugin.h>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

struct lws;

namespace wshost
{

struct Connection {
    wsh_conn_id id = 0;
    lws *wsi = nullptr; // service thread only

    // --- guarded by Gateway's mutex -------------------------------------
    std::string peer;        // peer address
    std::string endpoint;    // the path of the endpoint it upgraded on (set by add, then constant)
    std::string subprotocol; // the one selected at the upgrade, empty if none (constant)
    std::string user_id;     // empty: anonymous
    Tags tags;               // server-side tags (one value per key)
    std::set<std::string> rooms;

    SendQueue queue; // waiting for the next writeable callback (no storage until used)
    std::size_t queued_bytes = 0;
    std::size_t queued_bytes_peak = 0;
    uint64_t dropped = 0; // pushes dropped by the slow-consumer policy
    int close_code = 0;   // nonzero: close with this code once allowed
    std::string close_reason;
    bool close_now = false;    // close before sending what is queued
    bool pause_rx = false;     // over the queue limit: stop reading
    bool wake_pending = false; // already in the wake list
    bool corked = false;       // in the list flushed at the end of this loop pass

    // --- service thread only ----------------------------------------------
    enum class Admission { pending, admitted, rejected };
    Admission admission = Admission::pending;
    bool host_hold = false; // reading paused by hold_rx: a verdict pending, or a raw handler behind
    std::vector<std::pair<bool, std::string>> held; // (binary, message) received before the verdict
    std::size_t held_bytes = 0;
    TokenBucket requests;     // [websocket] rate_limit_per_s
    std::string rx;           // message being reassembled
    bool rx_overflow = false; // current message exceeded the size limit
    bool rx_paused = false;   // lws_rx_flow_control(wsi, 0) in force
    bool closing = false;     // a close frame is on its way; ignore input
    bool peer_closed = false; // the client's close frame arrived: nothing more is dispatched
    // Service thread. The host's frame reader saw the client's close: the
    // gateway writes the echo itself and closes the socket (lws, which never
    // saw that close, would wait for an answer to its own).
    bool close_echo = false;
    bool grace_armed = false;   // hard-close timer running (slow consumer)
    bool close_waiting = false; // our close frame went to lws: the grace timer is the close wait
    bool deflate = false;       // permessage-deflate negotiated: lws frames (and compresses) each message
    // Its endpoint's protocol and handler as they were at the upgrade (a
    // reload changes them for new connections only).
    bool raw = false;    // messages go whole to `handler`'s message handler
    std::string handler; // raw: the [[plugin]] name
    struct GraceTimer {
        lws_sorted_usec_list_t sul; // first: lws_container_of
        Connection *conn;
    } grace{};
    // Frames handed to lws_write() in the last writeable callback. With
    // permessage-deflate lws keeps reading them afterwards (LWS-NOTES T29).
    std::vector<FramePtr> in_flight;
    // Service thread. permessage-deflate, [websocket] max_frame_bytes: payload
    // bytes of the queue's first message already sent as fragments.
    std::size_t tx_fragment_offset = 0;
};

// A copy of what plugins and the control API may read about a connection.
struct ConnectionSnapshot {
    wsh_conn_id id = 0;
    std::string user_id;
    std::string peer;
    std::string endpoint;
    std::string subprotocol;
    Tags tags;
    std::vector<std::string> rooms;
    std::size_t queued_messages = 0;
    std::size_t queued_bytes = 0;
    std::size_t queued_bytes_peak = 0;
    uint64_t dropped = 0;
};

} // namespace wshost
