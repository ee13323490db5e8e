// WebSocket close codes the server sends (DESIGN §1; README lists them).
#pragma once

#include <cstddef>

namespace wshost::close_code
{

// A close frame's payload is at most 125 bytes (RFC 6455 §5.5), 2 of them the
// code: what is left for the reason.
constexpr std::size_t max_reason_bytes = 123;

constexpr int normal = 1000;
constexpr int going_away = 1001;       // server shutting down
constexpr int protocol_error = 1002;   // a client frame breaking RFC 6455 (the host frame reader)
constexpr int invalid_payload = 1007;  // text that is not UTF-8 (sent by lws itself)
constexpr int policy_violation = 1008; // authentication failed, policy
constexpr int message_too_big = 1009;  // also after inflation
constexpr int internal_error = 1011;
constexpr int service_restart = 1012; // with retry_after_ms in the reason
constexpr int try_again_later = 1013; // slow consumer
constexpr int abnormal = 1006;        // never sent: no close frame was seen

// What an application may close with (POST /v1/disconnect, the ABI's
// close_connection): a normal close, or a code of its own (RFC 6455 §7.4.2).
constexpr bool application_may_send(int code)
{
    return code == normal || (code >= 3000 && code <= 4999);
}

// What a peer may put in its close frame (RFC 6455 §7.4; 1012-1014 are
// registered by IANA): anything else is a protocol error (1002).
constexpr bool peer_may_send(unsigned code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

} // namespace wshost::close_code
