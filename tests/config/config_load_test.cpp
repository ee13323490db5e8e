// The shipped etc/wshost.toml, the defaults of config.h, and secret files.
#include "config/config_schema.h"
#include "config_test_util.h"

#include <sys/stat.h>

#include <set>

namespace wshost::test
{
namespace
{

const std::string kShipped = std::string(WSHOST_SOURCE_DIR) + "/etc/wshost.toml";

std::string normal(const std::filesystem::path &p)
{
    std::filesystem::path n = p.lexically_normal();
    if (!n.has_filename() && n.has_relative_path())
        n = n.parent_path();
    return n.string();
}

TEST(ShippedConfig, LoadsWithoutErrors)
{
    ConfigLoad r = load_config(kShipped);
    for (const ConfigError &e : r.errors)
        ADD_FAILURE() << e.format();
    ASSERT_TRUE(r.config.has_value());
    const Config &c = *r.config;
    EXPECT_EQ(c.file, kShipped);
    EXPECT_EQ(c.dir, normal(std::string(WSHOST_SOURCE_DIR) + "/etc"));
    EXPECT_EQ(c.plugin_dir, normal(std::string(WSHOST_SOURCE_DIR) + "/build/plugins"));
    ASSERT_EQ(c.plugins.size(), 4u);
    EXPECT_EQ(c.plugins[0].name, "echo");
    EXPECT_EQ(c.plugins[0].path, "echo.so");
    EXPECT_EQ(c.plugins[0].resolved, c.plugin_dir + "/echo.so");
    EXPECT_EQ(c.plugins[0].config_json, R"({"prefix":"Echo: "})");
    EXPECT_EQ(c.plugins[1].name, "sum");
    EXPECT_EQ(c.plugins[1].resolved, c.plugin_dir + "/sum.so");
    EXPECT_EQ(c.plugins[1].config_json, "{}");
    EXPECT_EQ(c.plugins[2].name, "rooms");
    EXPECT_EQ(c.plugins[2].resolved, c.plugin_dir + "/rooms.so");
    EXPECT_EQ(c.plugins[3].name, "raw-echo");
    // The raw endpoint of the raw-echo example, then [server] path's JSON one.
    ASSERT_EQ(c.endpoints.size(), 2u);
    EXPECT_EQ(c.endpoints[0].path, "/raw");
    EXPECT_EQ(c.endpoints[0].protocol, EndpointProtocol::raw);
    EXPECT_EQ(c.endpoints[0].handler, "raw-echo");
    EXPECT_EQ(c.endpoints[1].path, "/");
    EXPECT_TRUE(c.endpoints[1].implicit);
    // The one development token, with every scope.
    ASSERT_EQ(c.control.tokens.size(), 1u);
    EXPECT_EQ(c.control.tokens[0].token, "dev-only-change-me");
    EXPECT_EQ(c.control.tokens[0].scopes, (std::vector<std::string>{"push", "admin", "metrics"}));
    // Development profile: loopback only, anonymous clients and missing Origin allowed.
    EXPECT_EQ(c.server.address, "127.0.0.1");
    EXPECT_EQ(c.control.address, "127.0.0.1");
    EXPECT_TRUE(c.auth.allow_anonymous);
    EXPECT_TRUE(c.websocket.allow_missing_origin);
}

// Key by key: etc/wshost.toml sets every value to config.h's default, except
// the deliberate development-profile differences, which the file documents:
//   plugin_dir        "../build/plugins"   (default "plugins")
//   server.static_dir the demo directory   (default "": no static files)
//   websocket.client_tags ["name"]         (default [])
//   control.tokens    one dev token        (default none)
//   plugins           echo and sum         (default none)
TEST(ShippedConfig, MatchesDefaultsExceptDocumentedDevDifferences)
{
    ConfigLoad r = load_config(kShipped);
    ASSERT_TRUE(r.config.has_value());
    const Config &s = *r.config;
    const Config d;

    EXPECT_EQ(s.server.address, d.server.address);
    EXPECT_EQ(s.server.port, d.server.port);
    EXPECT_EQ(s.server.path, d.server.path);
    EXPECT_EQ(s.server.max_header_bytes, d.server.max_header_bytes);
    EXPECT_EQ(s.server.event_loop, d.server.event_loop);
    EXPECT_EQ(s.server.frame_reader, d.server.frame_reader);
    EXPECT_EQ(s.websocket.max_fragments, d.websocket.max_fragments);
    EXPECT_EQ(d.server.static_dir, ""); // dev difference: the browser demo
    EXPECT_EQ(s.server.static_dir,
              std::filesystem::weakly_canonical(std::string(WSHOST_SOURCE_DIR) + "/demo").string());
    EXPECT_EQ(s.server.tls.enabled, d.server.tls.enabled);
    EXPECT_EQ(s.server.tls.cert_file, d.server.tls.cert_file);
    EXPECT_EQ(s.server.tls.key_file, d.server.tls.key_file);

    EXPECT_EQ(s.control.enabled, d.control.enabled);
    EXPECT_EQ(s.control.address, d.control.address);
    EXPECT_EQ(s.control.port, d.control.port);
    EXPECT_EQ(s.control.socket, d.control.socket);
    EXPECT_EQ(s.control.max_body_bytes, d.control.max_body_bytes);
    EXPECT_EQ(s.control.tls.enabled, d.control.tls.enabled);
    EXPECT_EQ(s.control.tls.cert_file, d.control.tls.cert_file);
    EXPECT_EQ(s.control.tls.key_file, d.control.tls.key_file);
    EXPECT_TRUE(d.control.tokens.empty()); // dev difference: one token (checked above)

    EXPECT_EQ(s.auth.authenticator, d.auth.authenticator);
    EXPECT_EQ(s.auth.allow_anonymous, d.auth.allow_anonymous);
    EXPECT_EQ(s.auth.timeout_ms, d.auth.timeout_ms);
    EXPECT_EQ(s.auth.jwt.keys.size(), d.auth.jwt.keys.size());
    EXPECT_EQ(s.auth.jwt.cookie, d.auth.jwt.cookie);
    EXPECT_EQ(s.auth.jwt.query_param, d.auth.jwt.query_param);
    EXPECT_EQ(s.auth.jwt.leeway_s, d.auth.jwt.leeway_s);

    const WebSocketConfig &sw = s.websocket, &dw = d.websocket;
    EXPECT_EQ(sw.origins, dw.origins);
    EXPECT_EQ(sw.allow_missing_origin, dw.allow_missing_origin);
    EXPECT_EQ(sw.max_message_bytes, dw.max_message_bytes);
    EXPECT_EQ(sw.compression, dw.compression);
    EXPECT_EQ(sw.ping_interval_s, dw.ping_interval_s);
    EXPECT_EQ(sw.idle_timeout_s, dw.idle_timeout_s);
    EXPECT_EQ(sw.send_queue_max_messages, dw.send_queue_max_messages);
    EXPECT_EQ(sw.send_queue_max_bytes, dw.send_queue_max_bytes);
    EXPECT_EQ(sw.slow_consumer_policy, dw.slow_consumer_policy);
    EXPECT_EQ(sw.slow_consumer_grace_ms, dw.slow_consumer_grace_ms);
    EXPECT_EQ(sw.rate_limit_per_s, dw.rate_limit_per_s);
    EXPECT_EQ(sw.rate_limit_burst, dw.rate_limit_burst);
    EXPECT_TRUE(dw.client_tags.empty()); // dev difference: the demo's "name" tag
    EXPECT_EQ(sw.client_tags, std::vector<std::string>{"name"});
    EXPECT_EQ(sw.max_connections, dw.max_connections);
    EXPECT_EQ(sw.max_connections_per_ip, dw.max_connections_per_ip);
    EXPECT_EQ(sw.max_handshakes_per_ip, dw.max_handshakes_per_ip);
    EXPECT_EQ(sw.trusted_proxies, dw.trusted_proxies);
    EXPECT_EQ(sw.rx_buffer_bytes, dw.rx_buffer_bytes);

    EXPECT_EQ(s.workers.threads, d.workers.threads);
    EXPECT_EQ(s.workers.queue_size, d.workers.queue_size);
    EXPECT_EQ(s.log.level, d.log.level);
    EXPECT_EQ(s.log.file, d.log.file);
    EXPECT_EQ(s.log.format, d.log.format);

    EXPECT_EQ(s.cluster.engine, "none");
    EXPECT_EQ(s.cluster.engine, d.cluster.engine);
    EXPECT_EQ(s.cluster.node_id, d.cluster.node_id);
    EXPECT_EQ(s.cluster.heartbeat_ms, d.cluster.heartbeat_ms);
    EXPECT_EQ(s.cluster.node_ttl_ms, d.cluster.node_ttl_ms);
    EXPECT_EQ(s.cluster.redis.address, d.cluster.redis.address);
    EXPECT_EQ(s.cluster.redis.socket, d.cluster.redis.socket);
    EXPECT_EQ(s.cluster.redis.password, d.cluster.redis.password);
    EXPECT_EQ(s.cluster.redis.db, d.cluster.redis.db);
    EXPECT_EQ(s.cluster.redis.prefix, d.cluster.redis.prefix);

    EXPECT_EQ(d.plugin_dir, "plugins"); // dev difference: "../build/plugins"
    EXPECT_TRUE(d.plugins.empty());     // dev difference: echo and sum
    // The plugins themselves use PluginConfig's defaults.
    const PluginConfig dp;
    for (const PluginConfig &p : s.plugins) {
        EXPECT_EQ(p.blocking, dp.blocking) << p.name;
        EXPECT_EQ(p.timeout_ms, dp.timeout_ms) << p.name;
        EXPECT_EQ(p.action_timeouts_ms, dp.action_timeouts_ms) << p.name;
    }
}

// Every key of the schema is written out in the shipped file, except the
// alternatives that cannot sit beside their twin or would be unsafe to ship.
TEST(ShippedConfig, WritesEveryKey)
{
    const std::set<std::string> not_written = {
        "control.tokens.token_file",   // alternative to token
        "cluster.redis.password_file", // alternative to password
        "auth.jwt.keys",               // no JWT keys in the dev profile (a commented example instead)
        "auth.jwt.keys.kid",
        "auth.jwt.keys.secret",
        "auth.jwt.keys.secret_file",
    };
    toml::table root = toml::parse_file(kShipped);
    for (const std::string &path : cfg::key_paths()) {
        if (not_written.count(path))
            continue;
        const toml::node *n = &root;
        std::string rest = path;
        while (n && !rest.empty()) {
            if (const toml::array *a = n->as_array()) // arrays of tables: look in the first
                n = a->empty() ? nullptr : a->get(0);
            const auto dot = rest.find('.');
            const std::string part = rest.substr(0, dot);
            rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
            n = n && n->is_table() ? n->as_table()->get(part) : nullptr;
        }
        EXPECT_NE(n, nullptr) << "etc/wshost.toml lacks " << path;
    }
}

// The package's /etc/wshost/wshost.toml: not the development profile.
TEST(PackagedConfig, IsAProductionProfile)
{
    ConfigLoad r = load_config(std::string(WSHOST_SOURCE_DIR) + "/packaging/wshost.toml");
    ASSERT_TRUE(r.config.has_value()) << (r.errors.empty() ? "" : r.errors[0].format());
    const Config &c = *r.config;
    EXPECT_EQ(c.plugin_dir, "/usr/lib/wshost/plugins");
    EXPECT_EQ(c.server.address, "0.0.0.0");
    EXPECT_EQ(c.server.static_dir, "");
    EXPECT_EQ(c.control.socket, "/run/wshost/control.sock"); // RuntimeDirectory=wshost
    EXPECT_TRUE(c.control.tokens.empty());                   // no development token
    EXPECT_FALSE(c.websocket.allow_missing_origin);
    EXPECT_TRUE(c.websocket.client_tags.empty());
    EXPECT_EQ(c.auth.jwt.query_param, "");
    EXPECT_TRUE(c.plugins.empty());
}

TEST_F(ConfigTest, StaticDirAndLogFormat)
{
    std::filesystem::create_directories(dir_ / "web");
    Config c = ok("[server]\nstatic_dir = \"web\"\n[log]\nformat = \"json\"\n");
    EXPECT_EQ(c.server.static_dir, (dir_ / "web").string()); // relative to the config's directory
    EXPECT_EQ(c.log.format, "json");
    const Config d;
    EXPECT_EQ(d.server.static_dir, "");
    EXPECT_EQ(d.log.format, "text");
}

TEST_F(ConfigTest, EmptyFileGivesDefaults)
{
    Config c = ok("");
    const Config d;
    EXPECT_EQ(c.server.port, d.server.port);
    EXPECT_EQ(c.server.event_loop, EventLoop::libev);
    EXPECT_EQ(c.auth.authenticator, "none");
    EXPECT_EQ(c.websocket.slow_consumer_policy, SlowConsumerPolicy::disconnect);
    EXPECT_EQ(c.dir, dir_.string());
    EXPECT_EQ(c.plugin_dir, (dir_ / "plugins").string()); // resolved even when defaulted
}

TEST_F(ConfigTest, ReadsEveryKindOfValue)
{
    Config c = ok(R"(
[server]
address = "::1"
port = 0
path = "/ws"
event_loop = "poll"
[control]
socket = "/run/wshost.sock"
max_body_bytes = 4096
[auth]
authenticator = "jwt"
[[auth.jwt.keys]]
kid = "a"
secret = "k1"
[[auth.jwt.keys]]
secret = "k2"
[websocket]
origins = ["https://app.example.com", "http://localhost:3000", "*"]
slow_consumer_policy = "drop_oldest"
client_tags = ["language"]
trusted_proxies = ["10.0.0.1", "fd00::1"]
max_message_bytes = 9000000000
[log]
level = "debug"
[[plugin]]
name = "p"
path = "p.so"
blocking = true
timeout_ms = 250
action_timeouts_ms = { slow = 60000, fast = 10 }
)");
    EXPECT_EQ(c.server.address, "::1");
    EXPECT_EQ(c.server.port, 0);
    EXPECT_EQ(c.server.path, "/ws");
    EXPECT_EQ(c.server.event_loop, EventLoop::poll);
    EXPECT_EQ(c.control.socket, "/run/wshost.sock");
    EXPECT_EQ(c.control.max_body_bytes, 4096u);
    ASSERT_EQ(c.auth.jwt.keys.size(), 2u);
    EXPECT_EQ(c.auth.jwt.keys[0].kid, "a");
    EXPECT_EQ(c.auth.jwt.keys[0].secret, "k1");
    EXPECT_EQ(c.auth.jwt.keys[0].pos.line, 12);
    EXPECT_EQ(c.auth.jwt.keys[1].kid, "");
    EXPECT_EQ(c.websocket.origins.size(), 3u);
    EXPECT_EQ(c.websocket.slow_consumer_policy, SlowConsumerPolicy::drop_oldest);
    EXPECT_EQ(c.websocket.max_message_bytes, 9000000000u);
    EXPECT_EQ(c.log.level, "debug");
    ASSERT_EQ(c.plugins.size(), 1u);
    EXPECT_TRUE(c.plugins[0].blocking);
    EXPECT_EQ(c.plugins[0].timeout_ms, 250);
    EXPECT_EQ(c.plugins[0].action_timeouts_ms, (std::map<std::string, int>{{"fast", 10}, {"slow", 60000}}));
    EXPECT_EQ(c.plugins[0].pos.line, 25);
    EXPECT_EQ(c.plugins[0].pos.col, 1);
}

// --- secret files ------------------------------------------------------------

TEST_F(ConfigTest, SecretFileStripsOneTrailingNewline)
{
    write("keys/one.key", "alpha\n");
    write("keys/two.key", "beta\n\n");
    write("keys/three.key", "gamma\r\n");
    write("keys/four.key", "delta");
    write("control.token", "tok\n");
    Config c = ok(R"(
[control]
tokens = [{ token_file = "control.token", scopes = ["push"] }]
[[auth.jwt.keys]]
secret_file = "keys/one.key"
[[auth.jwt.keys]]
secret_file = "keys/two.key"
[[auth.jwt.keys]]
secret_file = "keys/three.key"
[[auth.jwt.keys]]
secret_file = ")" +
                  (dir_ / "keys/four.key").string() + R"("
)");
    ASSERT_EQ(c.control.tokens.size(), 1u);
    EXPECT_EQ(c.control.tokens[0].token, "tok");
    ASSERT_EQ(c.auth.jwt.keys.size(), 4u);
    EXPECT_EQ(c.auth.jwt.keys[0].secret, "alpha");
    EXPECT_EQ(c.auth.jwt.keys[1].secret, "beta\n"); // only one newline goes
    EXPECT_EQ(c.auth.jwt.keys[2].secret, "gamma");
    EXPECT_EQ(c.auth.jwt.keys[3].secret, "delta");
}

TEST_F(ConfigTest, SecretFileErrors)
{
    write("empty.key", "\n");
    std::filesystem::create_directories(dir_ / "adir");
    const std::string d = dir_.string();
    EXPECT_EQ(error("[[auth.jwt.keys]]\nsecret_file = \"missing.key\"\n"),
              "2:15: 'secret_file': cannot read '" + d + "/missing.key': No such file or directory");
    EXPECT_EQ(error("[[auth.jwt.keys]]\nsecret_file = \"empty.key\"\n"),
              "2:15: 'secret_file': '" + d + "/empty.key' is empty");
    EXPECT_EQ(error("[[auth.jwt.keys]]\nsecret_file = \"adir\"\n"),
              "2:15: 'secret_file': cannot read '" + d + "/adir': is a directory");
    EXPECT_EQ(error("[control]\ntokens = [{ token_file = \"\", scopes = [\"push\"] }]\n"),
              "2:26: 'token_file' must not be empty");
}

TEST_F(ConfigTest, SecretFileMustBeASmallRegularFile)
{
    // A FIFO would block the loader (and a reload), a device never ends.
    ASSERT_EQ(mkfifo((dir_ / "fifo.key").c_str(), 0600), 0);
    const std::string d = dir_.string();
    EXPECT_EQ(error("[[auth.jwt.keys]]\nsecret_file = \"fifo.key\"\n"),
              "2:15: 'secret_file': cannot read '" + d + "/fifo.key': not a regular file");
    EXPECT_EQ(error("[[auth.jwt.keys]]\nsecret_file = \"/dev/zero\"\n"),
              "2:15: 'secret_file': cannot read '/dev/zero': not a regular file");
    write("big.key", std::string(64 * 1024 + 1, 'k'));
    EXPECT_EQ(error("[[auth.jwt.keys]]\nsecret_file = \"big.key\"\n"),
              "2:15: 'secret_file': '" + d + "/big.key' is larger than 65536 bytes: not a secret");
    write("max.key", std::string(64 * 1024, 'k'));
    EXPECT_EQ(ok("[[auth.jwt.keys]]\nsecret_file = \"max.key\"\n").auth.jwt.keys.at(0).secret.size(),
              64u * 1024);
}

TEST_F(ConfigTest, ErrorsNeverContainSecrets)
{
    write("ok.key", "file-secret-content\n");
    const std::string toml = R"(
[control]
tokens = [{ token = "inline-secret-1", scopes = ["push", "bogus"] },
          { token = "inline-secret-1", scopes = ["push"] }]
[[auth.jwt.keys]]
kid = "k"
secret = "inline-secret-2"
secret_file = "ok.key"
bogus = 1
[[auth.jwt.keys]]
secret_file = "missing.key"
)";
    const std::vector<std::string> errs = errors(toml);
    const std::vector<std::string> want = {
        "3:58: unknown scope 'bogus' in 'scopes'; valid scopes: push, admin, metrics",
        "4:11: duplicate control token (same value as the token at 3:11)",
        "8:15: 'secret' and 'secret_file' are mutually exclusive",
        "9:1: unknown key 'bogus' in [[auth.jwt.keys]]; valid keys: kid, secret, secret_file",
        "11:15: 'secret_file': cannot read '" + dir_.string() + "/missing.key': No such file or directory",
    };
    EXPECT_EQ(errs, want);
    for (const std::string &e : errs) {
        EXPECT_EQ(e.find("inline-secret"), std::string::npos) << e;
        EXPECT_EQ(e.find("file-secret-content"), std::string::npos) << e;
    }
}

} // namespace
} // namespace wshost::test
