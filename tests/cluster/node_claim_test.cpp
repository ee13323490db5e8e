// The node number claim and the presence scripts (node_registry.h) against a
// real redis-server: a collision is seen and the next number claimed, the
// refresh extends only our own claim, the release deletes only our own keys.
#include "cluster/channels.h"
#include "cluster/node_registry.h"
#include "cluster/redis_link.h"
#include "redis_server.h"
#include "test_loop.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

using namespace std::chrono_literals;
using namespace wshost::cluster;
using wshost::cluster::testing::RedisServer;
using wshost::cluster::testing::TestLoop;

namespace
{

struct Answer {
    bool done = false;
    int type = 0;
    long long integer = 0;
    std::string str;
};

class NodeClaimTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_TRUE(loop_.ok());
        ASSERT_TRUE(server_.start());
        RedisLinkSettings s;
        s.address.unix_path = server_.socket_path();
        link_ = std::make_unique<RedisLink>(loop_.loop(), loop_.vhost(), s);
        link_->start();
        ASSERT_TRUE(loop_.run_until([&] { return link_->up(); }));
    }
    void TearDown() override { link_.reset(); }

    Answer run(const std::vector<std::string> &argv)
    {
        std::vector<std::string_view> views(argv.begin(), argv.end());
        Answer a;
        EXPECT_TRUE(link_->command(views, [&](const redisReply *r) {
            a.done = true;
            if (!r)
                return;
            a.type = r->type;
            a.integer = r->integer;
            if (r->str)
                a.str.assign(r->str, r->len);
        }));
        EXPECT_TRUE(loop_.run_until([&] { return a.done; }));
        return a;
    }
    // Claims a number for `claim` with `value`; returns it.
    std::optional<std::uint16_t> claim(NodeNumberClaim &claim, const std::string &value)
    {
        while (auto n = claim.candidate()) {
            Answer a = run(claim_command(names_.number_key(*n), value, 5000));
            if (claim.answered(a.type == REDIS_REPLY_STATUS && a.str == "OK"))
                return n;
        }
        return std::nullopt;
    }
    Answer refresh(std::uint16_t n, const std::string &node, const std::string &value)
    {
        return run({"EVAL", kRefreshScript, "2", names_.number_key(n), names_.alive_key(node), value, "5000",
                    "{\"connections\":3}"});
    }

    TestLoop loop_{false};
    RedisServer server_;
    ClusterNames names_{"wshost"};
    std::unique_ptr<RedisLink> link_;
};

} // namespace

TEST_F(NodeClaimTest, ACollisionIsSeenAndTheNextNumberClaimed)
{
    // Two processes with the same node id (a duplicate, or a restart while
    // the old claim lives): different instances, so different values.
    NodeNumberClaim first("node-a");
    NodeNumberClaim second("node-a");
    const std::string v1 = claim_value("node-a", "i1");
    const std::string v2 = claim_value("node-a", "i2");
    auto n1 = claim(first, v1);
    auto n2 = claim(second, v2);
    ASSERT_TRUE(n1 && n2);
    EXPECT_NE(*n1, *n2);
    EXPECT_EQ(first.collisions(), 0u);
    EXPECT_EQ(second.collisions(), 1u);
    EXPECT_EQ(run({"GET", names_.number_key(*n1)}).str, v1);
    Answer ttl = run({"PTTL", names_.number_key(*n1)});
    EXPECT_GT(ttl.integer, 0) << "the claim expires unless refreshed";
    EXPECT_LE(ttl.integer, 5000);
}

TEST_F(NodeClaimTest, RefreshExtendsOnlyOurOwnClaim)
{
    NodeNumberClaim c("node-b");
    const std::string mine = claim_value("node-b", "i1");
    auto n = claim(c, mine);
    ASSERT_TRUE(n);
    EXPECT_EQ(refresh(*n, "node-b", mine).integer, 1);
    EXPECT_EQ(run({"GET", names_.alive_key("node-b")}).str, mine + " {\"connections\":3}");
    // Cut off past the TTL: the claim expired and another node took it.
    run({"DEL", names_.number_key(*n)});
    run({"SET", names_.number_key(*n), claim_value("node-c", "i9")});
    EXPECT_EQ(refresh(*n, "node-b", mine).integer, 0) << "the node must stop minting ids with it";
    EXPECT_EQ(run({"GET", names_.number_key(*n)}).str, claim_value("node-c", "i9"));
}

TEST_F(NodeClaimTest, ReleaseDeletesOnlyOurOwnKeys)
{
    NodeNumberClaim c("node-d");
    const std::string mine = claim_value("node-d", "i1");
    auto n = claim(c, mine);
    ASSERT_TRUE(n);
    ASSERT_EQ(refresh(*n, "node-d", mine).integer, 1);
    // Someone else's release leaves them alone; ours deletes both.
    run(release_script_command(names_.number_key(*n), names_.alive_key("node-d"),
                               claim_value("node-d", "i2")));
    EXPECT_EQ(run({"EXISTS", names_.number_key(*n), names_.alive_key("node-d")}).integer, 2);
    run(release_script_command(names_.number_key(*n), names_.alive_key("node-d"), mine));
    EXPECT_EQ(run({"EXISTS", names_.number_key(*n), names_.alive_key("node-d")}).integer, 0);
}
