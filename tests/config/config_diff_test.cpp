// Which keys a reload reports as needing a restart: every [cluster] key.
#include "config/config_diff.h"

#include <gtest/gtest.h>

namespace wshost::test
{
namespace
{

TEST(RestartRequired, EveryClusterKeyNeedsARestart)
{
    const Config running;
    auto changed = [&](auto edit) {
        Config next = running;
        edit(next.cluster);
        return restart_required(running, next);
    };
    using Keys = std::vector<std::string>;
    EXPECT_EQ(changed([](ClusterConfig &c) { c.engine = "redis"; }), Keys{"cluster.engine"});
    EXPECT_EQ(changed([](ClusterConfig &c) { c.node_id = "n"; }), Keys{"cluster.node_id"});
    EXPECT_EQ(changed([](ClusterConfig &c) { c.heartbeat_ms = 500; }), Keys{"cluster.heartbeat_ms"});
    EXPECT_EQ(changed([](ClusterConfig &c) { c.node_ttl_ms = 9000; }), Keys{"cluster.node_ttl_ms"});
    EXPECT_EQ(changed([](ClusterConfig &c) { c.redis.address = "10.0.0.1:6379"; }), Keys{"cluster.redis"});
    EXPECT_EQ(changed([](ClusterConfig &c) { c.redis.socket = "/run/r.sock"; }), Keys{"cluster.redis"});
    EXPECT_EQ(changed([](ClusterConfig &c) { c.redis.password = "pw"; }), Keys{"cluster.redis"});
    EXPECT_EQ(changed([](ClusterConfig &c) { c.redis.db = 2; }), Keys{"cluster.redis"});
    EXPECT_EQ(changed([](ClusterConfig &c) { c.redis.prefix = "other"; }), Keys{"cluster.redis"});
    EXPECT_TRUE(restart_required(running, running).empty());

    // A reload keeps the running cluster settings.
    Config kept = running, next = running;
    next.cluster.engine = "redis";
    apply_reloadable(kept, next);
    EXPECT_EQ(kept.cluster.engine, "none");
}

} // namespace
} // namespace wshost::test
