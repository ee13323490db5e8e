// wshost configuration: the typed result of loading one TOML file (DESIGN §5).
//
// Loading, validating and applying are separate steps: load_config() only
// parses and validates; nothing here touches sockets or plugins. Every default
// lives in this file, next to its member, and etc/wshost.toml matches them
// (tests/config compares the two).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace wshost
{

// A place in a config file, for error messages ("file:line:col: message").
struct SourcePos {
    std::string file;
    int line = 0; // 1-based; 0 when unknown
    int col = 0;  // 1-based; 0 when unknown
};

struct ConfigError {
    SourcePos pos;
    std::string message;
    // "FILE:LINE:COL: message" (line/col 0 when unknown).
    std::string format() const;
};

struct TlsConfig {
    bool enabled = false;  // [server.tls] / [control.tls] enabled
    std::string cert_file; // PEM certificate chain (path resolved)
    std::string key_file;  // PEM private key (path resolved)
};

// The libwebsockets event loop (LWS-NOTES facts 1 and 6, T15, T17).
enum class EventLoop {
    poll,  // lws's built-in poll(): O(connections) per wake-up
    libev, // lws's libev backend (package libwebsockets-evlib-ev): O(active) per wake-up
};

// Who reads the client's frames on a plain ws:// connection once it is
// established (issue 15; LWS-NOTES T31). wss:// and permessage-deflate
// connections are always read by lws.
enum class FrameReaderKind {
    host, // the host's RFC 6455 reader (wsframe/): every rule checked at the header
    lws,  // libwebsockets' own receive path
};

struct ServerConfig {
    std::string address = "127.0.0.1";       // IPv4 or IPv6 literal (no host names)
    int port = 8080;                         // 0 = pick a free port (see --ready-file)
    std::string path = "/";                  // WebSocket upgrade path
    std::size_t max_header_bytes = 8192;     // request line + headers of an upgrade; 431 past it
    EventLoop event_loop = EventLoop::libev; // libev: flat at 20k connections (docs/PERFORMANCE.md)
    FrameReaderKind frame_reader = FrameReaderKind::host; // plain ws:// only; "lws": lws's receive path
    std::string static_dir;  // files served to plain GETs on this listener; "" = none (404)
    bool reuse_port = false; // SO_REUSEPORT on the WebSocket and control TCP ports: N processes share them
    TlsConfig tls;
};

// The control API's token scopes (DESIGN §6), independent of each other; the
// control API's scope bits are 1 << the index here.
inline constexpr std::array<std::string_view, 3> kControlScopes = {"push", "admin", "metrics"};

struct ControlToken {
    std::string token;               // secret; inline or token_file
    std::vector<std::string> scopes; // each one of kControlScopes
    SourcePos pos;
};

struct ControlConfig {
    bool enabled = true; // false: no control listener
    std::string address = "127.0.0.1";
    int port = 8081;    // 0 = pick a free port
    std::string socket; // Unix socket path; when set, replaces address/port
    std::vector<ControlToken> tokens;
    std::size_t max_body_bytes = 1 << 20; // larger bodies get 413
    TlsConfig tls;                        // https:// (address/port only, not the Unix socket)
};

struct JwtKey {
    std::string kid;    // may be empty
    std::string secret; // raw bytes; inline or secret_file
    SourcePos pos;
};

struct JwtConfig {
    std::vector<JwtKey> keys;
    std::string cookie = "wshost_token"; // cookie carrier name; "" disables
    std::string query_param = "token";   // query carrier name; "" disables
    int leeway_s = 30;                   // clock skew allowed for exp/nbf
};

struct AuthConfig {
    std::string authenticator = "none"; // "none" | "jwt" | "plugin:NAME"
    bool allow_anonymous = true;        // admit clients that present no credential
    int timeout_ms = 5000;              // authenticator verdict deadline
    JwtConfig jwt;
};

enum class SlowConsumerPolicy { disconnect, drop_oldest };

struct WebSocketConfig {
    std::vector<std::string> origins;        // allowed Origins ("*" = any); empty = any
    bool allow_missing_origin = true;        // clients without an Origin header
    std::size_t max_message_bytes = 1 << 20; // whole message, fragments included (1009 past it)
    std::uint32_t max_fragments = 16384; // frames per message, host reader only; 0 = no cap (1009 past it)
    bool compression = false;            // permessage-deflate
    int ping_interval_s = 30;            // 0 disables pings
    int idle_timeout_s = 60;             // no pong for this long -> close; 0 disables
    std::size_t send_queue_max_messages = 1024;
    std::size_t send_queue_max_bytes = 4 << 20;
    SlowConsumerPolicy slow_consumer_policy = SlowConsumerPolicy::disconnect;
    int slow_consumer_grace_ms = 5000;        // hard close after 1013 if the client never reads
    int rate_limit_per_s = 0;                 // requests per second per connection; 0 = off
    int rate_limit_burst = 0;                 // bucket size; 0 = same as rate
    std::vector<std::string> client_tags;     // tag keys clients may set via ?tags=
    std::size_t max_connections = 10000;      // total; 0 = fd limit only
    std::size_t max_connections_per_ip = 0;   // 0 = no per-IP cap
    std::size_t max_handshakes_per_ip = 64;   // connections not yet admitted, per IP; 0 = no cap
    std::vector<std::string> trusted_proxies; // peers whose X-Forwarded-For is believed
    std::size_t rx_buffer_bytes = 4096;       // lws per-connection receive buffer
    std::size_t max_frame_bytes = 0;          // outgoing messages past this go as fragments; 0 = never split
    int close_timeout_ms = 5000;              // after the server's close frame, the wait for the client's
};

struct WorkersConfig {
    int threads = 4;               // worker pool size for `blocking` plugins
    std::size_t queue_size = 1024; // pending jobs; a full queue answers `overloaded`
};

struct LogConfig {
    std::string level = "info";  // error | warn | info | debug
    std::string format = "text"; // text | json (one JSON object per line)
    std::string file;            // empty = stderr
};

// [cluster.redis] (DESIGN §10). address and socket are exclusive (one may be
// set; neither: 127.0.0.1:6379), so are password and password_file.
struct ClusterRedisConfig {
    std::string address;           // "IP:port" or "[v6]:port"; empty: 127.0.0.1:6379 unless socket
    std::string socket;            // a Unix socket path instead (resolved)
    std::string password;          // AUTH when non-empty; password_file reads into it at load
    int db = 0;                    // SELECT when non-zero
    std::string prefix = "wshost"; // every channel and key starts with "PREFIX:"
    SourcePos pos;
};

// [cluster]: every key needs a restart (config_diff.cpp).
struct ClusterConfig {
    std::string engine = "none"; // none | redis
    std::string node_id;         // empty: "HOSTNAME-PID"
    int heartbeat_ms = 1000;     // presence refresh period
    int node_ttl_ms = 5000;      // a node silent this long is gone; > heartbeat_ms
    ClusterRedisConfig redis;
};

struct PluginConfig {
    std::string name;       // must equal the plugin's own name
    std::string path;       // as written
    std::string resolved;   // absolute: bare file name -> plugin_dir; relative -> config dir
    bool blocking = false;  // run handlers on the worker pool
    int timeout_ms = 10000; // default per-action timeout
    std::map<std::string, int> action_timeouts_ms; // per-action overrides
    std::string config_json = "{}";                // [plugin.config] as a JSON object
    SourcePos pos;                                 // where the [[plugin]] table starts
};

// What a WebSocket upgrade path speaks (DESIGN §9).
enum class EndpointProtocol {
    json, // the action envelope of DESIGN §1
    raw,  // every message, text or binary, whole to one plugin's message handler
};

// One upgrade path of the WebSocket listener: an [[endpoint]] table, or the
// JSON endpoint [server] path makes when no [[endpoint]] names that path.
struct EndpointConfig {
    std::string path; // absolute; the query is not part of it
    EndpointProtocol protocol = EndpointProtocol::json;
    std::string handler; // raw: the [[plugin]] whose message handler takes its messages
    // Offered in Sec-WebSocket-Protocol, in the server's order; names unique
    // across endpoints. [server] path's own endpoint offers "wshost", optionally.
    std::vector<std::string> subprotocols;
    bool subprotocol_required = true; // with subprotocols: a client offering none of them gets 400
    bool implicit = false;            // [server] path's, not written as an [[endpoint]]
    SourcePos pos;                    // where the [[endpoint]] table starts
};

struct Config {
    std::string file; // the config file as given
    std::string dir;  // its directory (absolute)
    ServerConfig server;
    ControlConfig control;
    AuthConfig auth;
    WebSocketConfig websocket;
    WorkersConfig workers;
    LogConfig log;
    ClusterConfig cluster;
    std::string plugin_dir = "plugins"; // resolved against the config dir
    std::vector<PluginConfig> plugins;
    std::vector<EndpointConfig> endpoints; // as written, then [server] path's if no entry has it
};

// The endpoint an upgrade to `path` reaches, or null (404).
const EndpointConfig *endpoint_for(const Config &config, std::string_view path);

struct ConfigLoad {
    std::optional<Config> config; // set only when errors is empty
    std::vector<ConfigError> errors;
};

// Parses and validates `path`. Collects every error it can (unknown keys with
// the list of valid keys, wrong types, bad values, unreadable *_file secrets),
// each with file:line:col. Never throws.
ConfigLoad load_config(const std::string &path);
// The same for a file's text already read: `path` names it in errors, and
// relative paths in it resolve against its directory.
ConfigLoad load_config_text(std::string text, const std::string &path);

} // namespace wshost
