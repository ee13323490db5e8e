// The config schema: one table of keys per TOML table (STYLE rule 5). Key
// names are the member names of config.h; defaults come from there too.
// Checks that span keys run after a table's keys were read.
#include "config/config_schema.h"
#include "config/config_toml_json.h"
#include "base/http_tokens.h"

#include <algorithm>
#include <climits>
#include <filesystem>

namespace wshost::cfg
{
namespace
{

std::string at(const SourcePos &p)
{
    return std::to_string(p.line) + ":" + std::to_string(p.col);
}

// --- value checks --------------------------------------------------------------

std::string check_url_path(std::string_view key, const std::string &v)
{
    return !v.empty() && v[0] == '/' ? std::string()
                                     : in_quotes(key) + " must start with '/' (got " + in_quotes(v) + ")";
}

// Names lws can match (base/http_tokens.h): the upgrade checks refuse a
// client's first name that is none of these.
std::string check_subprotocol(std::string_view key, const std::string &v)
{
    constexpr std::size_t kMaxName = 62; // lws copies each into 64 bytes, NUL and all (T27)
    if (!http::is_token(v))
        return in_quotes(key) + ": " + in_quotes(v) +
               " is not a token (RFC 7230: letters, digits and !#$%&'*+-.^_`|~)";
    if (v.size() > kMaxName)
        return in_quotes(key) + ": " + in_quotes(v) + " is longer than " + std::to_string(kMaxName) +
               " bytes";
    if (http::lws_reads_as_number(v))
        return in_quotes(key) + ": " + in_quotes(v) + " is a number; libwebsockets cannot match it";
    return {};
}

std::string check_authenticator(std::string_view key, const std::string &v)
{
    if (v == "none" || v == "jwt" || (v.rfind("plugin:", 0) == 0 && v.size() > 7))
        return {};
    return in_quotes(key) + " must be \"none\", \"jwt\" or \"plugin:NAME\" (got " + in_quotes(v) + ")";
}

std::string check_scope(std::string_view key, const std::string &v)
{
    if (std::find(kControlScopes.begin(), kControlScopes.end(), v) != kControlScopes.end())
        return {};
    std::string valid;
    for (std::string_view s : kControlScopes)
        valid.append(valid.empty() ? "" : ", ").append(s);
    return "unknown scope " + in_quotes(v) + " in " + in_quotes(key) + "; valid scopes: " + valid;
}

// An IP literal and a port: "10.0.0.5:6379" or "[::1]:6379" (no host names:
// hiredis 0.14 would resolve them with a blocking lookup).
std::string check_redis_address(std::string_view key, const std::string &v)
{
    if (v.empty())
        return "";
    const std::string bad = in_quotes(key) +
                            " must be an IP literal and a port, like \"127.0.0.1:6379\" or "
                            "\"[::1]:6379\" (got " +
                            in_quotes(v) + ")";
    const auto colon = v.rfind(':');
    if (colon == std::string::npos || colon + 1 == v.size() || v.size() - colon > 6)
        return bad;
    std::string ip = v.substr(0, colon);
    if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']')
        ip = ip.substr(1, ip.size() - 2);
    else if (ip.find(':') != std::string::npos)
        return bad;
    int port = 0;
    for (std::size_t i = colon + 1; i < v.size(); ++i) {
        if (v[i] < '0' || v[i] > '9')
            return bad;
        port = port * 10 + (v[i] - '0');
    }
    return port < 1 || port > 65535 || !is_ip_literal(ip) ? bad : "";
}

std::string check_cluster_engine(std::string_view key, const std::string &v)
{
    return v == "none" || v == "redis"
               ? ""
               : in_quotes(key) + " must be one of none, redis (got " + in_quotes(v) + ")";
}

// A node id goes into Redis key and channel names: no spaces (the claim value
// is "NODE_ID INSTANCE") and nothing a SCAN MATCH pattern would read.
std::string check_node_id(std::string_view key, const std::string &v)
{
    for (unsigned char ch : v)
        if (ch <= ' ' || ch == 0x7f || ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\')
            return in_quotes(key) + " must not contain spaces, control characters or *?[]\\ (got " +
                   in_quotes(v) + ")";
    return v.size() > 128 ? in_quotes(key) + " is longer than 128 bytes" : "";
}

std::string check_log_level(std::string_view key, const std::string &v)
{
    if (v == "error" || v == "warn" || v == "info" || v == "debug")
        return {};
    return in_quotes(key) + " must be one of error, warn, info, debug (got " + in_quotes(v) + ")";
}

std::string check_log_format(std::string_view key, const std::string &v)
{
    if (v == "text" || v == "json")
        return {};
    return in_quotes(key) + " must be \"text\" or \"json\" (got " + in_quotes(v) + ")";
}

// "*" or scheme://host[:port], compared exactly with the Origin header, so a
// path or a trailing slash could never match: refuse it here.
std::string check_origin(std::string_view key, const std::string &v)
{
    if (v == "*")
        return {};
    const auto sep = v.find("://");
    const bool ok = sep != std::string::npos && sep > 0 && sep + 3 < v.size() &&
                    v.find_first_of("/?# \t", sep + 3) == std::string::npos;
    return ok ? std::string()
              : in_quotes(key) +
                    " entries must be \"*\" or scheme://host[:port] with no path or trailing slash (got " +
                    in_quotes(v) + ")";
}

// --- tables --------------------------------------------------------------------

// [server.tls] and [control.tls]: the same keys.
TableSpec<TlsConfig> make_tls_spec(const char *title)
{
    return TableSpec<TlsConfig>{
        .title = title,
        .keys =
            {
                boolean("enabled", &TlsConfig::enabled),
                path("cert_file", &TlsConfig::cert_file),
                path("key_file", &TlsConfig::key_file),
            },
        .check =
            [title](Ctx &c, const toml::table &t, TlsConfig &o) {
                if (!o.enabled)
                    return;
                if (o.cert_file.empty())
                    c.error(value_source(t, "enabled"),
                            std::string(title) + " enabled = true requires 'cert_file'");
                if (o.key_file.empty())
                    c.error(value_source(t, "enabled"),
                            std::string(title) + " enabled = true requires 'key_file'");
            },
    };
}

const TableSpec<TlsConfig> &tls_spec()
{
    static const TableSpec<TlsConfig> spec = make_tls_spec("[server.tls]");
    return spec;
}

const TableSpec<TlsConfig> &control_tls_spec()
{
    static const TableSpec<TlsConfig> spec = make_tls_spec("[control.tls]");
    return spec;
}

const TableSpec<ServerConfig> &server_spec()
{
    static const TableSpec<ServerConfig> spec{
        .title = "[server]",
        .keys =
            {
                string("address", &ServerConfig::address, &check_ip_literal),
                integer("port", &ServerConfig::port, 0, 65535),
                string("path", &ServerConfig::path, &check_url_path),
                integer("max_header_bytes", &ServerConfig::max_header_bytes, 1024, 57344),
                boolean("reuse_port", &ServerConfig::reuse_port),
                choice("event_loop", &ServerConfig::event_loop,
                       {{"poll", EventLoop::poll}, {"libev", EventLoop::libev}}),
                choice("frame_reader", &ServerConfig::frame_reader,
                       {{"host", FrameReaderKind::host}, {"lws", FrameReaderKind::lws}}),
                path("static_dir", &ServerConfig::static_dir),
                table("tls", &ServerConfig::tls, tls_spec()),
            },
        .check =
            [](Ctx &c, const toml::table &t, ServerConfig &o) {
                std::error_code ec;
                if (!o.static_dir.empty() && !std::filesystem::is_directory(o.static_dir, ec))
                    c.error(value_source(t, "static_dir"),
                            "[server] static_dir: " + in_quotes(o.static_dir) + " is not a directory");
            },
    };
    return spec;
}

const TableSpec<ControlToken> &token_spec()
{
    static const TableSpec<ControlToken> spec{
        .title = "[[control.tokens]]",
        .keys =
            {
                secret("token", &ControlToken::token),
                secret_file("token_file", &ControlToken::token),
                strings("scopes", &ControlToken::scopes, &check_scope, true),
            },
        .pos = &ControlToken::pos,
        .check =
            [](Ctx &c, const toml::table &t, ControlToken &) {
                one_of(c, t, "token", "token_file", "[[control.tokens]]");
                require(c, t, "scopes", "[[control.tokens]]");
            },
    };
    return spec;
}

const TableSpec<ControlConfig> &control_spec()
{
    static const TableSpec<ControlConfig> spec{
        .title = "[control]",
        .keys =
            {
                boolean("enabled", &ControlConfig::enabled),
                string("address", &ControlConfig::address, &check_ip_literal),
                integer("port", &ControlConfig::port, 0, 65535),
                path("socket", &ControlConfig::socket),
                table_array("tokens", &ControlConfig::tokens, token_spec()),
                integer("max_body_bytes", &ControlConfig::max_body_bytes, 1),
                table("tls", &ControlConfig::tls, control_tls_spec()),
            },
        .check =
            [](Ctx &c, const toml::table &t, ControlConfig &o) {
                // sockaddr_un::sun_path holds 108 bytes, the terminating NUL included.
                if (o.tls.enabled && !o.socket.empty())
                    c.error(value_source(t, "socket"),
                            "[control.tls] applies to address/port: a Unix socket is served without TLS");
                if (o.socket.size() > 107)
                    c.error(value_source(t, "socket"), "'socket' resolves to a path of " +
                                                           std::to_string(o.socket.size()) +
                                                           " bytes; a Unix socket path holds at most 107");
                // Never name the token itself: only where the first one was.
                for (std::size_t i = 0; i < o.tokens.size(); ++i)
                    for (std::size_t j = 0; j < i; ++j)
                        if (!o.tokens[i].token.empty() && o.tokens[i].token == o.tokens[j].token) {
                            c.error(o.tokens[i].pos, "duplicate control token (same value as the token at " +
                                                         at(o.tokens[j].pos) + ")");
                            break;
                        }
            },
    };
    return spec;
}

const TableSpec<ClusterRedisConfig> &cluster_redis_spec()
{
    static const TableSpec<ClusterRedisConfig> spec{
        .title = "[cluster.redis]",
        .keys =
            {
                string("address", &ClusterRedisConfig::address, &check_redis_address),
                path("socket", &ClusterRedisConfig::socket),
                string("password", &ClusterRedisConfig::password),
                secret_file("password_file", &ClusterRedisConfig::password),
                integer("db", &ClusterRedisConfig::db, 0, 65535),
                string("prefix", &ClusterRedisConfig::prefix, &check_non_empty),
            },
        .pos = &ClusterRedisConfig::pos,
        .check =
            [](Ctx &c, const toml::table &t, ClusterRedisConfig &o) {
                if (!o.address.empty() && !o.socket.empty())
                    c.error(value_source(t, "socket"),
                            "[cluster.redis] 'address' and 'socket' are exclusive: set one of them");
                if (t.get("password") && t.get("password_file"))
                    c.error(value_source(t, "password_file"),
                            "[cluster.redis] 'password' and 'password_file' are exclusive: set one of them");
                if (o.socket.size() > 107)
                    c.error(value_source(t, "socket"), "'socket' resolves to a path of " +
                                                           std::to_string(o.socket.size()) +
                                                           " bytes; a Unix socket path holds at most 107");
            },
    };
    return spec;
}

const TableSpec<ClusterConfig> &cluster_spec()
{
    static const TableSpec<ClusterConfig> spec{
        .title = "[cluster]",
        .keys =
            {
                string("engine", &ClusterConfig::engine, &check_cluster_engine),
                string("node_id", &ClusterConfig::node_id, &check_node_id),
                integer("heartbeat_ms", &ClusterConfig::heartbeat_ms, 10, 3600000),
                integer("node_ttl_ms", &ClusterConfig::node_ttl_ms, 20, 86400000),
                table("redis", &ClusterConfig::redis, cluster_redis_spec()),
            },
        .check =
            [](Ctx &c, const toml::table &t, ClusterConfig &o) {
                if (o.node_ttl_ms <= o.heartbeat_ms)
                    c.error(value_source(t, t.get("node_ttl_ms") ? "node_ttl_ms" : "heartbeat_ms"),
                            "[cluster] node_ttl_ms (" + std::to_string(o.node_ttl_ms) +
                                ") must be greater than heartbeat_ms (" + std::to_string(o.heartbeat_ms) +
                                ")");
            },
    };
    return spec;
}

const TableSpec<JwtKey> &jwt_key_spec()
{
    static const TableSpec<JwtKey> spec{
        .title = "[[auth.jwt.keys]]",
        .keys =
            {
                string("kid", &JwtKey::kid),
                secret("secret", &JwtKey::secret),
                secret_file("secret_file", &JwtKey::secret),
            },
        .pos = &JwtKey::pos,
        .check = [](Ctx &c, const toml::table &t,
                    JwtKey &) { one_of(c, t, "secret", "secret_file", "[[auth.jwt.keys]]"); },
    };
    return spec;
}

const TableSpec<JwtConfig> &jwt_spec()
{
    static const TableSpec<JwtConfig> spec{
        .title = "[auth.jwt]",
        .keys =
            {
                table_array("keys", &JwtConfig::keys, jwt_key_spec()),
                string("cookie", &JwtConfig::cookie),
                string("query_param", &JwtConfig::query_param),
                integer("leeway_s", &JwtConfig::leeway_s, 0),
            },
        .check =
            [](Ctx &c, const toml::table &, JwtConfig &o) {
                for (std::size_t i = 0; i < o.keys.size(); ++i)
                    for (std::size_t j = 0; j < i; ++j)
                        if (!o.keys[i].kid.empty() && o.keys[i].kid == o.keys[j].kid) {
                            c.error(o.keys[i].pos, "duplicate kid " + in_quotes(o.keys[i].kid) +
                                                       " in [[auth.jwt.keys]] (also at " + at(o.keys[j].pos) +
                                                       ")");
                            break;
                        }
            },
    };
    return spec;
}

const TableSpec<AuthConfig> &auth_spec()
{
    static const TableSpec<AuthConfig> spec{
        .title = "[auth]",
        .keys =
            {
                string("authenticator", &AuthConfig::authenticator, &check_authenticator),
                boolean("allow_anonymous", &AuthConfig::allow_anonymous),
                integer("timeout_ms", &AuthConfig::timeout_ms, 1),
                table("jwt", &AuthConfig::jwt, jwt_spec()),
            },
        .check =
            [](Ctx &c, const toml::table &t, AuthConfig &o) {
                if (o.authenticator == "jwt" && o.jwt.keys.empty())
                    c.error(value_source(t, "authenticator"),
                            "authenticator \"jwt\" needs at least one [[auth.jwt.keys]] entry");
            },
    };
    return spec;
}

const TableSpec<WebSocketConfig> &websocket_spec()
{
    using W = WebSocketConfig;
    static const TableSpec<W> spec{
        .title = "[websocket]",
        .keys =
            {
                strings("origins", &W::origins, &check_origin),
                boolean("allow_missing_origin", &W::allow_missing_origin),
                integer("max_message_bytes", &W::max_message_bytes, 1),
                integer("max_fragments", &W::max_fragments, 0),
                boolean("compression", &W::compression),
                integer("ping_interval_s", &W::ping_interval_s, 0),
                integer("idle_timeout_s", &W::idle_timeout_s, 0),
                integer("send_queue_max_messages", &W::send_queue_max_messages, 1),
                integer("send_queue_max_bytes", &W::send_queue_max_bytes, 1),
                choice("slow_consumer_policy", &W::slow_consumer_policy,
                       {{"disconnect", SlowConsumerPolicy::disconnect},
                        {"drop_oldest", SlowConsumerPolicy::drop_oldest}}),
                integer("slow_consumer_grace_ms", &W::slow_consumer_grace_ms, 0),
                integer("rate_limit_per_s", &W::rate_limit_per_s, 0),
                integer("rate_limit_burst", &W::rate_limit_burst, 0),
                strings("client_tags", &W::client_tags, &check_non_empty),
                integer("max_connections", &W::max_connections, 0),
                integer("max_connections_per_ip", &W::max_connections_per_ip, 0),
                integer("max_handshakes_per_ip", &W::max_handshakes_per_ip, 0),
                strings("trusted_proxies", &W::trusted_proxies, &check_ip_literal),
                integer("rx_buffer_bytes", &W::rx_buffer_bytes, 1),
                integer("max_frame_bytes", &W::max_frame_bytes, 0),
                integer("close_timeout_ms", &W::close_timeout_ms, 1, 600000),
            },
    };
    return spec;
}

const TableSpec<WorkersConfig> &workers_spec()
{
    static const TableSpec<WorkersConfig> spec{
        .title = "[workers]",
        .keys =
            {
                integer("threads", &WorkersConfig::threads, 1, 1024),
                integer("queue_size", &WorkersConfig::queue_size, 1),
            },
    };
    return spec;
}

const TableSpec<LogConfig> &log_spec()
{
    static const TableSpec<LogConfig> spec{
        .title = "[log]",
        .keys =
            {
                string("level", &LogConfig::level, &check_log_level),
                string("format", &LogConfig::format, &check_log_format),
                path("file", &LogConfig::file),
            },
    };
    return spec;
}

Key<PluginConfig> action_timeouts_key()
{
    return {"action_timeouts_ms", [](Ctx &c, std::string_view k, const toml::node &n, PluginConfig &o) {
                const toml::table *t = get_table(c, k, n);
                if (!t)
                    return;
                for (auto &&[action, v] : *t) {
                    if (action.str().empty()) {
                        c.error(action.source(), "action names in " + in_quotes(k) + " must not be empty");
                        continue;
                    }
                    if (auto ms = get_int(c, std::string(k) + "." + std::string(action.str()), v, 1, INT_MAX))
                        o.action_timeouts_ms[std::string(action.str())] = static_cast<int>(*ms);
                }
            }};
}

Key<PluginConfig> plugin_config_key()
{
    return {"config", [](Ctx &c, std::string_view k, const toml::node &n, PluginConfig &o) {
                if (!get_table(c, k, n))
                    return;
                o.config_json = toml_to_json(n, [&c](const toml::node &where, std::string message) {
                    c.error(where.source(), "[plugin.config]: " + std::move(message));
                });
            }};
}

const TableSpec<PluginConfig> &plugin_spec()
{
    static const TableSpec<PluginConfig> spec{
        .title = "[[plugin]]",
        .keys =
            {
                string("name", &PluginConfig::name, &check_non_empty),
                string("path", &PluginConfig::path, &check_non_empty),
                boolean("blocking", &PluginConfig::blocking),
                integer("timeout_ms", &PluginConfig::timeout_ms, 1),
                action_timeouts_key(),
                plugin_config_key(),
            },
        .pos = &PluginConfig::pos,
        .check =
            [](Ctx &c, const toml::table &t, PluginConfig &) {
                require(c, t, "name", "[[plugin]]");
                require(c, t, "path", "[[plugin]]");
            },
    };
    return spec;
}

const TableSpec<EndpointConfig> &endpoint_spec()
{
    static const TableSpec<EndpointConfig> spec{
        .title = "[[endpoint]]",
        .keys =
            {
                string("path", &EndpointConfig::path, &check_url_path),
                choice("protocol", &EndpointConfig::protocol,
                       {{"json", EndpointProtocol::json}, {"raw", EndpointProtocol::raw}}),
                string("handler", &EndpointConfig::handler, &check_non_empty),
                strings("subprotocols", &EndpointConfig::subprotocols, &check_subprotocol),
                boolean("subprotocol_required", &EndpointConfig::subprotocol_required),
            },
        .pos = &EndpointConfig::pos,
        .check =
            [](Ctx &c, const toml::table &t, EndpointConfig &o) {
                require(c, t, "path", "[[endpoint]]");
                if (o.protocol == EndpointProtocol::raw && !t.contains("handler"))
                    c.error(t.source(), "[[endpoint]] with protocol = \"raw\" requires 'handler' (the "
                                        "[[plugin]] whose message handler takes its messages)");
                if (o.protocol == EndpointProtocol::json && t.contains("handler"))
                    c.error(
                        value_source(t, "handler"),
                        "'handler' applies to protocol = \"raw\" only: a JSON endpoint dispatches by action");
            },
    };
    return spec;
}

// An error at key `key` of the i-th [[endpoint]] table, or at the table.
void endpoint_key_error(Ctx &c, const toml::table &t, std::size_t i, std::string_view key,
                        const SourcePos &table, std::string message)
{
    const toml::node *n = t.at_path("endpoint").node();
    const toml::array *a = n ? n->as_array() : nullptr;
    const toml::table *et = a && i < a->size() ? (*a)[i].as_table() : nullptr;
    if (et && et->contains(key))
        c.error(value_source(*et, key), std::move(message));
    else
        c.error(table, std::move(message));
}

// A subprotocol listed twice, in one endpoint or two: lws cannot tell whose.
void check_subprotocols_unique(Ctx &c, const toml::table &t, const Config &o)
{
    for (std::size_t i = 0; i < o.endpoints.size(); ++i) {
        const auto &names = o.endpoints[i].subprotocols;
        for (std::size_t k = 0; k < names.size(); ++k) {
            std::string also;
            for (std::size_t j = 0; j <= i && also.empty(); ++j) {
                const auto &earlier = o.endpoints[j].subprotocols;
                const std::size_t end = j == i ? k : earlier.size();
                if (std::find(earlier.begin(), earlier.begin() + static_cast<std::ptrdiff_t>(end),
                              names[k]) != earlier.begin() + static_cast<std::ptrdiff_t>(end))
                    also =
                        j == i ? "listed twice" : "also listed by endpoint " + in_quotes(o.endpoints[j].path);
            }
            if (!also.empty())
                endpoint_key_error(c, t, i, "subprotocols", o.endpoints[i].pos,
                                   "[[endpoint]] " + in_quotes(o.endpoints[i].path) + ": subprotocol " +
                                       in_quotes(names[k]) + " " + also +
                                       " (names are unique across endpoints)");
        }
    }
}

// [[endpoint]] across tables: unique paths and subprotocols, handlers that
// name a [[plugin]]; then [server] path's JSON endpoint unless an entry took
// that path.
void check_endpoints(Ctx &c, const toml::table &t, Config &o)
{
    check_subprotocols_unique(c, t, o);
    for (std::size_t i = 0; i < o.endpoints.size(); ++i) {
        const EndpointConfig &e = o.endpoints[i];
        for (std::size_t j = 0; j < i; ++j)
            if (!e.path.empty() && e.path == o.endpoints[j].path) {
                c.error(e.pos, "duplicate endpoint path " + in_quotes(e.path) + " (also at " +
                                   at(o.endpoints[j].pos) + ")");
                break;
            }
        if (e.handler.empty())
            continue;
        bool found = false;
        for (const PluginConfig &p : o.plugins)
            found = found || p.name == e.handler;
        if (!found)
            endpoint_key_error(c, t, i, "handler", e.pos,
                               "[[endpoint]] " + in_quotes(e.path) + ": handler " + in_quotes(e.handler) +
                                   " names no [[plugin]]");
    }
    if (!endpoint_for(o, o.server.path)) {
        EndpointConfig json;
        json.path = o.server.path;
        // As before endpoints existed: a client may name "wshost", or nothing.
        json.subprotocols = {"wshost"};
        json.subprotocol_required = false;
        json.implicit = true;
        o.endpoints.push_back(std::move(json));
    }
}

// Checks across tables, then path resolution (plugin paths need plugin_dir).
void check_root(Ctx &c, const toml::table &t, Config &o)
{
    o.plugin_dir = resolve_path(c.dir, o.plugin_dir);
    for (PluginConfig &p : o.plugins) {
        if (p.path.empty())
            continue;
        p.resolved = p.path.find('/') == std::string::npos ? resolve_path(o.plugin_dir, p.path)
                                                           : resolve_path(c.dir, p.path);
    }
    for (std::size_t i = 0; i < o.plugins.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (!o.plugins[i].name.empty() && o.plugins[i].name == o.plugins[j].name) {
                c.error(o.plugins[i].pos, "duplicate plugin name " + in_quotes(o.plugins[i].name) +
                                              " (also at " + at(o.plugins[j].pos) + ")");
                break;
            }
    const std::string &a = o.auth.authenticator;
    if (a.rfind("plugin:", 0) == 0 && a.size() > 7) {
        const std::string name = a.substr(7);
        bool found = false;
        for (const PluginConfig &p : o.plugins)
            found = found || p.name == name;
        if (!found) {
            const toml::node *n = t.at_path("auth.authenticator").node();
            c.error(n ? n->source() : t.source(),
                    "authenticator " + in_quotes(a) + " refers to no [[plugin]] named " + in_quotes(name));
        }
    }
    check_endpoints(c, t, o);
}

const TableSpec<Config> &root_spec()
{
    static const TableSpec<Config> spec{
        .title = "the top-level table",
        .keys =
            {
                string("plugin_dir", &Config::plugin_dir, &check_non_empty),
                table("server", &Config::server, server_spec()),
                table("control", &Config::control, control_spec()),
                table("auth", &Config::auth, auth_spec()),
                table("websocket", &Config::websocket, websocket_spec()),
                table("workers", &Config::workers, workers_spec()),
                table("log", &Config::log, log_spec()),
                table("cluster", &Config::cluster, cluster_spec()),
                table_array("plugin", &Config::plugins, plugin_spec()),
                table_array("endpoint", &Config::endpoints, endpoint_spec()),
            },
        .check = &check_root,
    };
    return spec;
}

} // namespace

void read_config(Ctx &ctx, const toml::table &root, Config &out)
{
    read_table(ctx, root, root_spec(), out);
}

std::vector<std::string> key_paths()
{
    std::vector<std::string> out;
    root_spec().key_paths("", out);
    return out;
}

} // namespace wshost::cfg
