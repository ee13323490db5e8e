// What lws's per-session data holds for a WebSocket connection: raw zeroed
// memory that lws allocates and frees without constructors (LWS-NOTES T9),
// so plain members and owning pointers only.
#pragma once

namespace wshost
{

struct Connection;
struct HostRead;

// (The captured upgrade request lives in the HandshakeTable until ESTABLISHED.)
// 24 bytes: lws allocates it for every connection (one 32-byte heap block).
struct WsSession {
    Connection *conn;    // from ESTABLISHED until CLOSED; owned by the Gateway
    HostRead *host_read; // the host reads its frames (session/frame_intake.h); owned by FrameIntake
    int peer_close_code; // from the client's close frame, if it sent one
    bool binary;         // the message being received is binary
};
static_assert(sizeof(WsSession) <= 24, "a WsSession fits lws's smallest heap block");

} // namespace wshost
