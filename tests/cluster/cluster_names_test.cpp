// The cluster layer's pure rules: channel and key names, Redis addresses,
// reconnect backoff, the connection id scheme and the node number claim.
#include "cluster/backoff.h"
#include "cluster/channels.h"
#include "cluster/node_registry.h"
#include "cluster/redis_address.h"

#include <gtest/gtest.h>

#include <set>

using namespace std::chrono_literals;
using namespace wshost::cluster;

TEST(ClusterNames, LayoutUnderThePrefix)
{
    ClusterNames n("wshost");
    EXPECT_EQ(n.user("42"), "wshost:user:42");
    EXPECT_EQ(n.room("lobby"), "wshost:room:lobby");
    EXPECT_EQ(n.tag("language", "FR"), "wshost:tag:language=FR");
    EXPECT_EQ(n.all(), "wshost:all");
    EXPECT_EQ(n.node("a-1"), "wshost:node:a-1");
    EXPECT_EQ(n.alive_key("a-1"), "wshost:alive:a-1");
    EXPECT_EQ(n.number_key(7), "wshost:number:7");
}

TEST(ClusterNames, TagKeysWithEqualsSignsStayUnambiguous)
{
    ClusterNames n("p");
    EXPECT_EQ(n.tag("a=b", "c"), "p:tag:a%3Db=c");
    EXPECT_EQ(n.tag("a", "b=c"), "p:tag:a=b=c");
    EXPECT_NE(n.tag("a=b", "c"), n.tag("a", "b=c"));
    EXPECT_EQ(n.tag("100%", "x"), "p:tag:100%25=x");
}

TEST(ClusterNames, ParseIsTheInverse)
{
    ClusterNames n("wshost");
    const std::vector<Channel> all = {
        {ChannelKind::user, "42", ""},        {ChannelKind::user, "a:b", ""},
        {ChannelKind::room, "r:1", ""},       {ChannelKind::tag, "k=%", "v=%"},
        {ChannelKind::tag, "language", "FR"}, {ChannelKind::all, "", ""},
        {ChannelKind::node, "host-17", ""},
    };
    std::set<std::string> names;
    for (const Channel &c : all) {
        const std::string name = n.channel(c);
        names.insert(name);
        EXPECT_EQ(n.parse(name), c) << name;
    }
    EXPECT_EQ(names.size(), all.size()) << "distinct channels get distinct names";
    for (std::string_view bad : {"other:user:1", "wshost:user:", "wshost:tag:=x", "wshost:tag:k=",
                                 "wshost:tag:a%41=b", "wshost:alive:x", "wshostx:all", "wshost"})
        EXPECT_FALSE(n.parse(bad)) << bad;
    EXPECT_FALSE(ClusterNames("other").parse(n.all())) << "another cluster's channel";
}

TEST(RedisAddress, IpLiteralsOnly)
{
    std::string why;
    auto v4 = parse_redis_address("127.0.0.1:6379", why);
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->ip, "127.0.0.1");
    EXPECT_EQ(v4->port, 6379);
    auto v6 = parse_redis_address("[::1]:7000", why);
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->ip, "::1");
    EXPECT_EQ(v6->describe(), "[::1]:7000");
    for (std::string_view bad : {"localhost:6379", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "::1:6379",
                                 "[::1]6379", "127.0.0.1:63x9", ":6379", "127.0.0.1:"}) {
        why.clear();
        EXPECT_FALSE(parse_redis_address(bad, why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
    EXPECT_TRUE(redis_socket_address("/run/redis/redis.sock", why));
    EXPECT_FALSE(redis_socket_address("", why));
    EXPECT_FALSE(redis_socket_address(std::string(200, 'a'), why));
}

TEST(Backoff, DoublesUpToTheMaxWithJitterInTheUpperHalf)
{
    Backoff b(100ms, 1000ms, 42);
    const long long steps[] = {100, 200, 400, 800, 1000, 1000, 1000};
    for (long long step : steps) {
        const auto d = b.next().count();
        EXPECT_GE(d, step / 2);
        EXPECT_LE(d, step);
    }
    b.reset();
    EXPECT_LE(b.next().count(), 100);
}

TEST(Backoff, NodesDoNotRetryInLockstep)
{
    std::set<long long> first_delays;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        Backoff b(1000ms, 1000ms, seed);
        first_delays.insert(b.next().count());
    }
    EXPECT_GT(first_delays.size(), 10u);
}

TEST(ConnectionIds, NodeNumberInTheHighBits)
{
    const std::uint64_t id = compose_connection_id(3, 17);
    EXPECT_EQ(id, (std::uint64_t(3) << 48) | 17);
    EXPECT_EQ(node_number_of(id), 3);
    EXPECT_EQ(local_id_of(id), 17u);
    EXPECT_EQ(compose_connection_id(0, 17), 17u) << "engine none: the ids of today";
    EXPECT_EQ(compose_connection_id(65535, kMaxLocalId), ~std::uint64_t(0));
    EXPECT_EQ(compose_connection_id(1, kMaxLocalId + 1), 0u) << "the local counter ran out";
    EXPECT_EQ(compose_connection_id(1, 0), 0u);
    EXPECT_NE(compose_connection_id(1, 5), compose_connection_id(2, 5));
}

TEST(NodeNumberClaim, StableFirstChoiceThenTheNextOnCollision)
{
    NodeNumberClaim a("node-a");
    NodeNumberClaim again("node-a");
    ASSERT_TRUE(a.candidate());
    EXPECT_EQ(a.candidate(), again.candidate()) << "the same node id prefers the same number";
    const std::uint16_t first = *a.candidate();
    EXPECT_GE(first, 1);
    EXPECT_FALSE(a.answered(false));
    EXPECT_EQ(a.collisions(), 1u);
    EXPECT_EQ(*a.candidate(), first == kMaxNodeNumber ? 1 : first + 1) << "wraps past 65535 to 1";
    EXPECT_TRUE(a.answered(true));
    EXPECT_TRUE(a.answered(false)) << "claimed stays claimed";
}

TEST(NodeNumberClaim, GivesUpAfterEveryNumberWasTaken)
{
    NodeNumberClaim c("x");
    std::set<std::uint16_t> seen;
    while (auto n = c.candidate()) {
        EXPECT_NE(*n, 0);
        seen.insert(*n);
        c.answered(false);
    }
    EXPECT_EQ(seen.size(), kMaxNodeNumber);
    EXPECT_EQ(c.collisions(), kMaxNodeNumber);
}

TEST(NodeIds, DefaultFromHostAndPid)
{
    EXPECT_EQ(default_node_id("web1", 1234), "web1-1234");
    EXPECT_EQ(default_node_id("", 5), "node-5");
    EXPECT_EQ(claim_value("web1-1234", "f00d"), "web1-1234 f00d");
}
