// The test kit itself: the host semantics it claims (testkit.h section 3),
// checked with a probe plugin linked into this test (wsh_testkit_load_def)
// whose table and handle the tests call directly, as a plugin thread would.
#include "kit_helpers.h"

#include <thread>

namespace
{
using kit_helpers::Kit;
using kit_helpers::str;

const wsh_host_api *g_api;
wsh_host *g_host;
int g_fini_calls;
int g_init_status;

int act_ok(const wsh_request *req, void *)
{
    return req->api->reply_success(req->host, req->reply, WSH_STR("{\"ok\":true}"));
}
int act_fail(const wsh_request *, void *)
{
    return WSH_E_FAILED;
}
int act_later(const wsh_request *, void *)
{
    return WSH_OK; // answered by the test, through g_api
}
// Joins the room in the payload-less way: "r"; the reply comes after the join.
int act_join(const wsh_request *req, void *)
{
    req->api->join_room(req->host, req->conn, WSH_STR("r"));
    return req->api->reply_none(req->host, req->reply);
}
int act_async(const wsh_request *req, void *)
{
    const wsh_reply_id id = req->reply;
    std::thread([id] { g_api->reply_success(g_host, id, WSH_STR("{\"from\":\"thread\"}")); }).detach();
    return WSH_OK;
}
void on_hook(const wsh_event *, void *) {}

int probe_init(const wsh_init_args *args, void **)
{
    g_api = args->api;
    g_host = args->host;
    args->api->register_action(args->host, WSH_STR("ok"), act_ok, nullptr);
    args->api->register_action(args->host, WSH_STR("fail"), act_fail, nullptr);
    args->api->register_action(args->host, WSH_STR("later"), act_later, nullptr);
    args->api->register_action(args->host, WSH_STR("join"), act_join, nullptr);
    args->api->register_action(args->host, WSH_STR("async"), act_async, nullptr);
    args->api->register_hook(args->host, WSH_HOOK_ROOM_JOINED, on_hook, nullptr);
    return g_init_status;
}
int dup_init(const wsh_init_args *args, void **)
{
    args->api->register_action(args->host, WSH_STR("a"), act_ok, nullptr);
    args->api->register_action(args->host, WSH_STR("a"), act_ok, nullptr); // WSH_E_EXISTS, ignored
    return WSH_OK;
}
void probe_fini(void *)
{
    ++g_fini_calls;
}

const wsh_plugin_def kProbe = WSH_PLUGIN_DEF_INIT("probe", "1.0.0", probe_init, probe_fini);

class Probe : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        g_init_status = WSH_OK;
        g_fini_calls = 0;
        ASSERT_EQ(wsh_testkit_load_def(kit, &kProbe, "probe", nullptr), WSH_OK) << wsh_testkit_error(kit);
        a = wsh_testkit_connect(kit, "alice", nullptr, 0);
        b = wsh_testkit_connect(kit, "bob", nullptr, 0);
    }
    wsh_receipt send(const wsh_target &t, int *status = nullptr)
    {
        wsh_receipt r{};
        r.struct_size = sizeof r;
        const int rc = g_api->send(g_host, &t, WSH_STR("x"), 0, &r);
        if (status)
            *status = rc;
        return r;
    }
    static wsh_target target(wsh_target_kind kind)
    {
        wsh_target t{};
        t.struct_size = sizeof t;
        t.kind = kind;
        return t;
    }
    // The kinds of the HOOK events from *cursor on.
    std::vector<int> hooks(size_t *cursor)
    {
        std::vector<int> out;
        wsh_testkit_event ev;
        while (wsh_testkit_next_event(kit, WSH_TESTKIT_EV_HOOK, cursor, &ev))
            out.push_back(ev.code);
        return out;
    }
    Kit kit;
    wsh_conn_id a = 0, b = 0;
};

TEST(Definition, RefusalsInTheHostsWords)
{
    wsh_plugin_def def = kProbe;
    def.abi_major = WSH_ABI_MAJOR + 1;
    Kit kit;
    EXPECT_EQ(wsh_testkit_load_def(kit, &def, "probe", nullptr), WSH_E_INVALID);
    EXPECT_EQ(std::string(wsh_testkit_error(kit)), "ABI major mismatch: plugin 2, host 1");
    def = kProbe;
    def.abi_minor = WSH_ABI_MINOR + 1;
    EXPECT_EQ(wsh_testkit_load_def(kit, &def, "probe", nullptr), WSH_E_INVALID);
    EXPECT_NE(std::string(wsh_testkit_error(kit)).find("ABI minor too new"), std::string::npos);
    def = kProbe;
    def.struct_size = 8;
    EXPECT_EQ(wsh_testkit_load_def(kit, &def, "probe", nullptr), WSH_E_INVALID);
    EXPECT_EQ(wsh_testkit_load_def(kit, &kProbe, "other", nullptr), WSH_E_INVALID);
    EXPECT_EQ(std::string(wsh_testkit_error(kit)), "name mismatch: plugin says 'probe', config says 'other'");
    EXPECT_EQ(wsh_testkit_load_def(kit, &kProbe, "probe", "[1]"), WSH_E_INVALID);
    EXPECT_EQ(wsh_testkit_load(kit, "/nonexistent/x.so", nullptr, nullptr), WSH_E_INVALID);
}

TEST(Definition, FailedInitLeavesNothingAndGetsNoFini)
{
    Kit kit;
    g_init_status = 42;
    g_fini_calls = 0;
    EXPECT_EQ(wsh_testkit_load_def(kit, &kProbe, nullptr, nullptr), WSH_E_FAILED);
    EXPECT_EQ(wsh_testkit_init_status(kit), 42);
    EXPECT_EQ(wsh_testkit_action_count(kit), 0u);
    EXPECT_EQ(g_fini_calls, 0);
    g_init_status = WSH_OK;
    EXPECT_EQ(wsh_testkit_load_def(kit, &kProbe, nullptr, nullptr), WSH_OK); // the kit is free again
    EXPECT_EQ(wsh_testkit_load_def(kit, &kProbe, nullptr, nullptr), WSH_E_STATE);
    wsh_testkit_unload(kit);
    EXPECT_EQ(g_fini_calls, 1);
}

TEST(Definition, DuplicateActionFailsTheLoadEvenIfInitIgnoresIt)
{
    const wsh_plugin_def dup = WSH_PLUGIN_DEF_INIT("dup", "1", dup_init, probe_fini);
    Kit kit;
    g_fini_calls = 0;
    EXPECT_EQ(wsh_testkit_load_def(kit, &dup, nullptr, nullptr), WSH_E_FAILED);
    EXPECT_EQ(wsh_testkit_init_status(kit), WSH_OK);
    EXPECT_EQ(std::string(wsh_testkit_error(kit)), "duplicate action 'a'");
    EXPECT_EQ(g_fini_calls, 1);
}

TEST_F(Probe, RegistrationIsInitOnly)
{
    EXPECT_EQ(g_api->register_action(g_host, WSH_STR("late"), act_ok, nullptr), WSH_E_STATE);
    EXPECT_EQ(g_api->register_hook(g_host, WSH_HOOK_PONG, on_hook, nullptr), WSH_E_STATE);
    EXPECT_EQ(g_api->send(nullptr, nullptr, WSH_STR(""), 0, nullptr), WSH_E_INVALID);
}

TEST_F(Probe, RepliesAreOneShotAndChecked)
{
    wsh_testkit_reply r;
    const wsh_reply_id id = wsh_testkit_call(kit, a, "later", nullptr, &r);
    EXPECT_EQ(r.kind, WSH_TESTKIT_REPLY_PENDING);
    EXPECT_EQ(g_api->reply_error(g_host, id, WSH_STR("Bad-Code"), WSH_STR("m")), WSH_E_INVALID);
    ASSERT_TRUE(wsh_testkit_get_reply(kit, id, &r));
    EXPECT_EQ(str(r.code), "handler_failed"); // a refused reply is used up
    EXPECT_TRUE(r.by_host);
    EXPECT_EQ(g_api->reply_none(g_host, id), WSH_E_GONE);

    const wsh_reply_id id2 = wsh_testkit_call(kit, a, "later", nullptr, nullptr);
    EXPECT_EQ(g_api->reply_success(g_host, id2, WSH_STR("{\"a\":1} x")), WSH_E_INVALID);
    const wsh_reply_id id3 = wsh_testkit_call(kit, a, "later", nullptr, nullptr);
    EXPECT_EQ(g_api->reply_success(g_host, id3, WSH_STR("")), WSH_OK);
    wsh_testkit_get_reply(kit, id3, &r);
    EXPECT_EQ(str(r.payload), "{}");
    EXPECT_FALSE(r.by_host);
}

TEST_F(Probe, ReplyMembersAreWrittenByTheKitAsByTheHost)
{
    wsh_testkit_reply r;
    const wsh_str rest = WSH_STR("\"b\"");
    const wsh_member members[] = {
        {WSH_STR("text"), WSH_VALUE_STRING, WSH_STR("a "), &rest, 1, 0},
        {WSH_STR("n"), WSH_VALUE_INT, {nullptr, 0}, nullptr, 0, -1},
    };
    const wsh_reply_id id = wsh_testkit_call(kit, a, "later", nullptr, nullptr);
    EXPECT_EQ(g_api->reply_members(g_host, id, members, 2), WSH_OK);
    ASSERT_TRUE(wsh_testkit_get_reply(kit, id, &r));
    EXPECT_EQ(r.kind, WSH_TESTKIT_REPLY_SUCCESS);
    EXPECT_EQ(str(r.payload), R"({"text":"a \"b\"","n":-1})");
    EXPECT_EQ(g_api->reply_members(g_host, id, members, 2), WSH_E_GONE); // one-shot

    const wsh_member bad = {WSH_STR("k"), WSH_VALUE_STRING, WSH_STR("\xff"), nullptr, 0, 0};
    const wsh_reply_id id2 = wsh_testkit_call(kit, a, "later", nullptr, nullptr);
    EXPECT_EQ(g_api->reply_members(g_host, id2, &bad, 1), WSH_E_INVALID);
    wsh_testkit_get_reply(kit, id2, &r);
    EXPECT_EQ(str(r.code), "handler_failed"); // used up, as on the host
    EXPECT_TRUE(r.by_host);

    const wsh_reply_id id3 = wsh_testkit_call(kit, a, "later", nullptr, nullptr);
    EXPECT_EQ(g_api->reply_members(g_host, id3, nullptr, 0), WSH_OK);
    wsh_testkit_get_reply(kit, id3, &r);
    EXPECT_EQ(str(r.payload), "{}");
}

TEST_F(Probe, TimeoutThenLateReplyIsGone)
{
    const wsh_reply_id id = wsh_testkit_call(kit, a, "later", nullptr, nullptr);
    EXPECT_EQ(wsh_testkit_expire_reply(kit, id), 1);
    EXPECT_EQ(g_api->reply_none(g_host, id), WSH_E_GONE);
    wsh_testkit_reply r;
    wsh_testkit_get_reply(kit, id, &r);
    EXPECT_EQ(str(r.code), "handler_timeout");
}

TEST_F(Probe, FailingHandlerAndUnknownAction)
{
    size_t cursor = wsh_testkit_event_count(kit);
    wsh_testkit_reply r;
    wsh_testkit_call(kit, a, "fail", nullptr, &r);
    EXPECT_EQ(str(r.code), "handler_failed");
    EXPECT_EQ(r.handler_status, WSH_E_FAILED);
    EXPECT_EQ(hooks(&cursor), std::vector<int>{WSH_HOOK_UNHANDLED_EXCEPTION});
    wsh_testkit_call(kit, a, "nope", nullptr, &r);
    EXPECT_EQ(str(r.code), "unsupported_action");
    EXPECT_EQ(str(r.message), "Action 'nope' is not supported.");
    EXPECT_EQ(hooks(&cursor), std::vector<int>{WSH_HOOK_INVALID_MESSAGE});
    EXPECT_EQ(wsh_testkit_call(kit, 999, "ok", nullptr, &r), 0u); // not a live connection
    EXPECT_EQ(wsh_testkit_call(kit, a, "ok", "[]", &r), 0u);      // the host never delivers that
}

TEST_F(Probe, AsyncReplyFromAThreadIsWaitable)
{
    for (int i = 0; i < 20; ++i) {
        const wsh_reply_id id = wsh_testkit_call(kit, a, "async", nullptr, nullptr);
        wsh_testkit_reply r;
        ASSERT_TRUE(wsh_testkit_wait_reply(kit, id, 10000, &r));
        EXPECT_EQ(str(r.payload), "{\"from\":\"thread\"}");
    }
    EXPECT_EQ(wsh_testkit_wait_reply(kit, 12345, 0, nullptr), 0);
}

TEST_F(Probe, HooksRunAfterTheCallThatCausedThem)
{
    size_t cursor = wsh_testkit_event_count(kit);
    wsh_testkit_call(kit, a, "join", nullptr, nullptr);
    wsh_testkit_event join, reply, created, joined;
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_JOIN_ROOM, &cursor, &join));
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_REPLY, &cursor, &reply));
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_HOOK, &cursor, &created));
    ASSERT_TRUE(wsh_testkit_next_event(kit, WSH_TESTKIT_EV_HOOK, &cursor, &joined));
    EXPECT_EQ(created.code, WSH_HOOK_ROOM_CREATED);
    EXPECT_FALSE(created.delivered);
    EXPECT_EQ(joined.code, WSH_HOOK_ROOM_JOINED);
    EXPECT_TRUE(joined.delivered);
    EXPECT_EQ(str(joined.room), "r");
    EXPECT_EQ(str(joined.user), "alice");
}

TEST_F(Probe, RoomCodesAndHookOrder)
{
    size_t cursor = wsh_testkit_event_count(kit);
    EXPECT_EQ(g_api->join_room(g_host, a, WSH_STR("r")), WSH_OK);
    EXPECT_EQ(g_api->join_room(g_host, a, WSH_STR("r")), WSH_E_EXISTS);
    EXPECT_EQ(g_api->join_room(g_host, b, WSH_STR("r")), WSH_OK);
    EXPECT_EQ(g_api->leave_room(g_host, b, WSH_STR("s")), WSH_E_NOT_MEMBER);
    EXPECT_EQ(g_api->join_room(g_host, a, WSH_STR("")), WSH_E_INVALID);
    EXPECT_EQ(g_api->join_room(g_host, 999, WSH_STR("r")), WSH_E_GONE);
    size_t n = 0, changed = 7;
    EXPECT_EQ(g_api->room_count(g_host, WSH_STR("r"), &n), WSH_OK);
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(g_api->join_room_user(g_host, WSH_STR("nobody"), WSH_STR("r"), &changed), WSH_OK);
    EXPECT_EQ(changed, 0u);
    wsh_testkit_run_hooks(kit); // caused off the driving calls: run them now
    EXPECT_EQ(hooks(&cursor),
              (std::vector<int>{WSH_HOOK_ROOM_CREATED, WSH_HOOK_ROOM_JOINED, WSH_HOOK_ROOM_JOINED}));
    ASSERT_EQ(wsh_testkit_disconnect(kit, a, 1000), WSH_OK);
    EXPECT_EQ(hooks(&cursor), (std::vector<int>{WSH_HOOK_ROOM_LEFT, WSH_HOOK_DISCONNECTED}));
    EXPECT_EQ(wsh_testkit_leave_room(kit, b, "r"), WSH_OK);
    EXPECT_EQ(hooks(&cursor), (std::vector<int>{WSH_HOOK_ROOM_LEFT, WSH_HOOK_ROOM_DESTROYED}));
    EXPECT_EQ(g_api->set_user(g_host, a, WSH_STR("x")), WSH_E_GONE);
}

TEST_F(Probe, SendTargetsExclusionsAndReceipts)
{
    const wsh_tag fr{WSH_STR("lang"), WSH_STR("fr")};
    const wsh_conn_id c = wsh_testkit_connect(kit, "alice", &fr, 1); // alice's second connection
    wsh_target t = target(WSH_TARGET_USER);
    t.user = WSH_STR("alice");
    EXPECT_EQ(send(t).matched, 2u);
    t.except_conns = &c;
    t.except_conns_count = 1;
    EXPECT_EQ(send(t).matched, 1u);
    t = target(WSH_TARGET_ALL);
    const wsh_str alice = WSH_STR("alice");
    t.except_users = &alice;
    t.except_users_count = 1;
    EXPECT_EQ(send(t).matched, 1u); // bob
    t = target(WSH_TARGET_TAGS);
    t.tags = &fr;
    t.tags_count = 1;
    EXPECT_EQ(send(t).matched, 1u);
    t = target(WSH_TARGET_USER);
    t.user = WSH_STR("offline");
    int status = -1;
    EXPECT_EQ(send(t, &status).matched, 0u);
    EXPECT_EQ(status, WSH_OK);
    // Malformed: an empty tag predicate, two values for one key, an unknown kind.
    t = target(WSH_TARGET_TAGS);
    send(t, &status);
    EXPECT_EQ(status, WSH_E_INVALID);
    const wsh_tag two[] = {fr, {WSH_STR("lang"), WSH_STR("de")}};
    t.tags = two;
    t.tags_count = 2;
    send(t, &status);
    EXPECT_EQ(status, WSH_E_INVALID);
    t = target(static_cast<wsh_target_kind>(7)); // in the enum's range, but no kind
    send(t, &status);
    EXPECT_EQ(status, WSH_E_INVALID);
    // A connection the plugin is closing counts as dropped until it has closed.
    EXPECT_EQ(g_api->close_connection(g_host, b, 4000, WSH_STR("done")), WSH_OK);
    EXPECT_EQ(g_api->close_connection(g_host, b, 1001, WSH_STR("")), WSH_E_INVALID); // not 1000 or 3000..4999
    t = target(WSH_TARGET_CONNECTION);
    t.conn = b;
    const wsh_receipt r = send(t);
    EXPECT_EQ(r.matched, 1u);
    EXPECT_EQ(r.dropped, 1u);
    wsh_testkit_run_hooks(kit);
    EXPECT_FALSE(wsh_testkit_is_live(kit, b));
    EXPECT_EQ(send(t).matched, 0u);
}

TEST_F(Probe, ConnectionInfoCallsBackWithTheHostsView)
{
    const wsh_tag tags[] = {{WSH_STR("z"), WSH_STR("1")}, {WSH_STR("a"), WSH_STR("2")}};
    const wsh_conn_id c = wsh_testkit_connect(kit, nullptr, tags, 2);
    g_api->join_room(g_host, c, WSH_STR("r2"));
    g_api->join_room(g_host, c, WSH_STR("r1"));
    std::string seen;
    auto fn = [](const wsh_conn_info *infos, size_t count, void *ud) {
        auto *out = static_cast<std::string *>(ud);
        ASSERT_EQ(count, 1u);
        *out = "user=" + str(infos[0].user_id) + " tags=" + str(infos[0].tags[0].key) +
               str(infos[0].tags[1].key) + " rooms=" + str(infos[0].rooms[0]) + str(infos[0].rooms[1]) +
               " endpoint=" + str(infos[0].endpoint);
        // No kit lock is held here: the plugin may call the host again.
        size_t n = 0;
        g_api->room_count(g_host, WSH_STR("r1"), &n);
        *out += " n=" + std::to_string(n);
    };
    EXPECT_EQ(g_api->connection_info(g_host, c, fn, &seen), WSH_OK);
    EXPECT_EQ(seen, "user= tags=az rooms=r1r2 endpoint=/ n=1");
    EXPECT_EQ(g_api->connection_info(g_host, 999, fn, &seen), WSH_E_GONE);
}

TEST_F(Probe, ResetForgetsTheRecordAndClosesOpenReplies)
{
    const wsh_reply_id id = wsh_testkit_call(kit, a, "later", nullptr, nullptr);
    wsh_testkit_reset(kit);
    EXPECT_EQ(wsh_testkit_event_count(kit), 0u);
    EXPECT_EQ(g_api->reply_none(g_host, id), WSH_E_GONE);
    EXPECT_TRUE(wsh_testkit_is_live(kit, a)); // state stays
}

TEST_F(Probe, UnloadRunsFiniAndTheTableAnswersGone)
{
    wsh_testkit_unload(kit);
    EXPECT_EQ(g_fini_calls, 1);
    EXPECT_EQ(g_api->set_tag(g_host, a, WSH_STR("k"), WSH_STR("v")), WSH_E_GONE);
}

} // namespace
