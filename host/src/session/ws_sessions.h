// The WebSocket port's connections, from accept to close (service thread):
// the handshake (Upgrade, path, headers, origin, caps, the captured request),
// admission through the authenticator, reassembly of messages and their
// dispatch, and the end of a connection. Its two lws protocols are the
// WebSocket port's first two: protocols[0] (plain HTTP: static files, and the
// callbacks lws sends there) and the WebSocket protocol. Their callbacks find
// this object through the vhost's user pointer (set it to `this`).
#pragma once

#include "auth/admission.h"
#include "auth/auth.h"
#include "auth/handshake_table.h"
#include "config/config.h"
#include "gateway/gateway.h"
#include "plugins/dispatcher.h"
#include "session/deadlines.h"
#include "session/drain.h"
#include "session/frame_intake.h"
#include "transport/accept_gate.h"
#include "transport/service_loop.h"
#include "transport/ws_session.h"

#include <libwebsockets.h>

#include <string_view>

namespace wshost
{

class WsSessions
{
  public:
    // Every reference must outlive the vhost; `config` is read at each use
    // (a reload changes it in place, on the service thread).
    WsSessions(const Config &config, Gateway &gateway, AuthService &auth, Dispatcher &dispatcher,
               Deadlines &deadlines, Drain &drain, ServiceLoop &loop, AcceptGate &accept_gate);

    // The WebSocket port's protocol list: plain HTTP first (lws hands
    // protocols[0] every request that is not an upgrade), then the WebSocket
    // protocol, then `extra` (the signal watch). Built once, from the config
    // at start (restart-only settings): lws keeps the pointer.
    static const lws_protocols *protocols(const Config &config, lws_protocols extra);

    // The authenticator's answer for a connection waiting for it.
    void apply_verdict(wsh_conn_id id, Verdict verdict);

  private:
    int on_http(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);
    int on_ws(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);
    static int http_callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);
    static int ws_callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, std::size_t len);

    bool on_accepted(lws *wsi);                         // false: drop the socket
    int confirm_upgrade(lws *wsi, const char *upgrade); // nonzero: refused (answered)
    int filter_upgrade(lws *wsi);
    int on_established(lws *wsi, WsSession &session);
    int on_receive(lws *wsi, WsSession &session, const void *in, std::size_t len);
    void on_message(Connection &conn, bool binary, std::string_view message);
    void on_control_frame(Connection &conn, bool ping, std::string_view payload); // the ping/pong hooks
    void on_closed(WsSession &session);

    const Config &config_;
    Gateway &gateway_;
    AuthService &auth_;
    Dispatcher &dispatcher_;
    Deadlines &deadlines_;
    Drain &drain_;
    ServiceLoop &loop_;
    AcceptGate &accept_gate_;
    ConnectionCaps caps_;
    HandshakeTable handshakes_; // what each handshake holds, until admitted
    FrameIntake intake_;        // established plain ws:// connections the host reads itself
};

} // namespace wshost
