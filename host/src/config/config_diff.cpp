#include "config/config_diff.h"

namespace wshost
{

std::vector<std::string> restart_required(const Config &running, const Config &next)
{
    std::vector<std::string> keys;
    auto check = [&](bool differs, const char *key) {
        if (differs)
            keys.emplace_back(key);
    };
    const ServerConfig &a = running.server, &b = next.server;
    check(a.address != b.address, "server.address");
    check(a.port != b.port, "server.port");
    check(a.event_loop != b.event_loop, "server.event_loop");
    check(a.frame_reader != b.frame_reader, "server.frame_reader");
    check(a.reuse_port != b.reuse_port, "server.reuse_port");
    check(a.tls.enabled != b.tls.enabled || a.tls.cert_file != b.tls.cert_file ||
              a.tls.key_file != b.tls.key_file,
          "server.tls");
    const ControlConfig &c = running.control, &d = next.control;
    check(c.enabled != d.enabled, "control.enabled");
    check(c.address != d.address, "control.address");
    check(c.port != d.port, "control.port");
    check(c.socket != d.socket, "control.socket");
    check(c.tls.enabled != d.tls.enabled || c.tls.cert_file != d.tls.cert_file ||
              c.tls.key_file != d.tls.key_file,
          "control.tls");
    check(a.max_header_bytes != b.max_header_bytes, "server.max_header_bytes");
    const WebSocketConfig &w = running.websocket, &x = next.websocket;
    check(w.compression != x.compression, "websocket.compression");
    check(w.ping_interval_s != x.ping_interval_s, "websocket.ping_interval_s");
    check(w.idle_timeout_s != x.idle_timeout_s, "websocket.idle_timeout_s");
    check(w.rx_buffer_bytes != x.rx_buffer_bytes, "websocket.rx_buffer_bytes");
    check(running.workers.threads != next.workers.threads, "workers.threads");
    check(running.workers.queue_size != next.workers.queue_size, "workers.queue_size");
    // The cluster node is built once at start (its links, node number, presence).
    const ClusterConfig &e = running.cluster, &f = next.cluster;
    check(e.engine != f.engine, "cluster.engine");
    check(e.node_id != f.node_id, "cluster.node_id");
    check(e.heartbeat_ms != f.heartbeat_ms, "cluster.heartbeat_ms");
    check(e.node_ttl_ms != f.node_ttl_ms, "cluster.node_ttl_ms");
    check(e.redis.address != f.redis.address || e.redis.socket != f.redis.socket ||
              e.redis.password != f.redis.password || e.redis.db != f.redis.db ||
              e.redis.prefix != f.redis.prefix,
          "cluster.redis");
    return keys;
}

void apply_reloadable(Config &running, const Config &next)
{
    // Keep the restart-only values, take everything else.
    const ServerConfig server = running.server;
    const ControlConfig control = running.control;
    const WebSocketConfig websocket = running.websocket;
    const WorkersConfig workers = running.workers;

    running.server = next.server;
    running.server.address = server.address;
    running.server.port = server.port;
    running.server.event_loop = server.event_loop;
    running.server.frame_reader = server.frame_reader;
    running.server.reuse_port = server.reuse_port;
    running.server.tls = server.tls;
    running.server.max_header_bytes = server.max_header_bytes;

    running.control = next.control; // tokens, body limit
    running.control.enabled = control.enabled;
    running.control.address = control.address;
    running.control.port = control.port;
    running.control.socket = control.socket;
    running.control.tls = control.tls;

    running.websocket = next.websocket;
    running.websocket.compression = websocket.compression;
    running.websocket.ping_interval_s = websocket.ping_interval_s;
    running.websocket.idle_timeout_s = websocket.idle_timeout_s;
    running.websocket.rx_buffer_bytes = websocket.rx_buffer_bytes;

    running.workers = workers;
    running.auth = next.auth;
    running.log = next.log;
    running.plugin_dir = next.plugin_dir;
    running.plugins = next.plugins;
    running.endpoints = next.endpoints; // new upgrades; open connections keep theirs
}

} // namespace wshost
