// One WebSocket connection as the host sees it. Owned by the Gateway; lws's
// per-session data holds only a pointer to it (lws gives raw zeroed memory
// and never runs constructors: LWS-NOTES T9).
#pragma once

#include "frame.h"

#include <wshost/plugin.h>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

struct lws;

namespace wshost {

struct Connection {
    wsh_conn_id id = 0;
    lws *wsi = nullptr; // service thread only
    std::string peer;   // peer address, for logs and plugins
    std::string user_id;

    // --- guarded by Gateway's mutex -------------------------------------
    std::deque<FramePtr> queue; // waiting for the next writeable callback
    std::size_t queued_bytes = 0;
    int close_code = 0;         // nonzero: close with this code once allowed
    std::string close_reason;
    bool close_now = false;     // close before sending what is queued
    bool pause_rx = false;      // over the queue limit: stop reading
    bool wake_pending = false;  // already in the wake list

    // --- service thread only ----------------------------------------------
    std::string rx;             // message being reassembled
    bool rx_overflow = false;   // current message exceeded the size limit
    bool rx_paused = false;     // lws_rx_flow_control(wsi, 0) in force
    bool closing = false;       // a close frame is on its way; ignore input
    // Frames handed to lws_write() in the last writeable callback. With
    // permessage-deflate lws keeps reading them afterwards (LWS-NOTES T29).
    std::vector<FramePtr> in_flight;
};

} // namespace wshost
