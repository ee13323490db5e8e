// ControlApi admin endpoints against a real Gateway: rooms, tags,
// disconnect, paging, users, plugins, reload and the metrics scrape.
#include "control_fixture.h"

namespace
{

// --- admin ------------------------------------------------------------------

TEST_F(ControlApiTest, RoomsJoinLeaveAndList)
{
    Connection *a = connect("alice"), *b1 = connect("bob"), *b2 = connect("bob");
    (void)b1, (void)b2;
    const std::string ida = std::to_string(a->id);
    ControlResponse r = call("POST", "/v1/rooms/caf%C3%A9/join", R"({"connection":")" + ida + R"("})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "{\"status\":\"success\",\"room\":\"caf\xc3\xa9\",\"changed\":1}");
    EXPECT_EQ(
        json(call("POST", "/v1/rooms/caf%C3%A9/join", R"({"connection":)" + ida + "}")).find("changed")->text,
        "0");
    EXPECT_EQ(json(call("POST", "/v1/rooms/caf%C3%A9/join", R"({"user":"bob"})")).find("changed")->text, "2");

    r = call("GET", "/v1/rooms");
    EXPECT_EQ(r.body, "{\"status\":\"success\",\"rooms\":[{\"room\":\"caf\xc3\xa9\",\"count\":3}]}");
    JsonValue room = json(call("GET", "/v1/rooms/caf%c3%a9"));
    ASSERT_EQ(room.find("members")->items.size(), 3u);
    EXPECT_EQ(room.find("members")->items[0].find("connection")->text, ida);
    EXPECT_EQ(room.find("members")->items[0].find("user")->text, "alice");
    EXPECT_EQ(room.find("count")->text, "3");

    EXPECT_EQ(json(call("POST", "/v1/rooms/caf%C3%A9/leave", R"({"user":"bob"})")).find("changed")->text,
              "2");
    EXPECT_EQ(json(call("GET", "/v1/rooms/caf%C3%A9")).find("count")->text, "1");
    EXPECT_EQ(json(call("GET", "/v1/rooms/empty")).find("members")->items.size(), 0u);

    EXPECT_EQ(call("POST", "/v1/rooms/r/join", R"({"connection":"999"})").status, 404);
    expect_bad(call("POST", "/v1/rooms/r/join", R"({})"), "\"connection\" or \"user\"");
    expect_bad(call("POST", "/v1/rooms/r/join", R"({"connection":"1","user":"a"})"),
               "\"connection\" or \"user\"");
    expect_bad(call("POST", "/v1/rooms/%zz/join", R"({"user":"a"})"), "percent-encoding");
    expect_bad(call("POST", "/v1/rooms/a%00b/join", R"({"user":"a"})"), "{room}");
    EXPECT_EQ(call("POST", "/v1/rooms/r/join", R"({"user":"a"})", "push-secret").status, 403);
}

TEST_F(ControlApiTest, TagsSetAndRemove)
{
    Connection *c = connect("u", {{"old", "1"}});
    const std::string path = "/v1/connections/" + std::to_string(c->id) + "/tags";
    ControlResponse r = call("POST", path, R"({"set":{"language":"FR","tier":"gold"},"remove":["old"]})");
    ASSERT_EQ(r.status, 200) << r.body;
    JsonValue tags = *json(r).find("connection")->find("tags");
    ASSERT_EQ(tags.members.size(), 2u);
    EXPECT_EQ(tags.find("language")->text, "FR");
    expect_receipt(call("POST", "/publish", R"({"tags":{"language":"FR","tier":"gold"},"payload":"x"})"), 1,
                   1);
    expect_bad(call("POST", path, R"({"set":{"a":"1"},"remove":["a"]})"), "\"a\"");
    expect_bad(call("POST", path, R"({"set":{"a":""}})"), "\"set.a\"");
    expect_bad(call("POST", path, R"({"remove":"a"})"), "\"remove\"");
    expect_bad(call("POST", "/v1/connections/abc/tags", R"({})"), "{id}");
    EXPECT_EQ(call("POST", "/v1/connections/999/tags", R"({"set":{"a":"b"}})").status, 404);
    EXPECT_EQ(call("POST", path, R"({})").status, 200); // nothing to change
}

TEST_F(ControlApiTest, DisconnectChecksCodeAndReason)
{
    Connection *a = connect("a"), *b1 = connect("b"), *b2 = connect("b");
    const std::string ida = std::to_string(a->id);
    expect_bad(call("POST", "/v1/disconnect", R"({"connection":")" + ida + R"(","code":1001})"), "\"code\"");
    expect_bad(call("POST", "/v1/disconnect", R"({"connection":")" + ida + R"(","code":5000})"), "\"code\"");
    expect_bad(call("POST", "/v1/disconnect", R"({"connection":")" + ida + R"(","code":3000.5})"),
               "\"code\"");
    expect_bad(call("POST", "/v1/disconnect", R"({"connection":")" + ida + R"(","code":"4000"})"),
               "\"code\"");
    expect_bad(call("POST", "/v1/disconnect",
                    R"({"connection":")" + ida + R"(","reason":")" + std::string(124, 'r') + "\"}"),
               "\"reason\"");
    EXPECT_EQ(gateway->close_code_of(*a), 0); // refused requests closed nothing

    ControlResponse r =
        call("POST", "/v1/disconnect",
             R"({"connection":")" + ida + R"(","code":4000,"reason":")" + std::string(123, 'r') + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"status":"success","closed":1})");
    EXPECT_EQ(gateway->close_code_of(*a), 4000);
    EXPECT_EQ(call("POST", "/v1/disconnect", R"({"user":"b"})").body, R"({"status":"success","closed":2})");
    EXPECT_EQ(gateway->close_code_of(*b1), 1000);
    EXPECT_EQ(gateway->close_code_of(*b2), 1000);
    EXPECT_EQ(call("POST", "/v1/disconnect", R"({"user":"nobody"})").body,
              R"({"status":"success","closed":0})");
    EXPECT_EQ(call("POST", "/v1/disconnect", R"({"connection":"999"})").status, 404);
}

TEST_F(ControlApiTest, ConnectionsArePagedByAscendingId)
{
    EXPECT_EQ(call("GET", "/v1/connections").body,
              R"({"status":"success","connections":[],"next_cursor":null})");
    std::vector<Connection *> conns;
    for (int i = 0; i < 5; ++i)
        conns.push_back(connect("u" + std::to_string(i)));
    std::vector<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
        JsonValue v = json(call("GET", "/v1/connections?limit=2&cursor=" + cursor));
        for (const JsonValue &c : v.find("connections")->items)
            seen.push_back(c.find("id")->text);
        const JsonValue *next = v.find("next_cursor");
        if (next->is(JsonValue::Type::null))
            break;
        cursor = next->text;
    }
    ASSERT_EQ(seen.size(), 5u);
    for (std::size_t i = 0; i < 5; ++i)
        EXPECT_EQ(seen[i], std::to_string(conns[i]->id));
    JsonValue all = json(call("GET", "/v1/connections"));
    EXPECT_EQ(all.find("connections")->items[0].find("user")->text, "u0");
    EXPECT_TRUE(all.find("next_cursor")->is(JsonValue::Type::null));
    expect_bad(call("GET", "/v1/connections?limit=0"), "\"limit\"");
    expect_bad(call("GET", "/v1/connections?limit=1001"), "\"limit\"");
    expect_bad(call("GET", "/v1/connections?cursor=x"), "\"cursor\"");
    expect_bad(call("GET", "/v1/connections?page=2"), "\"page\"");
    expect_bad(call("GET", "/v1/connections?limit=1&limit=2"), "\"limit\"");

    JsonValue one = json(call("GET", "/v1/connections/" + std::to_string(conns[1]->id)));
    EXPECT_EQ(one.find("connection")->find("user")->text, "u1");
    EXPECT_EQ(call("GET", "/v1/connections/999").status, 404);
}

TEST_F(ControlApiTest, UsersListTheirConnections)
{
    Connection *a = connect("ann"), *b = connect("ann");
    JsonValue v = json(call("GET", "/v1/users/ann"));
    ASSERT_EQ(v.find("connections")->items.size(), 2u);
    EXPECT_EQ(v.find("connections")->items[0].find("id")->text, std::to_string(a->id));
    EXPECT_EQ(v.find("connections")->items[1].find("id")->text, std::to_string(b->id));
    EXPECT_EQ(json(call("GET", "/v1/users/nobody")).find("connections")->items.size(), 0u);
}

TEST_F(ControlApiTest, PluginsReloadAndMetrics)
{
    JsonValue v = json(call("GET", "/v1/plugins"));
    EXPECT_EQ(v.find("plugins")->items[0].find("name")->text, "echo");
    plugins = "not json";
    EXPECT_EQ(call("GET", "/v1/plugins").status, 500);

    for (const char *method : {"GET", "POST"}) {
        ControlResponse r = call(method, "/v1/reload");
        EXPECT_EQ(r.status, 501);
        EXPECT_EQ(json(r).find("error")->find("code")->text, "not_implemented");
    }

    call("POST", "/v1/send", R"({"to":{"all":true},"text":"x"})");
    call("GET", "/v1/rooms/x", "", "push-secret");
    ControlResponse m = call("GET", "/metrics", "", "metrics-secret");
    ASSERT_EQ(m.status, 200);
    EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(m.body.find("wshost_control_requests_total{endpoint=\"/v1/send\",status=\"200\"} 1\n"),
              std::string::npos);
    EXPECT_NE(m.body.find("wshost_control_requests_total{endpoint=\"/v1/rooms/{room}\",status=\"403\"} 1\n"),
              std::string::npos);
    EXPECT_NE(m.body.find("# TYPE wshost_action_duration_seconds histogram"), std::string::npos);
}

TEST(ControlApiHooks, DefaultsWithoutHooks)
{
    Gateway gateway{WebSocketConfig{}};
    ControlConfig config;
    config.tokens = {{"t", {"admin"}, {}}};
    ControlApi api(gateway, config, ControlHooks{});
    EXPECT_EQ(api.handle({"GET", "/readyz", "", "", ""}).status, 200);
    EXPECT_EQ(api.handle({"GET", "/v1/plugins", "", "", "Bearer t"}).body,
              R"({"status":"success","plugins":[]})");
    EXPECT_EQ(api.handle({"GET", "/v1/reload", "", "", "Bearer t"}).status, 501);

    ControlHooks hooks;
    std::vector<bool> calls;
    hooks.reload_status = [&] {
        calls.push_back(false);
        return std::string(R"({"generation":1,"status":"ok"})");
    };
    std::function<void(bool, std::string)> finish_attempt;
    hooks.reload_start = [&](std::function<void(bool, std::string)> done) {
        calls.push_back(true);
        finish_attempt = std::move(done);
    };
    ControlApi with_reload(gateway, config, hooks);
    ControlResponse started = with_reload.handle({"POST", "/v1/reload", "", "", "Bearer t"});
    ASSERT_TRUE(started.defer); // answered when the attempt has finished, not now
    std::optional<ControlResponse> answer;
    started.defer([&](ControlResponse r) { answer = std::move(r); });
    EXPECT_FALSE(answer);
    finish_attempt(false, R"({"generation":1,"status":"failed"})");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 422);
    EXPECT_EQ(answer->body, R"({"generation":1,"status":"failed"})");
    ControlResponse r = with_reload.handle({"GET", "/v1/reload", "", "", "Bearer t"});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"generation":1,"status":"ok"})");
    EXPECT_EQ(calls, (std::vector<bool>{true, false}));
}

} // namespace
