// The WebSocket port's vhost: address, port, TLS, permessage-deflate and the
// ping/idle policy, all from the config; the protocols (what runs on it) are
// the caller's.
#pragma once

#include "config/config.h"

#include <libwebsockets.h>

namespace wshost
{

// Binds [server]'s listener; null (logged) when the address cannot be bound.
// `protocols` and `user` (lws_vhost_user) must outlive the vhost.
lws_vhost *create_ws_vhost(lws_context *context, const ServerConfig &server, const WebSocketConfig &websocket,
                           const lws_protocols *protocols, void *user);

// The "listening" (and "static_files") log lines, with the bound port.
void log_listening(const ServerConfig &server, int port);

} // namespace wshost
