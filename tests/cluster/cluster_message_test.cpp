// The cross-node message (cluster_message.h): every target kind round-trips,
// the wire form is what the header documents, and the decoder refuses what
// the encoder could not have written.
#include "cluster/cluster_message.h"

#include <gtest/gtest.h>

using namespace wshost::cluster;

namespace
{

ClusterMessage base(TargetKind kind)
{
    ClusterMessage m;
    m.origin = "node-a";
    m.seq = 7;
    m.kind = kind;
    m.payload = "hello";
    return m;
}

std::vector<ClusterMessage> samples()
{
    std::vector<ClusterMessage> all;
    ClusterMessage c = base(TargetKind::connection);
    c.connections = {(std::uint64_t(3) << 48) | 9};
    all.push_back(c);
    ClusterMessage u = base(TargetKind::user);
    u.names = {"42"};
    u.except_connections = {5, 18446744073709551615ull};
    all.push_back(u);
    ClusterMessage us = base(TargetKind::users);
    us.names = {"1", "2", "a,b:c"};
    us.except_users = {"2"};
    all.push_back(us);
    ClusterMessage r = base(TargetKind::room);
    r.names = {"lobby"};
    r.binary = true;
    r.payload = std::string("\0\x01\xff,:", 5);
    all.push_back(r);
    ClusterMessage t = base(TargetKind::tags);
    t.tags = {{"language", "FR"}, {"plan", "pro"}};
    all.push_back(t);
    ClusterMessage e = base(TargetKind::all);
    e.except_users = {"7", "8"};
    e.payload.clear();
    all.push_back(e);
    return all;
}

} // namespace

TEST(ClusterMessage, EveryTargetKindRoundTrips)
{
    for (const ClusterMessage &m : samples()) {
        const std::string wire = encode_cluster_message(m);
        std::string why;
        auto back = decode_cluster_message(wire, why);
        ASSERT_TRUE(back) << target_kind_name(m.kind) << ": " << why;
        EXPECT_EQ(*back, m);
        EXPECT_EQ(encode_cluster_message(*back), wire);
    }
}

TEST(ClusterMessage, WireFormIsReadableNetstrings)
{
    ClusterMessage m = base(TargetKind::room);
    m.names = {"lobby"};
    m.except_users = {"42"};
    EXPECT_EQ(encode_cluster_message(m),
              "wsh1\n6:node-a,1:7,4:room,4:text,1:1,5:lobby,1:1,2:42,1:0,5:hello,");
}

TEST(ClusterMessage, RefusesWhatTheEncoderCannotWrite)
{
    const std::string good = "wsh1\n6:node-a,1:7,4:room,4:text,1:1,5:lobby,1:0,1:0,5:hello,";
    std::string why;
    ASSERT_TRUE(decode_cluster_message(good, why)) << why;
    const std::vector<std::string> bad = {
        "",
        "wsh2\n6:node-a,1:7,4:room,4:text,1:1,5:lobby,1:0,1:0,5:hello,",
        good + "x",                                                          // after the payload
        "wsh1\n6:node-a,1:7,4:room,4:text,1:1,5:lobby,1:0,1:0,5:hell,",      // short payload
        "wsh1\n6:node-a,1:7,4:room,4:text,1:1,5:lobby,1:0,1:0,9:hello,",     // length past the end
        "wsh1\n6:node-a,2:07,4:room,4:text,1:1,5:lobby,1:0,1:0,5:hello,",    // leading zero
        "wsh1\n6:node-a,1:7,4:hall,4:text,1:1,5:lobby,1:0,1:0,5:hello,",     // unknown kind
        "wsh1\n6:node-a,1:7,4:room,3:txt,1:1,5:lobby,1:0,1:0,5:hello,",      // unknown opcode
        "wsh1\n6:node-a,1:7,4:room,4:text,1:2,5:lobby,1:x,1:0,1:0,5:hello,", // two rooms
        "wsh1\n6:node-a,1:7,3:all,4:text,1:1,5:lobby,1:0,1:0,5:hello,",      // all with a target
        "wsh1\n0:,1:7,4:room,4:text,1:1,5:lobby,1:0,1:0,5:hello,",           // no origin
        "wsh1\n6:node-a,1:7,4:room,4:text,1:1,0:,1:0,1:0,5:hello,",          // empty room
        "wsh1\n6:node-a,1:7,4:room,4:text,1:1,5:lobby,1:0,20:99999999999999999999,5:hello,",
        "wsh1\n6:node-a,1:7,4:room,4:text,1:1,5:lobby,1:0,10:9999999999,5:hello,", // count past the bytes
        "wsh1\n6:node-a,20:18446744073709551616,4:room,4:text,1:1,5:lobby,1:0,1:0,5:hello,", // seq overflow
        "wsh1\n6:node-a,1:7,4:room,4:text,1:1,5:lobby,1:0,1:0,5:hello;",                     // terminator
    };
    for (const std::string &b : bad) {
        why.clear();
        EXPECT_FALSE(decode_cluster_message(b, why)) << b;
        EXPECT_FALSE(why.empty()) << b;
    }
}

TEST(SenderSequence, InOrderGapsAndDuplicates)
{
    SenderSequence s;
    EXPECT_EQ(s.observe("a", 5), SenderSequence::Seen::next) << "first seen: nothing to compare";
    EXPECT_EQ(s.observe("a", 6), SenderSequence::Seen::next);
    EXPECT_EQ(s.observe("a", 6), SenderSequence::Seen::old);
    EXPECT_EQ(s.observe("a", 9), SenderSequence::Seen::gap);
    EXPECT_EQ(s.observe("a", 8), SenderSequence::Seen::old);
    EXPECT_EQ(s.observe("b", 1), SenderSequence::Seen::next) << "per origin";
    s.forget("a");
    EXPECT_EQ(s.observe("a", 1), SenderSequence::Seen::next);
}
