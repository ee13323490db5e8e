// Subprotocol negotiation (RFC 6455 §4.2.2, DESIGN §9), decided by the host:
// the first of the client's names that the endpoint lists is selected; a
// client that offers none of them is refused with 400 when the endpoint lists
// any and subprotocol_required holds, and served without one otherwise.
//
// libwebsockets 4.1.6 can only bind an upgrade to a vhost protocol that the
// client names, and drops the connection when it names none it knows. So the
// WebSocket protocol's name is set to the client's first name before lws
// matches (that binds every upgrade to it), then to the selected name, or "",
// before lws answers: lws echoes a non-empty name in Sec-WebSocket-Protocol and
// leaves the header out for "" (ws_sessions.cpp).
#pragma once

#include "config/config.h"

#include <string>
#include <string_view>

namespace wshost
{

struct SubprotocolChoice {
    int status = 0;            // 0: upgrade; 400: refuse
    std::string reason;        // why not, for the log
    std::string selected;      // empty: none (no Sec-WebSocket-Protocol in the answer)
    std::string first_offered; // the client's first name (empty: it sent no list)
};

// `offered` is the client's Sec-WebSocket-Protocol list, all header lines
// joined by commas; check_upgrade() has already refused a malformed one.
SubprotocolChoice choose_subprotocol(std::string_view offered, const EndpointConfig &endpoint);

} // namespace wshost
