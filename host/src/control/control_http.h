// The control listener: an HTTP-only libwebsockets vhost that feeds requests
// to a ControlApi (control_api.h) and writes its answers.
//
// What the listener does itself (LWS-NOTES T9, T11, T12):
//   - Transfer-Encoding: chunked -> 411 at once (lws cannot read chunked
//     bodies); Content-Length above max_body_bytes -> 413 at once, before any
//     body byte is read; the connection is closed after either. The request
//     head is checked first (token, route, method, scope): an unauthenticated
//     one gets 401, not 411 or 413.
//   - Expect: 100-continue -> the request head is checked first (token,
//     route, method, scope); a refusal answers at once and closes, otherwise
//     "HTTP/1.1 100 Continue" is written so clients do not stall (lws never
//     answers it).
//   - WebSocket (or h2c) upgrades are refused with 403; with [control.tls]
//     ALPN offers http/1.1 only, so h2 is never spoken either.
//   - One access-log line per request (method, path without query, status,
//     duration, request id), never a token or a query value; the request id
//     is also sent back as X-Request-Id.
//   - Keep-alive: per-session state is reset on each request.
#pragma once

#include "config/config.h"
#include "transport/ready_file.h"

struct lws_context;
struct lws_vhost;

namespace wshost
{

class AcceptGate;
class ControlApi;
class ServiceLoop;

// Creates the "control" vhost on `context` (which must have been created with
// LWS_SERVER_OPTION_EXPLICIT_VHOSTS) and starts listening:
//   - config.socket set: a Unix socket at that path (address/port ignored);
//   - else config.address (an IP literal; IPv4 binds only that address) and
//     config.port (0: the kernel picks; see lws_get_vhost_listen_port()).
// `api`, `loop` (which writes answers that come later, from another thread)
// and `gate` (optional: counts control connections towards the fd limit,
// accept_gate.h) must outlive the vhost. `reuse_port`: a TCP port other
// processes may listen on too ([server] reuse_port). Service thread, after
// the context exists. Returns null (and logs why) on failure.
lws_vhost *create_control_vhost(lws_context *context, const ControlConfig &config, ControlApi &api,
                                ServiceLoop &loop, AcceptGate *gate = nullptr, bool reuse_port = false);
// The control listener at startup: nothing when [control] is disabled, else
// create_control_vhost() and its port or socket written into `ready`.
bool listen_control(lws_context *context, const ControlConfig &config, ControlApi &api, ServiceLoop &loop,
                    AcceptGate *gate, ReadyInfo &ready, bool reuse_port = false);

} // namespace wshost
