// What makes a WebSocket upgrade request well-formed (RFC 6455 §4.2.1), checked
// by the host before libwebsockets handles the upgrade, so that a malformed one
// gets an HTTP status instead of a bare TCP close.
//
// libwebsockets 4.1.6 would: drop the connection without an answer for a
// missing Sec-WebSocket-Key or Host, a Connection header without "upgrade", a
// Sec-WebSocket-Protocol list of 127 bytes or more, an entry of 63 bytes or
// more, a first entry it reads as a number, or a list that is not a list of
// tokens; and upgrade any Sec-WebSocket-Version as if it were 13. Which
// subprotocol is spoken is decided later, per endpoint (subprotocols.h).
// Pure functions; the server reads the headers from lws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wshost
{

// The request headers that decide, as sent (empty when absent).
struct UpgradeHeaders {
    bool has_host = false;
    std::string_view connection;      // Connection
    std::string_view key;             // Sec-WebSocket-Key
    std::string_view version;         // Sec-WebSocket-Version
    std::string_view protocols;       // Sec-WebSocket-Protocol
    std::size_t header_bytes = 0;     // request line and headers as counted by request_header_bytes()
    std::size_t max_header_bytes = 0; // [server] max_header_bytes; 0 = no check
};

struct UpgradeProblem {
    int status = 0;     // 0: fine; else 400, 426 or 431
    std::string reason; // for the log (never a header value)
};

UpgradeProblem check_upgrade(const UpgradeHeaders &h);

// A Sec-WebSocket-Key is the base64 of 16 bytes: 22 characters of the
// alphabet and "==" (RFC 6455 §4.2.1 item 5).
bool valid_websocket_key(std::string_view key);

// True when the comma-separated header `list` holds `token` (case-insensitive,
// optional whitespace), as Connection: keep-alive, Upgrade does.
bool header_has_token(std::string_view list, std::string_view token);

} // namespace wshost
