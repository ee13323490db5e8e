// The raw-echo example (plugins/raw-echo) on the test kit: each message comes
// back to its sender, byte for byte and with its opcode; "close" closes.
#include "kit_helpers.h"

namespace
{
using kit_helpers::Kit;
using kit_helpers::str;

class RawEcho : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(wsh_testkit_load(kit, RAW_ECHO_SO, "raw-echo", nullptr), WSH_OK) << wsh_testkit_error(kit);
        ASSERT_TRUE(wsh_testkit_has_message_handler(kit));
        wsh_testkit_conn_opts opts{};
        opts.struct_size = sizeof opts;
        opts.endpoint = "/raw";
        conn = wsh_testkit_connect_ex(kit, &opts);
        other = wsh_testkit_connect_ex(kit, &opts);
    }
    Kit kit;
    wsh_conn_id conn = 0, other = 0;
};

TEST_F(RawEcho, TextAndBinaryComeBackToTheSenderOnly)
{
    const std::string bin("\x00\xff\x01", 3);
    EXPECT_EQ(wsh_testkit_deliver(kit, conn, WSH_OPCODE_TEXT, "h\xc3\xa9llo", 6), WSH_OK);
    EXPECT_EQ(wsh_testkit_deliver(kit, conn, WSH_OPCODE_BINARY, bin.data(), bin.size()), WSH_OK);
    EXPECT_EQ(wsh_testkit_deliver(kit, conn, WSH_OPCODE_TEXT, nullptr, 0), WSH_OK);

    size_t cursor = 0;
    wsh_testkit_frame f;
    ASSERT_TRUE(wsh_testkit_next_frame(kit, conn, &cursor, &f));
    EXPECT_EQ(str(f.data), "h\xc3\xa9llo");
    EXPECT_FALSE(f.binary);
    ASSERT_TRUE(wsh_testkit_next_frame(kit, conn, &cursor, &f));
    EXPECT_EQ(str(f.data), bin);
    EXPECT_TRUE(f.binary);
    ASSERT_TRUE(wsh_testkit_next_frame(kit, conn, &cursor, &f));
    EXPECT_EQ(f.data.len, 0u);
    EXPECT_FALSE(wsh_testkit_next_frame(kit, conn, &cursor, &f));
    EXPECT_TRUE(kit.frames(other).empty());

    wsh_testkit_event send;
    cursor = 0;
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_SEND, &cursor, &send));
    EXPECT_EQ(send.target->kind, WSH_TARGET_CONNECTION);
    EXPECT_EQ(send.conn, conn);
    EXPECT_EQ(send.receipt.matched, 1u);
    EXPECT_EQ(send.receipt.enqueued, 1u);
}

TEST_F(RawEcho, CloseClosesWith1000AndTheDisconnectHookFollows)
{
    EXPECT_EQ(wsh_testkit_deliver(kit, conn, WSH_OPCODE_TEXT, "close", 5), WSH_OK);
    wsh_testkit_event ev;
    size_t cursor = 0;
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_CLOSE, &cursor, &ev));
    EXPECT_EQ(ev.status, WSH_OK);
    EXPECT_EQ(ev.conn, conn);
    EXPECT_EQ(ev.code, 1000);
    EXPECT_EQ(str(ev.data), "bye");
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_HOOK, &cursor, &ev));
    EXPECT_EQ(ev.code, WSH_HOOK_DISCONNECTED);
    EXPECT_FALSE(ev.delivered); // raw-echo registers no hooks
    EXPECT_FALSE(wsh_testkit_is_live(kit, conn));
    EXPECT_EQ(wsh_testkit_deliver(kit, conn, WSH_OPCODE_TEXT, "x", 1), WSH_E_GONE);
    EXPECT_TRUE(wsh_testkit_is_live(kit, other));
}

TEST_F(RawEcho, TextThatIsNotUtf8NeverReachesTheHandler)
{
    const size_t before = wsh_testkit_event_count(kit);
    EXPECT_EQ(wsh_testkit_deliver(kit, conn, WSH_OPCODE_TEXT, "\xff", 1), WSH_E_INVALID);
    EXPECT_EQ(wsh_testkit_event_count(kit), before);
}

} // namespace
