// Interest (cluster/interest.h): subscriptions follow what the node holds,
// counted, with one subscribe per channel however many connections share it;
// one publish per target channel.
#include "cluster/interest.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

using namespace wshost::cluster;

namespace
{

struct Recorder {
    std::vector<std::pair<std::string, bool>> changes;
    Interest::Changed fn()
    {
        return
            [this](const std::string &channel, bool subscribe) { changes.emplace_back(channel, subscribe); };
    }
};

} // namespace

TEST(Interest, SubscribesOnFirstAndUnsubscribesOnLast)
{
    Recorder r;
    Interest in(ClusterNames("p"), r.fn());
    in.room_joined("lobby");
    in.room_joined("lobby"); // a second member: no second subscribe
    in.user_added("42");
    in.tag_set("team", "a");
    EXPECT_EQ(r.changes, (std::vector<std::pair<std::string, bool>>{
                             {"p:room:lobby", true}, {"p:user:42", true}, {"p:tag:team=a", true}}));
    EXPECT_EQ(in.count("p:room:lobby"), 2u);
    r.changes.clear();
    in.room_left("lobby");
    EXPECT_TRUE(r.changes.empty());
    in.room_left("lobby");
    in.tag_removed("team", "a");
    in.user_removed("42");
    EXPECT_EQ(r.changes, (std::vector<std::pair<std::string, bool>>{
                             {"p:room:lobby", false}, {"p:tag:team=a", false}, {"p:user:42", false}}));
    EXPECT_EQ(in.count("p:room:lobby"), 0u);
}

TEST(Interest, RemovingWhatWasNeverAddedChangesNothing)
{
    Recorder r;
    Interest in(ClusterNames("p"), r.fn());
    in.room_left("never");
    in.user_removed("nobody");
    EXPECT_TRUE(r.changes.empty());
    in.room_joined("r");
    in.room_left("r");
    in.room_left("r"); // once too often: still no second unsubscribe
    EXPECT_EQ(r.changes.size(), 2u);
}

TEST(Interest, ChannelsForResubscribingHoldEveryoneFirst)
{
    Interest in(ClusterNames("p"), nullptr);
    EXPECT_EQ(in.channels(), (std::vector<std::string>{"p:all"}));
    in.room_joined("r");
    in.tag_set("k=1", "v"); // '=' in a key is escaped
    EXPECT_EQ(in.channels(), (std::vector<std::string>{"p:all", "p:room:r", "p:tag:k%3D1=v"}));
}

TEST(Interest, OnePublishPerTargetChannel)
{
    Interest in(ClusterNames("p"), nullptr);
    auto owner = [](std::uint64_t id) { return id >> 48 == 3 ? std::string("3") : std::string(); };
    ClusterMessage m;
    m.kind = TargetKind::all;
    EXPECT_EQ(in.publish_channels(m, owner), std::vector<std::string>{"p:all"});
    m.kind = TargetKind::users;
    m.names = {"b", "a", "b"};
    EXPECT_EQ(in.publish_channels(m, owner), (std::vector<std::string>{"p:user:a", "p:user:b"}));
    m.kind = TargetKind::room;
    m.names = {"lobby"};
    EXPECT_EQ(in.publish_channels(m, owner), std::vector<std::string>{"p:room:lobby"});
    m.kind = TargetKind::tags;
    m.tags = {{"team", "a"}, {"lang", "fr"}};
    EXPECT_EQ(in.publish_channels(m, owner), std::vector<std::string>{"p:tag:team=a"});
    m.kind = TargetKind::connection;
    m.connections = {(std::uint64_t{3} << 48) | 17};
    EXPECT_EQ(in.publish_channels(m, owner), std::vector<std::string>{"p:node:3"});
    m.connections = {(std::uint64_t{4} << 48) | 17}; // no live node holds number 4
    EXPECT_TRUE(in.publish_channels(m, owner).empty());
}
