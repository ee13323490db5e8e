// One WebSocket connection as the host sees it. Owned by the Gateway; lws's
// per-session data holds only a pointer to it (lws gives raw zeroed memory
// and never runs constructors: LWS-NOTES T9).
//
// Idle memory (issue 19): every connection pays sizeof(Connection), so what
// an idle connection never uses lives elsewhere: names shared by many
// connections are interned, the close reason and the rate-limit bucket are
// allocated when there is one, and the service thread's occasional state
// (held messages, reassembly, the grace timer, deflate's in-flight frames)
// is one Seldom block allocated at its first use.
#pragma once

#include "gateway/frame.h"
#include "gateway/interned_name.h"
#include "gateway/lazy_token_bucket.h"
#include "gateway/send_queue.h"
#include "gateway/tag_index.h"

#include <wshost/plugin.h>

#include <cstddef>
#include <memory>
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
    std::string peer;         // peer address
    InternedName endpoint;    // the path of the endpoint it upgraded on (set by add, then constant)
    InternedName subprotocol; // the one selected at the upgrade, empty if none (constant)
    std::string user_id;      // empty: anonymous
    Tags tags;                // server-side tags (one value per key)
    std::set<std::string> rooms;

    SendQueue queue; // waiting for the next writeable callback (no storage until used)
    std::size_t queued_bytes = 0;
    std::size_t queued_bytes_peak = 0;
    uint64_t dropped = 0;                      // pushes dropped by the slow-consumer policy
    std::unique_ptr<std::string> close_reason; // with close_code, when it has one
    int close_code = 0;                        // nonzero: close with this code once allowed
    bool close_now = false;                    // close before sending what is queued
    bool pause_rx = false;                     // over the queue limit: stop reading
    bool wake_pending = false;                 // already in the wake list
    bool corked = false;                       // in the list flushed at the end of this loop pass

    // --- service thread only ----------------------------------------------
    LazyTokenBucket requests; // [websocket] rate_limit_per_s
    enum class Admission : std::uint8_t { pending, admitted, rejected };
    Admission admission = Admission::pending;
    bool host_hold = false;   // reading paused by hold_rx: a verdict pending, or a raw handler behind
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
    bool raw = false;     // messages go whole to `handler`'s message handler
    InternedName handler; // raw: the [[plugin]] name
    // Service thread. permessage-deflate, [websocket] max_frame_bytes: payload
    // bytes of the queue's first message already sent as fragments.
    std::size_t tx_fragment_offset = 0;

    // Service thread only: what an idle connection never uses, in one block
    // allocated at the first use and kept until the connection goes (an idle
    // connection pays a pointer for it; issue 19).
    struct GraceTimer {
        lws_sorted_usec_list_t sul; // first: lws_container_of
        Connection *conn;
    };
    struct Seldom {
        std::vector<std::pair<bool, std::string>> held; // (binary, message) received before the verdict
        std::size_t held_bytes = 0;
        std::string rx;     // message being reassembled (lws's reader)
        GraceTimer grace{}; // hard-close timer (slow consumer, close wait); scheduled only from here
        // Frames handed to lws_write() in the last writeable callback. With
        // permessage-deflate lws keeps reading them afterwards (LWS-NOTES T29).
        std::vector<FramePtr> in_flight;
    };
    Seldom &seldom()
    {
        if (!seldom_) {
            seldom_ = std::make_unique<Seldom>();
            seldom_->grace.conn = this;
        }
        return *seldom_;
    }
    Seldom *seldom_if() const { return seldom_.get(); }
    std::size_t held_bytes() const { return seldom_ ? seldom_->held_bytes : 0; }
    void drop_held() // what was held for the verdict will never be dispatched
    {
        if (seldom_) {
            seldom_->held.clear();
            seldom_->held_bytes = 0;
        }
    }

  private:
    std::unique_ptr<Seldom> seldom_;
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
