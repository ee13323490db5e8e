// Every kind of config error, with its exact line:col, and collecting many
// errors from one file. Positions: unknown keys point at the key, everything
// else at the value, missing keys at their table.
#include "config_test_util.h"

namespace wshost::test
{
namespace
{

using Errors = std::vector<std::string>;

TEST_F(ConfigTest, MissingFile)
{
    const std::string p = (dir_ / "nope.toml").string();
    ConfigLoad r = load_config(p);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_FALSE(r.config.has_value());
    EXPECT_EQ(r.errors[0].format(), p + ":0:0: cannot read config file: No such file or directory");
}

TEST_F(ConfigTest, SyntaxErrorIsOneErrorWithPosition)
{
    const std::string p = std::string(WSHOST_CONFIG_TESTDATA) + "/syntax_error.toml";
    ConfigLoad r = load_config(p);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].format(),
              p + ":4:7: Error while parsing key-value pair: expected value, saw '\\n'");
    EXPECT_EQ(error("[server]\nport = 80\nport = 81\n"),
              "3:8: Error while parsing key-value pair: cannot redefine existing integer 'port'");
}

TEST_F(ConfigTest, EndpointErrors)
{
    const std::string plugin = "[[plugin]]\nname = \"p\"\npath = \"p.so\"\n";
    EXPECT_EQ(errors(plugin + "[[endpoint]]\npath = \"raw\"\nprotocol = \"raw\"\nhandler = \"p\"\n"),
              (Errors{"5:8: 'path' must start with '/' (got 'raw')"}));
    EXPECT_EQ(errors(plugin + "[[endpoint]]\npath = \"/r\"\nprotocol = \"raw\"\n"),
              (Errors{"4:1: [[endpoint]] with protocol = \"raw\" requires 'handler' (the [[plugin]] whose "
                      "message handler takes its messages)"}));
    EXPECT_EQ(
        errors(plugin + "[[endpoint]]\npath = \"/j\"\nhandler = \"p\"\n"),
        (Errors{"6:11: 'handler' applies to protocol = \"raw\" only: a JSON endpoint dispatches by action"}));
    EXPECT_EQ(errors(plugin + "[[endpoint]]\npath = \"/r\"\nprotocol = \"raw\"\nhandler = \"q\"\n"),
              (Errors{"7:11: [[endpoint]] '/r': handler 'q' names no [[plugin]]"}));
    EXPECT_EQ(errors(plugin + "[[endpoint]]\npath = \"/r\"\nprotocol = \"raw\"\nhandler = \"p\"\n" +
                     "[[endpoint]]\npath = \"/r\"\n"),
              (Errors{"8:1: duplicate endpoint path '/r' (also at 4:1)"}));
    EXPECT_EQ(errors("[[endpoint]]\npath = \"/x\"\nprotocol = \"binary\"\n"),
              (Errors{"3:12: 'protocol' must be one of json, raw (got 'binary')"}));
    EXPECT_EQ(errors("[[endpoint]]\nprotocol = \"json\"\n"),
              (Errors{"1:1: missing required key 'path' in [[endpoint]]"}));
    EXPECT_EQ(
        error("[[endpoint]]\npath = \"/x\"\nsubprotocol = \"a\"\n"),
        "3:1: unknown key 'subprotocol' in [[endpoint]]; valid keys: path, protocol, handler, subprotocols, "
        "subprotocol_required");
    // Subprotocol names: tokens lws can match, unique across endpoints.
    EXPECT_EQ(
        error("[[endpoint]]\npath = \"/x\"\nsubprotocols = [\"chat v1\"]\n"),
        "3:17: 'subprotocols': 'chat v1' is not a token (RFC 7230: letters, digits and !#$%&'*+-.^_`|~)");
    EXPECT_EQ(error("[[endpoint]]\npath = \"/x\"\nsubprotocols = [\"1.0\"]\n"),
              "3:17: 'subprotocols': '1.0' is a number; libwebsockets cannot match it");
    EXPECT_EQ(error("[[endpoint]]\npath = \"/x\"\nsubprotocols = [\"" + std::string(63, 'a') + "\"]\n"),
              "3:17: 'subprotocols': '" + std::string(63, 'a') + "' is longer than 62 bytes");
    EXPECT_EQ(error("[[endpoint]]\npath = \"/x\"\nsubprotocols = [\"a\", \"b\", \"a\"]\n"),
              "3:16: [[endpoint]] '/x': subprotocol 'a' listed twice (names are unique across endpoints)");
    EXPECT_EQ(
        error("[[endpoint]]\npath = \"/x\"\nsubprotocols = [\"a\"]\n"
              "[[endpoint]]\npath = \"/y\"\nsubprotocols = [\"b\", \"a\"]\n"),
        "6:16: [[endpoint]] '/y': subprotocol 'a' also listed by endpoint '/x' (names are unique across "
        "endpoints)");
    EXPECT_EQ(error("[[endpoint]]\npath = \"/x\"\nsubprotocol_required = \"yes\"\n"),
              "3:24: 'subprotocol_required' must be a boolean");
}

TEST_F(ConfigTest, EndpointTable)
{
    // [server] path is a JSON endpoint unless an [[endpoint]] takes its path.
    std::optional<Config> c = ok("[server]\npath = \"/ws\"\n[[plugin]]\nname = \"p\"\npath = \"p.so\"\n"
                                 "[[endpoint]]\npath = \"/raw\"\nprotocol = \"raw\"\nhandler = \"p\"\n");
    ASSERT_EQ(c->endpoints.size(), 2u);
    const EndpointConfig *raw = endpoint_for(*c, "/raw");
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->protocol, EndpointProtocol::raw);
    EXPECT_EQ(raw->handler, "p");
    const EndpointConfig *json = endpoint_for(*c, "/ws");
    ASSERT_TRUE(json);
    EXPECT_EQ(json->protocol, EndpointProtocol::json);
    EXPECT_TRUE(json->implicit);
    EXPECT_EQ(json->subprotocols, std::vector<std::string>{"wshost"}); // as before endpoints existed
    EXPECT_FALSE(json->subprotocol_required);
    EXPECT_TRUE(raw->subprotocols.empty());
    EXPECT_TRUE(raw->subprotocol_required);
    EXPECT_FALSE(endpoint_for(*c, "/"));
    c = ok("[[plugin]]\nname = \"p\"\npath = \"p.so\"\n"
           "[[endpoint]]\npath = \"/\"\nprotocol = \"raw\"\nhandler = \"p\"\n");
    ASSERT_EQ(c->endpoints.size(), 1u);
    EXPECT_EQ(endpoint_for(*c, "/")->protocol, EndpointProtocol::raw);
}

TEST_F(ConfigTest, UnknownKeysListValidKeys)
{
    EXPECT_EQ(
        error("\n[websocket]\nmax_message_size = 10\n"),
        "3:1: unknown key 'max_message_size' in [websocket]; valid keys: origins, allow_missing_origin, "
        "max_message_bytes, max_fragments, compression, ping_interval_s, idle_timeout_s, "
        "send_queue_max_messages, "
        "send_queue_max_bytes, slow_consumer_policy, slow_consumer_grace_ms, rate_limit_per_s, "
        "rate_limit_burst, client_tags, max_connections, max_connections_per_ip, max_handshakes_per_ip, "
        "trusted_proxies, rx_buffer_bytes, max_frame_bytes, close_timeout_ms");
    EXPECT_EQ(
        error("plugins_dir = \"x\"\n"),
        "1:1: unknown key 'plugins_dir' in the top-level table; valid keys: plugin_dir, server, control, "
        "auth, websocket, workers, log, cluster, plugin, endpoint");
    EXPECT_EQ(error("[server.tls]\ncert = \"x\"\n"),
              "2:1: unknown key 'cert' in [server.tls]; valid keys: enabled, cert_file, key_file");
    EXPECT_EQ(error("[server]\ntls.enable = true\n"),
              "2:5: unknown key 'enable' in [server.tls]; valid keys: enabled, cert_file, key_file");
    EXPECT_EQ(
        errors("[control]\ntokens = [{ token = \"t\", scope = [\"push\"] }]\n"),
        (Errors{"2:11: missing required key 'scopes' in [[control.tokens]]",
                "2:26: unknown key 'scope' in [[control.tokens]]; valid keys: token, token_file, scopes"}));
    EXPECT_EQ(errors("[control]\ntokens = [{ token = \"t\", scopes = [\"push\"], x = 1 }]\n"),
              (Errors{"2:45: unknown key 'x' in [[control.tokens]]; valid keys: token, token_file, scopes"}));
    EXPECT_EQ(error("[[plugin]]\nname = \"a\"\npath = \"a.so\"\ntimeout = 5\n"),
              "4:1: unknown key 'timeout' in [[plugin]]; valid keys: name, path, blocking, timeout_ms, "
              "action_timeouts_ms, config");
    EXPECT_EQ(error("[auth.jwt]\nleeway = 5\n"),
              "2:1: unknown key 'leeway' in [auth.jwt]; valid keys: keys, cookie, query_param, leeway_s");
}

TEST_F(ConfigTest, WrongTypes)
{
    EXPECT_EQ(error("[server]\nport = \"8080\"\n"), "2:8: 'port' must be an integer");
    EXPECT_EQ(error("[server]\nport = 8080.0\n"), "2:8: 'port' must be an integer");
    EXPECT_EQ(error("[server]\naddress = 127\n"), "2:11: 'address' must be a string");
    EXPECT_EQ(error("[control]\nenabled = 1\n"), "2:11: 'enabled' must be a boolean");
    EXPECT_EQ(error("[websocket]\norigins = \"*\"\n"), "2:11: 'origins' must be an array of strings");
    EXPECT_EQ(error("[websocket]\norigins = [\"*\", 1]\n"), "2:17: 'origins' must be an array of strings");
    EXPECT_EQ(error("server = 1\n"), "1:10: 'server' must be a table");
    EXPECT_EQ(error("[plugin]\nname = \"a\"\n"), "1:1: 'plugin' must be an array of tables");
    EXPECT_EQ(error("[control]\ntokens = [\"secret\"]\n"), "2:11: 'tokens' must be an array of tables");
    EXPECT_EQ(error("[[plugin]]\nname = \"a\"\npath = \"a.so\"\nconfig = \"x\"\n"),
              "4:10: 'config' must be a table");
    EXPECT_EQ(error("[[plugin]]\nname = \"a\"\npath = \"a.so\"\naction_timeouts_ms = { go = \"1s\" }\n"),
              "4:29: 'action_timeouts_ms.go' must be an integer");
}

TEST_F(ConfigTest, BadValues)
{
    EXPECT_EQ(error("[server]\naddress = \"localhost\"\n"),
              "2:11: 'address' must be an IPv4 or IPv6 literal such as 127.0.0.1 or ::1; host names are not "
              "resolved (got 'localhost')");
    EXPECT_EQ(error("[control]\naddress = \"[::1]\"\n"),
              "2:11: 'address' must be an IPv4 or IPv6 literal such as 127.0.0.1 or ::1; host names are not "
              "resolved (got '[::1]')");
    EXPECT_EQ(error("[server]\nport = 65536\n"), "2:8: 'port' must be between 0 and 65535");
    EXPECT_EQ(error("[control]\nport = -1\n"), "2:8: 'port' must be between 0 and 65535");
    EXPECT_EQ(error("[server]\npath = \"ws\"\n"), "2:8: 'path' must start with '/' (got 'ws')");
    EXPECT_EQ(error("[control]\nmax_body_bytes = 0\n"), "2:18: 'max_body_bytes' must be greater than 0");
    EXPECT_EQ(error("[auth]\ntimeout_ms = 0\n"), "2:14: 'timeout_ms' must be greater than 0");
    EXPECT_EQ(error("[auth]\ntimeout_ms = 3000000000\n"), "2:14: 'timeout_ms' must be at most 2147483647");
    EXPECT_EQ(error("[auth.jwt]\nleeway_s = -5\n"), "2:12: 'leeway_s' must not be negative");
    EXPECT_EQ(error("[workers]\nthreads = 0\n"), "2:11: 'threads' must be between 1 and 1024");
    EXPECT_EQ(error("[websocket]\nsend_queue_max_bytes = -1\n"),
              "2:24: 'send_queue_max_bytes' must be greater than 0");
    EXPECT_EQ(error("[server]\nevent_loop = \"epoll\"\n"),
              "2:14: 'event_loop' must be one of poll, libev (got 'epoll')");
    EXPECT_EQ(error("[server]\nevent_loop = 1\n"), "2:14: 'event_loop' must be a string");
    EXPECT_EQ(error("[server]\nframe_reader = \"uws\"\n"),
              "2:16: 'frame_reader' must be one of host, lws (got 'uws')");
    EXPECT_EQ(error("[websocket]\nmax_fragments = -1\n"), "2:17: 'max_fragments' must not be negative");
    EXPECT_EQ(error("[websocket]\nslow_consumer_policy = \"drop\"\n"),
              "2:24: 'slow_consumer_policy' must be one of disconnect, drop_oldest (got 'drop')");
    EXPECT_EQ(error("[websocket]\norigins = [\"https://a.example/\"]\n"),
              "2:12: 'origins' entries must be \"*\" or scheme://host[:port] with no path or trailing slash "
              "(got 'https://a.example/')");
    EXPECT_EQ(
        error("[websocket]\ntrusted_proxies = [\"lb.internal\"]\n"),
        "2:20: 'trusted_proxies' must be an IPv4 or IPv6 literal such as 127.0.0.1 or ::1; host names are "
        "not resolved (got 'lb.internal')");
    EXPECT_EQ(error("[websocket]\nclient_tags = [\"\"]\n"), "2:16: 'client_tags' must not be empty");
    EXPECT_EQ(error("[log]\nlevel = \"trace\"\n"),
              "2:9: 'level' must be one of error, warn, info, debug (got 'trace')");
    EXPECT_EQ(error("[log]\nformat = \"logfmt\"\n"),
              "2:10: 'format' must be \"text\" or \"json\" (got 'logfmt')");
    EXPECT_EQ(error("[server]\nstatic_dir = \"no-such-dir\"\n"),
              "2:14: [server] static_dir: '" + (dir_ / "no-such-dir").string() + "' is not a directory");
    write("a-file", "x");
    EXPECT_EQ(error("[server]\nstatic_dir = \"a-file\"\n"),
              "2:14: [server] static_dir: '" + (dir_ / "a-file").string() + "' is not a directory");
    EXPECT_EQ(error("plugin_dir = \"\"\n"), "1:14: 'plugin_dir' must not be empty");
}

TEST_F(ConfigTest, Scopes)
{
    EXPECT_EQ(error("[control]\ntokens = [{ token = \"t\", scopes = [\"push\", \"root\"] }]\n"),
              "2:44: unknown scope 'root' in 'scopes'; valid scopes: push, admin, metrics");
    EXPECT_EQ(error("[control]\ntokens = [{ token = \"t\", scopes = [] }]\n"),
              "2:35: 'scopes' must not be empty");
}

TEST_F(ConfigTest, SecretAlternatives)
{
    EXPECT_EQ(error("[control]\ntokens = [{ scopes = [\"push\"] }]\n"),
              "2:11: missing 'token' or 'token_file' in [[control.tokens]]");
    EXPECT_EQ(error("[control]\ntokens = [{ token = \"\", scopes = [\"push\"] }]\n"),
              "2:21: 'token' must not be empty");
    EXPECT_EQ(error("[[auth.jwt.keys]]\nkid = \"a\"\n"),
              "1:1: missing 'secret' or 'secret_file' in [[auth.jwt.keys]]");
    write("k", "x");
    EXPECT_EQ(error("[control]\ntokens = [{ token = \"t\", token_file = \"k\", scopes = [\"push\"] }]\n"),
              "2:39: 'token' and 'token_file' are mutually exclusive");
}

TEST_F(ConfigTest, Authenticator)
{
    EXPECT_EQ(error("[auth]\nauthenticator = \"basic\"\n"),
              "2:17: 'authenticator' must be \"none\", \"jwt\" or \"plugin:NAME\" (got 'basic')");
    EXPECT_EQ(error("[auth]\nauthenticator = \"plugin:\"\n"),
              "2:17: 'authenticator' must be \"none\", \"jwt\" or \"plugin:NAME\" (got 'plugin:')");
    EXPECT_EQ(error("[auth]\nauthenticator = \"plugin:apps\"\n"),
              "2:17: authenticator 'plugin:apps' refers to no [[plugin]] named 'apps'");
    EXPECT_EQ(error("[auth]\nauthenticator = \"jwt\"\n"),
              "2:17: authenticator \"jwt\" needs at least one [[auth.jwt.keys]] entry");
    ok("[auth]\nauthenticator = \"plugin:apps\"\n[[plugin]]\nname = \"apps\"\npath = \"apps.so\"\n");
    EXPECT_EQ(error("[[auth.jwt.keys]]\nkid = \"a\"\nsecret = \"x\"\n[[auth.jwt.keys]]\nkid = \"a\"\nsecret "
                    "= \"y\"\n"),
              "4:1: duplicate kid 'a' in [[auth.jwt.keys]] (also at 1:1)");
}

TEST_F(ConfigTest, Plugins)
{
    EXPECT_EQ(error("[[plugin]]\nname = \"\"\npath = \"a.so\"\n"), "2:8: 'name' must not be empty");
    EXPECT_EQ(error("[[plugin]]\nname = \"a\"\npath = \"\"\n"), "3:8: 'path' must not be empty");
    EXPECT_EQ(error("[[plugin]]\npath = \"a.so\"\n"), "1:1: missing required key 'name' in [[plugin]]");
    EXPECT_EQ(error("[[plugin]]\nname = \"a\"\n"), "1:1: missing required key 'path' in [[plugin]]");
    EXPECT_EQ(error("[[plugin]]\nname = \"a\"\npath = \"a.so\"\ntimeout_ms = 0\n"),
              "4:14: 'timeout_ms' must be greater than 0");
    EXPECT_EQ(error("[[plugin]]\nname = \"a\"\npath = \"a.so\"\naction_timeouts_ms = { go = 0 }\n"),
              "4:29: 'action_timeouts_ms.go' must be greater than 0");
    EXPECT_EQ(
        error("[[plugin]]\nname = \"a\"\npath = \"a.so\"\n\n[[plugin]]\nname = \"a\"\npath = \"b.so\"\n"),
        "5:1: duplicate plugin name 'a' (also at 1:1)");
    EXPECT_EQ(error("[[plugin]]\nname = \"a\"\npath = \"a.so\"\n[plugin.config]\nratio = nan\n"),
              "5:9: [plugin.config]: nan cannot be represented in JSON");
}

TEST_F(ConfigTest, TlsNeedsCertAndKey)
{
    EXPECT_EQ(errors("[server.tls]\nenabled = true\n"),
              (Errors{"2:11: [server.tls] enabled = true requires 'cert_file'",
                      "2:11: [server.tls] enabled = true requires 'key_file'"}));
    EXPECT_EQ(error("[server.tls]\nenabled = true\ncert_file = \"c.pem\"\n"),
              "2:11: [server.tls] enabled = true requires 'key_file'");
    // [control.tls]: the same keys and checks, under its own name.
    EXPECT_EQ(errors("[control.tls]\nenabled = true\n"),
              (Errors{"2:11: [control.tls] enabled = true requires 'cert_file'",
                      "2:11: [control.tls] enabled = true requires 'key_file'"}));
    EXPECT_EQ(error("[control.tls]\ncert = \"x\"\n"),
              "2:1: unknown key 'cert' in [control.tls]; valid keys: enabled, cert_file, key_file");
    EXPECT_EQ(error("[control]\nsocket = \"c.sock\"\n[control.tls]\nenabled = true\n"
                    "cert_file = \"c.pem\"\nkey_file = \"k.pem\"\n"),
              "2:10: [control.tls] applies to address/port: a Unix socket is served without TLS");
}

TEST_F(ConfigTest, ControlChecks)
{
    EXPECT_EQ(error("[control]\ntokens = [{ token = \"t\", scopes = [\"push\"] }, { token = \"t\", scopes = "
                    "[\"admin\"] }]\n"),
              "2:47: duplicate control token (same value as the token at 2:11)");
    EXPECT_EQ(error("[control]\nsocket = \"/" + std::string(120, 's') + "\"\n"),
              "2:10: 'socket' resolves to a path of 121 bytes; a Unix socket path holds at most 107");
}

TEST_F(ConfigTest, ClusterChecks)
{
    EXPECT_EQ(error("[cluster]\nengine = \"nats\"\n"),
              "2:10: 'engine' must be one of none, redis (got 'nats')");
    EXPECT_EQ(error("[cluster]\nnode_id = \"a b\"\n"),
              "2:11: 'node_id' must not contain spaces, control characters or *?[]\\ (got 'a b')");
    EXPECT_EQ(error("[cluster]\nheartbeat_ms = 1000\nnode_ttl_ms = 1000\n"),
              "3:15: [cluster] node_ttl_ms (1000) must be greater than heartbeat_ms (1000)");
    EXPECT_EQ(error("[cluster]\nheartbeat_ms = 6000\n"),
              "2:16: [cluster] node_ttl_ms (5000) must be greater than heartbeat_ms (6000)");
    EXPECT_EQ(error("[cluster.redis]\naddress = \"localhost:6379\"\n"),
              "2:11: 'address' must be an IP literal and a port, like \"127.0.0.1:6379\" or \"[::1]:6379\" "
              "(got 'localhost:6379')");
    EXPECT_EQ(error("[cluster.redis]\naddress = \"::1:6379\"\n"),
              "2:11: 'address' must be an IP literal and a port, like \"127.0.0.1:6379\" or \"[::1]:6379\" "
              "(got '::1:6379')");
    EXPECT_EQ(error("[cluster.redis]\naddress = \"127.0.0.1:0\"\n"),
              "2:11: 'address' must be an IP literal and a port, like \"127.0.0.1:6379\" or \"[::1]:6379\" "
              "(got '127.0.0.1:0')");
    EXPECT_EQ(error("[cluster.redis]\naddress = \"127.0.0.1:6379\"\nsocket = \"/run/redis.sock\"\n"),
              "3:10: [cluster.redis] 'address' and 'socket' are exclusive: set one of them");
    write("pw", "secret\n");
    EXPECT_EQ(error("[cluster.redis]\npassword = \"x\"\npassword_file = \"pw\"\n"),
              "3:17: [cluster.redis] 'password' and 'password_file' are exclusive: set one of them");
    EXPECT_EQ(error("[cluster.redis]\npassword_file = \"missing\"\n").substr(0, 5), "2:17:");
    EXPECT_EQ(error("[cluster.redis]\nprefix = \"\"\n").substr(0, 5), "2:10:");
    EXPECT_EQ(error("[cluster.redis]\ndb = -1\n").substr(0, 5), "2:6: ");
    EXPECT_EQ(error("[cluster.redis]\nhost = \"x\"\n"),
              "2:1: unknown key 'host' in [cluster.redis]; valid keys: address, socket, password, "
              "password_file, db, prefix");

    // The password file is read at load, like the other *_file secrets.
    Config c = ok("[cluster]\nengine = \"redis\"\nnode_id = \"n1\"\n[cluster.redis]\nsocket = \"r.sock\"\n"
                  "password_file = \"pw\"\ndb = 3\nprefix = \"c1\"\n");
    EXPECT_EQ(c.cluster.engine, "redis");
    EXPECT_EQ(c.cluster.node_id, "n1");
    EXPECT_EQ(c.cluster.redis.password, "secret");
    EXPECT_EQ(c.cluster.redis.socket, (dir_ / "r.sock").string());
    EXPECT_EQ(c.cluster.redis.db, 3);
    EXPECT_EQ(c.cluster.redis.prefix, "c1");
    EXPECT_EQ(ok("[cluster.redis]\naddress = \"[::1]:6380\"\n").cluster.redis.address, "[::1]:6380");
}

// Every error of a file, in file order, from one load.
TEST_F(ConfigTest, CollectsAllErrorsInFileOrder)
{
    const std::string p = std::string(WSHOST_CONFIG_TESTDATA) + "/many_errors.toml";
    ConfigLoad r = load_config(p);
    EXPECT_FALSE(r.config.has_value());
    std::vector<std::string> got;
    for (const ConfigError &e : r.errors)
        got.push_back(e.format());
    const std::vector<std::string> want = {
        p + ":4:1: unknown key 'plugins_dir' in the top-level table; valid keys: plugin_dir, server, "
            "control, "
            "auth, websocket, workers, log, cluster, plugin, endpoint",
        p + ":7:11: 'address' must be an IPv4 or IPv6 literal such as 127.0.0.1 or ::1; host names are not "
            "resolved (got 'localhost')",
        p + ":8:8: 'port' must be between 0 and 65535",
        p + ":9:8: 'path' must start with '/' (got 'ws')",
        p + ":12:1: unknown key 'max_message_size' in [websocket]; valid keys: origins, "
            "allow_missing_origin, "
            "max_message_bytes, max_fragments, compression, ping_interval_s, idle_timeout_s, "
            "send_queue_max_messages, "
            "send_queue_max_bytes, slow_consumer_policy, slow_consumer_grace_ms, rate_limit_per_s, "
            "rate_limit_burst, client_tags, max_connections, max_connections_per_ip, max_handshakes_per_ip, "
            "trusted_proxies, rx_buffer_bytes, max_frame_bytes, close_timeout_ms",
        p + ":13:15: 'compression' must be a boolean",
        p + ":16:9: 'level' must be one of error, warn, info, debug (got 'verbose')",
        p + ":18:1: missing required key 'path' in [[plugin]]",
        p + ":21:1: duplicate plugin name 'echo' (also at 18:1)",
    };
    EXPECT_EQ(got, want);
}

} // namespace
} // namespace wshost::test
