// The rooms example (plugins/rooms) on the test kit: replies, the events the
// other members get, membership in the host's rooms, display names.
#include "kit_helpers.h"

namespace
{
using kit_helpers::Kit;
using kit_helpers::str;

class Rooms : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(wsh_testkit_load(kit, ROOMS_SO, "rooms", config()), WSH_OK) << wsh_testkit_error(kit);
    }
    virtual const char *config() const { return "{}"; }

    wsh_testkit_reply call(wsh_conn_id conn, const char *action, const std::string &payload)
    {
        wsh_testkit_reply r;
        EXPECT_NE(wsh_testkit_call(kit, conn, action, payload.c_str(), &r), 0u) << wsh_testkit_error(kit);
        return r;
    }
    static std::string id(wsh_conn_id c) { return std::to_string(c); }

    Kit kit;
};

TEST_F(Rooms, JoinCountsAndAnnouncesToTheOthers)
{
    const wsh_conn_id a = wsh_testkit_connect(kit, "alice", nullptr, 0);
    const wsh_conn_id b = wsh_testkit_connect(kit, nullptr, nullptr, 0);
    wsh_testkit_reply r = call(a, "join", R"({"room":"lobby"})");
    ASSERT_EQ(r.kind, WSH_TESTKIT_REPLY_SUCCESS) << str(r.code) << ": " << str(r.message);
    EXPECT_EQ(str(r.payload), R"({"room":"lobby","members":1,"connection":")" + id(a) + R"("})");
    EXPECT_TRUE(wsh_testkit_in_room(kit, a, "lobby"));

    size_t cursor = wsh_testkit_event_count(kit);
    r = call(b, "join", R"({"room":"lobby"})");
    EXPECT_EQ(str(r.payload), R"({"room":"lobby","members":2,"connection":")" + id(b) + R"("})");
    // The ROOM_JOINED hook tells alice, never the joiner; anonymous is "user":null.
    EXPECT_EQ(kit.frames(a, &cursor),
              std::vector<std::string>{R"({"event":"joined","room":"lobby","connection":")" + id(b) +
                                       R"(","user":null})"});
    EXPECT_TRUE(kit.frames(b).empty());
    EXPECT_EQ(wsh_testkit_room_size(kit, "lobby"), 2u);
}

TEST_F(Rooms, SayReachesEveryOtherMemberWithTheRightTarget)
{
    const wsh_conn_id a = wsh_testkit_connect(kit, "alice", nullptr, 0);
    const wsh_conn_id b = wsh_testkit_connect(kit, "bob", nullptr, 0);
    const wsh_conn_id outsider = wsh_testkit_connect(kit, "carol", nullptr, 0);
    call(a, "join", R"({"room":"r"})");
    call(b, "join", R"({"room":"r"})");
    size_t cursor = wsh_testkit_event_count(kit);
    wsh_testkit_reply r = call(a, "say", R"({"room":"r","text":"hi \"there\""})");
    EXPECT_EQ(r.kind, WSH_TESTKIT_REPLY_SUCCESS);
    EXPECT_EQ(str(r.payload), "{}");

    wsh_testkit_event send;
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_SEND, &cursor, &send));
    ASSERT_NE(send.target, nullptr);
    EXPECT_EQ(send.target->kind, WSH_TARGET_ROOM);
    EXPECT_EQ(str(send.target->room), "r");
    ASSERT_EQ(send.target->except_conns_count, 1u);
    EXPECT_EQ(send.target->except_conns[0], a);
    EXPECT_EQ(send.receipt.matched, 1u);
    ASSERT_EQ(send.recipients_count, 1u);
    EXPECT_EQ(send.recipients[0], b);
    EXPECT_EQ(str(send.data), R"({"event":"message","room":"r","from":{"connection":")" + id(a) +
                                  R"(","user":"alice"},"text":"hi \"there\""})");
    EXPECT_TRUE(kit.frames(outsider).empty());
}

TEST_F(Rooms, SayOrLeaveOutsideTheRoomIsNotInRoom)
{
    const wsh_conn_id a = wsh_testkit_connect(kit, "alice", nullptr, 0);
    wsh_testkit_reply r = call(a, "say", R"({"room":"r","text":"hi"})");
    EXPECT_EQ(r.kind, WSH_TESTKIT_REPLY_ERROR);
    EXPECT_EQ(str(r.code), "not_in_room");
    r = call(a, "leave", R"({"room":"r"})");
    EXPECT_EQ(str(r.code), "not_in_room");
    // The plugin asked the host, and the host said "not a member" (ABI 1.1).
    wsh_testkit_event leave;
    size_t cursor = 0;
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_LEAVE_ROOM, &cursor, &leave));
    EXPECT_EQ(leave.status, WSH_E_NOT_MEMBER);
}

TEST_F(Rooms, BadPayloads)
{
    const wsh_conn_id a = wsh_testkit_connect(kit, "alice", nullptr, 0);
    for (const char *p : {R"({})", R"({"room":""})", R"({"room":7})"}) {
        const wsh_testkit_reply r = call(a, "join", p);
        EXPECT_EQ(str(r.code), "invalid_payload") << p;
    }
    const std::string long_room(257, 'x');
    EXPECT_EQ(str(call(a, "join", R"({"room":")" + long_room + R"("})").code), "invalid_payload");
    call(a, "join", R"({"room":"r"})");
    EXPECT_EQ(str(call(a, "say", R"({"room":"r","text":1})").code), "invalid_payload");
}

TEST_F(Rooms, DisconnectAnnouncesLeftAndEmptiesTheRoom)
{
    const wsh_conn_id a = wsh_testkit_connect(kit, "alice", nullptr, 0);
    const wsh_conn_id b = wsh_testkit_connect(kit, "bob", nullptr, 0);
    call(a, "join", R"({"room":"r"})");
    call(b, "join", R"({"room":"r"})");
    size_t cursor = wsh_testkit_event_count(kit);
    ASSERT_EQ(wsh_testkit_disconnect(kit, b, 1001), WSH_OK);
    EXPECT_EQ(kit.frames(a, &cursor),
              std::vector<std::string>{R"({"event":"left","room":"r","connection":")" + id(b) +
                                       R"(","user":"bob"})"});
    EXPECT_EQ(wsh_testkit_room_size(kit, "r"), 1u);
    EXPECT_EQ(wsh_testkit_disconnect(kit, b, 1000), WSH_E_GONE);
}

TEST_F(Rooms, JoinsByTheControlApiAreAnnouncedToo)
{
    const wsh_conn_id a = wsh_testkit_connect(kit, "alice", nullptr, 0);
    const wsh_conn_id b = wsh_testkit_connect(kit, "bob", nullptr, 0);
    call(a, "join", R"({"room":"r"})");
    size_t cursor = wsh_testkit_event_count(kit);
    ASSERT_EQ(wsh_testkit_join_room(kit, b, "r"), WSH_OK); // not through the plugin
    EXPECT_EQ(kit.frames(a, &cursor),
              std::vector<std::string>{R"({"event":"joined","room":"r","connection":")" + id(b) +
                                       R"(","user":"bob"})"});
    const wsh_testkit_reply r = call(a, "members", R"({"room":"r"})");
    EXPECT_EQ(str(r.payload), R"({"room":"r","members":[{"connection":")" + id(a) + R"(","user":"alice"},)" +
                                  R"({"connection":")" + id(b) + R"(","user":"bob"}]})");
}

class RoomsNamed : public Rooms
{
  protected:
    const char *config() const override { return R"({"name_tag":"name"})"; }
};

TEST_F(RoomsNamed, TheNameTagAtAdmissionLabelsTheMember)
{
    const wsh_tag name{WSH_STR("name"), WSH_STR("Alice \"A\"")};
    const wsh_conn_id a = wsh_testkit_connect(kit, nullptr, &name, 1);
    const wsh_conn_id b = wsh_testkit_connect(kit, "bob", nullptr, 0);
    call(b, "join", R"({"room":"r"})");
    size_t cursor = wsh_testkit_event_count(kit);
    call(a, "join", R"({"room":"r"})");
    EXPECT_EQ(kit.frames(b, &cursor),
              std::vector<std::string>{R"({"event":"joined","room":"r","connection":")" + id(a) +
                                       R"(","user":null,"name":"Alice \"A\""})"});
}

TEST(RoomsConfig, NonStringNameTagFailsInit)
{
    Kit kit;
    EXPECT_EQ(wsh_testkit_load(kit, ROOMS_SO, "rooms", R"({"name_tag":1})"), WSH_E_FAILED);
    EXPECT_TRUE(wsh_testkit_logged(kit, "name_tag must be a string"));
    EXPECT_EQ(wsh_testkit_action_count(kit), 0u);
}

} // namespace
