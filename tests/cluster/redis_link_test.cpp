// RedisLink, RedisPublisher and RedisSubscriber against a real redis-server
// started by the test (redis_server.h), on a real lws loop of each backend
// the host runs (poll and libev: test_loop.h).
#include "cluster/redis_link.h"
#include "cluster/redis_pubsub.h"
#include "redis_server.h"
#include "test_loop.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <dirent.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace wshost::cluster;
using wshost::cluster::testing::RedisServer;
using wshost::cluster::testing::TestLoop;

namespace
{

int open_fds()
{
    int n = 0;
    if (DIR *d = opendir("/proc/self/fd")) {
        while (readdir(d))
            ++n;
        closedir(d);
    }
    return n;
}

RedisLinkSettings unix_settings(const RedisServer &server, std::string name = "test")
{
    RedisLinkSettings s;
    s.address.unix_path = server.socket_path();
    s.connect_timeout = 500ms;
    s.command_timeout = 500ms;
    s.backoff_initial = 20ms;
    s.backoff_max = 200ms;
    s.name = std::move(name);
    s.jitter_seed = 7;
    return s;
}

class RedisLinkTest : public ::testing::TestWithParam<bool>
{
  protected:
    void SetUp() override
    {
        ASSERT_TRUE(loop_.ok());
        ASSERT_TRUE(server_.start()) << "redis-server did not start";
    }
    TestLoop loop_{GetParam()};
    RedisServer server_;
};

// Runs `argv` on `link` and waits for its reply (type and text).
std::optional<std::string> roundtrip(TestLoop &loop, RedisLink &link, std::vector<std::string_view> argv)
{
    std::optional<std::string> got;
    bool answered = false;
    if (!link.command(argv, [&](const redisReply *r) {
            answered = true;
            if (!r)
                return;
            if (r->type == REDIS_REPLY_INTEGER)
                got = std::to_string(r->integer);
            else if (r->str)
                got = std::string(r->str, r->len);
            else
                got = "";
        }))
        return std::nullopt;
    loop.run_until([&] { return answered; });
    return got;
}

} // namespace

TEST_P(RedisLinkTest, ConnectsOverUnixSocketAndAnswersCommands)
{
    RedisLink link(loop_.loop(), loop_.vhost(), unix_settings(server_));
    std::vector<bool> states;
    link.on_state([&](bool up, std::string_view) { states.push_back(up); });
    EXPECT_FALSE(link.command({"PING"}, nullptr)) << "refused before the link is up";
    EXPECT_EQ(link.stats().refused_down, 1u);
    link.start();
    ASSERT_TRUE(loop_.run_until([&] { return link.up(); }));
    EXPECT_EQ(roundtrip(loop_, link, {"PING"}), "PONG");
    EXPECT_EQ(roundtrip(loop_, link, {"SET", "k", std::string_view("a\0b", 3)}), "OK");
    EXPECT_EQ(roundtrip(loop_, link, {"STRLEN", "k"}), "3") << "arguments are binary-safe";
    EXPECT_EQ(states, std::vector<bool>{true});
}

TEST_P(RedisLinkTest, ConnectsOverTcpToAnIpLiteral)
{
    RedisServer tcp({.tcp = true, .password = ""});
    ASSERT_TRUE(tcp.start());
    RedisLinkSettings s = unix_settings(server_);
    std::string why;
    auto address = parse_redis_address("127.0.0.1:" + std::to_string(tcp.port()), why);
    ASSERT_TRUE(address) << why;
    s.address = *address;
    RedisLink link(loop_.loop(), loop_.vhost(), s);
    link.start();
    ASSERT_TRUE(loop_.run_until([&] { return link.up(); }));
    EXPECT_EQ(roundtrip(loop_, link, {"PING"}), "PONG");
}

TEST_P(RedisLinkTest, SelectsTheConfiguredDatabase)
{
    RedisLinkSettings s = unix_settings(server_);
    s.db = 3;
    RedisLink link(loop_.loop(), loop_.vhost(), s);
    link.start();
    ASSERT_TRUE(loop_.run_until([&] { return link.up(); }));
    ASSERT_EQ(roundtrip(loop_, link, {"SET", "in3", "x"}), "OK");
    // CLIENT INFO names the connection's database.
    auto info = roundtrip(loop_, link, {"CLIENT", "INFO"});
    ASSERT_TRUE(info);
    EXPECT_NE(info->find(" db=3 "), std::string::npos) << *info;
}

TEST_P(RedisLinkTest, LargeCommandsLeaveWholeWhenTheSocketBufferFills)
{
    // 8 MiB does not fit the socket buffer: hiredis asks for write events
    // from inside the writeable callback (the adapter re-arms them).
    RedisLinkSettings s = unix_settings(server_);
    s.max_pending_bytes = 64u << 20;
    s.command_timeout = 5000ms;
    RedisLink link(loop_.loop(), loop_.vhost(), s);
    link.start();
    ASSERT_TRUE(loop_.run_until([&] { return link.up(); }));
    const std::string big(8u << 20, 'x');
    EXPECT_EQ(roundtrip(loop_, link, {"SET", "big", big}), "OK");
    EXPECT_EQ(roundtrip(loop_, link, {"STRLEN", "big"}), std::to_string(big.size()));
}

TEST_P(RedisLinkTest, AuthFailureIsReported)
{
    RedisServer guarded({.tcp = false, .password = "right"});
    ASSERT_TRUE(guarded.start());
    RedisLinkSettings s = unix_settings(guarded);
    s.password = "wrong";
    RedisLink link(loop_.loop(), loop_.vhost(), s);
    std::string why;
    link.on_state([&](bool up, std::string_view w) {
        if (!up)
            why = std::string(w);
    });
    link.start();
    ASSERT_TRUE(loop_.run_until([&] { return link.stats().auth_failures >= 2; }))
        << "AUTH is retried with backoff";
    EXPECT_FALSE(link.up());
    EXPECT_NE(why.find("AUTH"), std::string::npos) << why;
    EXPECT_NE(link.last_error().find("WRONGPASS"), std::string::npos) << link.last_error();

    RedisLinkSettings good = unix_settings(guarded);
    good.password = "right";
    RedisLink ok(loop_.loop(), loop_.vhost(), good);
    ok.start();
    ASSERT_TRUE(loop_.run_until([&] { return ok.up(); }));
    EXPECT_EQ(roundtrip(loop_, ok, {"PING"}), "PONG");
}

TEST_P(RedisLinkTest, ReconnectsWithBackoffAfterTheServerIsKilledAndRestarted)
{
    RedisLink link(loop_.loop(), loop_.vhost(), unix_settings(server_));
    std::vector<bool> states;
    link.on_state([&](bool up, std::string_view) { states.push_back(up); });
    link.start();
    ASSERT_TRUE(loop_.run_until([&] { return link.up(); }));
    const int fds_up = open_fds();

    server_.kill();
    ASSERT_TRUE(loop_.run_until([&] { return !link.up(); }));
    EXPECT_EQ(link.stats().disconnects, 1u);
    EXPECT_FALSE(link.command({"PING"}, nullptr)) << "refused while down";
    // Attempts fail (no socket) and back off: a few, not hundreds.
    ASSERT_TRUE(loop_.run_until([&] { return link.stats().connect_failures >= 3; }));
    loop_.run_for(300ms);
    EXPECT_LT(link.stats().connect_failures, 20u) << "backoff: 20 ms doubling to 200 ms";

    ASSERT_TRUE(server_.start());
    ASSERT_TRUE(loop_.run_until([&] { return link.up(); }));
    EXPECT_EQ(roundtrip(loop_, link, {"PING"}), "PONG");
    EXPECT_EQ(link.stats().connects, 2u);
    EXPECT_EQ(open_fds(), fds_up) << "no descriptor left behind by the lost connection";
}

TEST_P(RedisLinkTest, StartsWhileRedisIsDownAndJoinsWhenItComesUp)
{
    server_.kill();
    RedisLink link(loop_.loop(), loop_.vhost(), unix_settings(server_));
    link.start();
    ASSERT_TRUE(loop_.run_until([&] { return link.stats().connect_failures >= 2; }));
    EXPECT_FALSE(link.up());
    ASSERT_TRUE(server_.start());
    ASSERT_TRUE(loop_.run_until([&] { return link.up(); }));
}

TEST_P(RedisLinkTest, CommandTimeoutDropsAStuckConnection)
{
    RedisLinkSettings s = unix_settings(server_);
    s.command_timeout = 200ms;
    RedisLink link(loop_.loop(), loop_.vhost(), s);
    link.start();
    ASSERT_TRUE(loop_.run_until([&] { return link.up(); }));
    bool failed = false;
    const auto sent = std::chrono::steady_clock::now();
    // DEBUG SLEEP holds the server for 1 s: no reply within 200 ms.
    std::string reply;
    ASSERT_TRUE(link.command({"DEBUG", "SLEEP", "1"}, [&](const redisReply *r) {
        failed = r == nullptr;
        reply = r && r->str ? r->str : "";
    }));
    ASSERT_TRUE(loop_.run_until([&] { return failed; }, 3s)) << reply;
    const auto waited = std::chrono::steady_clock::now() - sent;
    EXPECT_GE(waited, 200ms);
    EXPECT_LT(waited, 900ms) << "failed by the timeout, not by the reply";
    EXPECT_EQ(link.stats().timeouts, 1u);
    EXPECT_EQ(link.stats().failed, 1u);
    // Back once the server answers again.
    ASSERT_TRUE(loop_.run_until([&] { return link.up() && link.stats().connects == 2; }, 5s));
    EXPECT_EQ(roundtrip(loop_, link, {"PING"}), "PONG");
}

TEST_P(RedisLinkTest, PendingOutputIsBoundedWhileRedisIsPaused)
{
    RedisLinkSettings s = unix_settings(server_);
    s.max_pending_bytes = 1u << 20;
    s.command_timeout = 1000ms;
    RedisPublisher pub(loop_.loop(), loop_.vhost(), s);
    pub.start();
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().up(); }));
    server_.pause();
    const std::string payload(64u << 10, 'p');
    int failed_replies = 0;
    std::size_t peak = 0;
    // The socket buffer fills, then hiredis's output buffer, up to the bound.
    for (int i = 0; i < 200 && pub.link().stats().refused_full == 0; ++i) {
        pub.publish("ch", payload, [&](std::optional<long long> n) { failed_replies += !n; });
        loop_.step();
        peak = std::max(peak, pub.link().pending_bytes());
    }
    EXPECT_GT(pub.link().stats().refused_full, 0u) << "commands are refused past the bound";
    EXPECT_LE(peak, s.max_pending_bytes);
    const std::uint64_t refused = pub.link().stats().refused_full;
    EXPECT_FALSE(pub.publish("ch", payload, nullptr));
    EXPECT_EQ(pub.link().stats().refused_full, refused + 1) << "each refusal is counted";
    // The command timeout drops the stuck link; every pending publish fails.
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().stats().timeouts >= 1; }, 5s));
    EXPECT_GT(failed_replies, 0);
    EXPECT_EQ(pub.link().pending_bytes(), 0u);
    server_.resume();
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().up() && pub.link().pending_replies() == 0; }, 10s));
    std::optional<long long> receivers;
    bool done = false;
    // A paused server may have taken a reconnect into its backlog: a publish
    // may need one more reconnect, so try until one is answered.
    ASSERT_TRUE(loop_.run_until(
        [&] {
            if (!done && pub.link().up() && pub.link().pending_replies() == 0)
                pub.publish("ch", "after", [&](std::optional<long long> n) {
                    receivers = n;
                    done = n.has_value();
                });
            return done;
        },
        10s));
    EXPECT_EQ(receivers, 0);
}

// on_output (wshost_cluster_pending_bytes): every change of pending_bytes()
// is reported, the shrinking by hiredis's writes included, and 0 when the
// link goes with its output.
TEST_P(RedisLinkTest, OutputHookFollowsPendingBytes)
{
    RedisLinkSettings s = unix_settings(server_);
    s.command_timeout = 1000ms;
    RedisPublisher pub(loop_.loop(), loop_.vhost(), s);
    std::optional<std::size_t> reported;
    std::size_t peak = 0;
    pub.link().on_output([&](std::size_t n) {
        reported = n;
        peak = std::max(peak, n);
    });
    pub.start();
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().up(); }));
    server_.pause();
    const std::string payload(64u << 10, 'p');
    // Past the socket buffer the output waits in hiredis.
    for (int i = 0; i < 200 && pub.link().pending_bytes() < (1u << 20); ++i) {
        pub.publish("ch", payload, nullptr);
        loop_.step();
        ASSERT_EQ(reported, pub.link().pending_bytes());
    }
    ASSERT_GE(peak, 1u << 20);
    // Redis reads again: only writes can bring it down while the link stays up.
    server_.resume();
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().pending_bytes() == 0; }, 5s));
    EXPECT_TRUE(pub.link().up());
    EXPECT_EQ(reported, 0u) << "the writes were reported";
    // Stuck again: the command timeout drops the link and its output.
    server_.pause();
    for (int i = 0; i < 200 && pub.link().pending_bytes() < (1u << 20); ++i) {
        pub.publish("ch", payload, nullptr);
        loop_.step();
    }
    ASSERT_GT(*reported, 0u);
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().stats().timeouts >= 1; }, 5s));
    EXPECT_EQ(reported, 0u) << "the dropped output was reported";
    server_.resume();
}

TEST_P(RedisLinkTest, PubSubRoundTripWithReceiverCount)
{
    RedisPublisher pub(loop_.loop(), loop_.vhost(), unix_settings(server_, "publisher"));
    RedisSubscriber sub(loop_.loop(), loop_.vhost(), unix_settings(server_, "subscriber"));
    std::vector<std::pair<std::string, std::string>> got;
    sub.on_message([&](std::string_view c, std::string_view p) { got.emplace_back(c, p); });
    sub.subscribe("wshost:r:lobby");
    sub.subscribe("wshost:all");
    pub.start();
    sub.start();
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().up() && sub.live_count() == 2; }));
    std::optional<long long> receivers;
    ASSERT_TRUE(pub.publish("wshost:r:lobby", std::string_view("hi\0there", 8),
                            [&](std::optional<long long> n) { receivers = n; }));
    ASSERT_TRUE(loop_.run_until([&] { return receivers && got.size() == 1; }));
    EXPECT_EQ(*receivers, 1) << "Redis's count of subscribers reached";
    EXPECT_EQ(got[0].first, "wshost:r:lobby");
    EXPECT_EQ(got[0].second, std::string("hi\0there", 8));

    // Unsubscribed (once Redis confirmed it): the publish reaches nobody,
    // and nothing is delivered.
    sub.unsubscribe("wshost:r:lobby");
    ASSERT_TRUE(loop_.run_until([&] { return sub.link().pending_replies() == 0; }));
    receivers.reset();
    ASSERT_TRUE(pub.publish("wshost:r:lobby", "x", [&](std::optional<long long> n) { receivers = n; }));
    ASSERT_TRUE(loop_.run_until([&] { return receivers.has_value(); }));
    EXPECT_EQ(*receivers, 0);
    loop_.run_for(50ms);
    EXPECT_EQ(got.size(), 1u);
    EXPECT_EQ(sub.live_count(), 1u);
}

TEST_P(RedisLinkTest, SubscriberResubscribesEverythingAfterAReconnect)
{
    RedisPublisher pub(loop_.loop(), loop_.vhost(), unix_settings(server_, "publisher"));
    RedisSubscriber sub(loop_.loop(), loop_.vhost(), unix_settings(server_, "subscriber"));
    std::vector<std::string> got;
    sub.on_message([&](std::string_view c, std::string_view) { got.emplace_back(c); });
    for (const char *c : {"a", "b", "c"})
        sub.subscribe(c);
    pub.start();
    sub.start();
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().up() && sub.live_count() == 3; }));
    server_.kill();
    ASSERT_TRUE(loop_.run_until([&] { return !sub.link().up() && !pub.link().up(); }));
    EXPECT_EQ(sub.live_count(), 0u);
    sub.subscribe("d");   // while down: sent at the reconnect
    sub.unsubscribe("b"); // while down: not resubscribed
    ASSERT_TRUE(server_.start());
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().up() && sub.live_count() == 3; }));
    for (const char *c : {"a", "b", "c", "d"})
        pub.publish(c, "m", nullptr);
    ASSERT_TRUE(loop_.run_until([&] { return got.size() == 3; }));
    loop_.run_for(50ms);
    EXPECT_EQ(got, (std::vector<std::string>{"a", "c", "d"}));
}

INSTANTIATE_TEST_SUITE_P(Loops, RedisLinkTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool> &info) {
                             return info.param ? "libev" : "poll";
                         });

// The figure docs/CLUSTER-DESIGN.md quotes: sequential PING round trips
// through the adapter on each loop, and a pipelined burst of PUBLISHes.
TEST_P(RedisLinkTest, RoundTripsThroughTheAdapterAreQuick)
{
    RedisLinkSettings s = unix_settings(server_);
    s.command_timeout = 5000ms;
    RedisPublisher pub(loop_.loop(), loop_.vhost(), s);
    pub.start();
    ASSERT_TRUE(loop_.run_until([&] { return pub.link().up(); }));
    constexpr int kPings = 2000;
    int answered = 0;
    const auto t0 = std::chrono::steady_clock::now();
    std::function<void(const redisReply *)> again = [&](const redisReply *r) {
        if (r && ++answered < kPings)
            pub.link().command({"PING"}, again);
    };
    ASSERT_TRUE(pub.link().command({"PING"}, again));
    ASSERT_TRUE(loop_.run_until([&] { return answered == kPings; }, 30s));
    const auto t1 = std::chrono::steady_clock::now();
    constexpr int kPublishes = 20000;
    int published = 0;
    for (int i = 0; i < kPublishes; ++i)
        ASSERT_TRUE(
            pub.publish("bench", "0123456789abcdef", [&](std::optional<long long> n) { published += !!n; }));
    ASSERT_TRUE(loop_.run_until([&] { return published == kPublishes; }, 30s));
    const auto t2 = std::chrono::steady_clock::now();
    const double ping_us = std::chrono::duration<double, std::micro>(t1 - t0).count() / kPings;
    const double pub_us = std::chrono::duration<double, std::micro>(t2 - t1).count() / kPublishes;
    std::printf("[ MEASURED ] %s: PING round trip %.1f us, pipelined PUBLISH %.2f us each\n",
                GetParam() ? "libev" : "poll", ping_us, pub_us);
    EXPECT_LT(ping_us, 1000.0)
        << "a deferred write event (5.5 ms on libev before the adapter asked lws at once)";
    EXPECT_LT(pub_us, 200.0);
}
