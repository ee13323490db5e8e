// Cluster-wide answers (control_gather.cpp): with a gather hook standing in
// for the other nodes, lists and user forms merge every node's part. The
// real cluster path is tests/cluster/test_cluster_sends.py.
#include "control_fixture.h"

#include <vector>

namespace
{

class ControlGatherTest : public ControlApiTest
{
  protected:
    void SetUp() override
    {
        ControlApiTest::SetUp();
        gateway->set_node_number(2); // local ids: 2 << 48 | n
        ControlHooks hooks;
        hooks.node_id = "node-2";
        hooks.gather = [this](const ControlRequest &request, const GatherScope &scope,
                              std::function<void(Gathered)> done) {
            asked.push_back(request.path + "?" + request.query);
            scopes.push_back(scope);
            done(others);
        };
        api = std::make_unique<ControlApi>(*gateway, config, hooks);
    }

    // The deferred answer, delivered (the fake answers at once).
    ControlResponse answer(std::string method, std::string path, std::string body = {})
    {
        ControlResponse r = call(std::move(method), std::move(path), std::move(body));
        if (!r.defer)
            return r;
        ControlResponse later;
        later.status = 0;
        r.defer([&](ControlResponse a) { later = std::move(a); });
        return later;
    }

    static ControlResponse part(std::string body)
    {
        ControlResponse r;
        r.body = std::move(body);
        return r;
    }

    static std::string id(unsigned node, unsigned n)
    {
        return std::to_string((std::uint64_t(node) << 48) | n);
    }

    Gathered others;
    std::vector<std::string> asked;
    std::vector<GatherScope> scopes;
};

TEST_F(ControlGatherTest, ConnectionPagesMergeInAscendingIdOrderAcrossNodes)
{
    Connection *a = connect("ann"), *b = connect("bob");
    ASSERT_EQ(std::to_string(a->id), id(2, 1));
    others.answers = {part(R"({"status":"success","connections":[{"id":")" + id(1, 1) +
                           R"(","node":"node-1"},{"id":")" + id(1, 2) + R"(","node":"node-1"},{"id":")" +
                           id(3, 1) + R"(","node":"node-3"}],"next_cursor":null})")};
    JsonValue v = json(answer("GET", "/v1/connections?limit=3"));
    EXPECT_EQ(asked, std::vector<std::string>{"/v1/connections?limit=3"});
    EXPECT_EQ(scopes.at(0).kind, GatherScope::Kind::everyone);
    std::vector<std::string> ids;
    for (const JsonValue &c : v.find("connections")->items)
        ids.push_back(c.find("id")->text + "@" + c.find("node")->text);
    EXPECT_EQ(ids,
              (std::vector<std::string>{id(1, 1) + "@node-1", id(1, 2) + "@node-1", id(2, 1) + "@node-2"}));
    EXPECT_EQ(v.find("next_cursor")->text, id(2, 1)); // two more: b here, id(3, 1) there

    // Exactly `limit` in all, no node with more: the last page.
    others.answers = {
        part(R"({"status":"success","connections":[{"id":")" + id(3, 1) + R"("}],"next_cursor":null})")};
    v = json(answer("GET", "/v1/connections?limit=2&cursor=" + id(2, 1)));
    ASSERT_EQ(v.find("connections")->items.size(), 2u);
    EXPECT_EQ(v.find("connections")->items[0].find("id")->text, std::to_string(b->id));
    EXPECT_TRUE(v.find("next_cursor")->is(JsonValue::Type::null)) << v.find("next_cursor")->text;
    // A node with more than it sent: more pages even under the limit here.
    others.answers = {part(R"({"status":"success","connections":[],"next_cursor":")" + id(3, 1) + "\"}")};
    v = json(answer("GET", "/v1/connections?limit=5"));
    EXPECT_EQ(v.find("next_cursor")->text, std::to_string(b->id));
}

TEST_F(ControlGatherTest, RoomsSumTheirMembersAndUserFormsSumTheirChanges)
{
    Connection *a = connect("ann");
    ASSERT_EQ(answer("POST", "/v1/rooms/r/join", R"({"connection":")" + std::to_string(a->id) + "\"}").status,
              200);
    EXPECT_TRUE(asked.empty()); // a connection of this node: nobody else asked
    others.answers = {
        part(R"({"status":"success","rooms":[{"room":"a","count":2},{"room":"r","count":3}]})")};
    EXPECT_EQ(answer("GET", "/v1/rooms").body,
              R"({"status":"success","rooms":[{"room":"a","count":2},{"room":"r","count":4}]})");

    others.answers = {part(R"({"status":"success","room":"q","changed":2})"),
                      part(R"({"status":"success","room":"q","changed":1})")};
    EXPECT_EQ(answer("POST", "/v1/rooms/q/join", R"({"user":"ann"})").body,
              R"({"status":"success","room":"q","changed":4})");
    EXPECT_EQ(scopes.back().kind, GatherScope::Kind::user);
    EXPECT_EQ(scopes.back().name, "ann");

    others.answers = {part(R"({"status":"success","room":"q","count":1,"members":[{"connection":")" +
                           id(1, 7) + R"(","node":"node-1","user":null}]})")};
    JsonValue v = json(answer("GET", "/v1/rooms/q"));
    EXPECT_EQ(v.find("count")->text, "2");
    EXPECT_EQ(v.find("members")->items[0].find("connection")->text, id(1, 7));
    EXPECT_EQ(scopes.back().kind, GatherScope::Kind::room);

    others.answers = {part(R"({"status":"success","closed":3})")};
    EXPECT_EQ(answer("POST", "/v1/disconnect", R"({"user":"ann"})").body,
              R"({"status":"success","closed":4})");
}

TEST_F(ControlGatherTest, AMissingOrFailedPartIsTheAnswerAndLocalScopeAsksNobody)
{
    connect("ann");
    others.error = ControlApi::error(504, "some node did not answer");
    ControlResponse r = answer("GET", "/v1/users/ann");
    EXPECT_EQ(r.status, 504);
    EXPECT_NE(r.body.find("?scope=local"), std::string::npos) << r.body;
    others.error = ControlApi::error(503, "Redis does not answer");
    r = answer("POST", "/v1/disconnect", R"({"user":"ann"})");
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("this node's connections were changed"), std::string::npos) << r.body;
    others.error.reset();
    others.answers = {ControlApi::error(503, "busy")};
    EXPECT_EQ(answer("GET", "/v1/rooms").status, 503);
    others.answers = {part("not json")};
    EXPECT_EQ(answer("GET", "/v1/rooms").status, 500);

    asked.clear();
    for (const char *path : {"/v1/connections?scope=local", "/v1/rooms?scope=local",
                             "/v1/rooms/r?scope=local", "/v1/users/ann?scope=local"})
        EXPECT_EQ(answer("GET", path).status, 200) << path;
    EXPECT_TRUE(asked.empty());
    expect_bad(answer("GET", "/v1/rooms?scope=all"), "\"scope\"");
    expect_bad(answer("GET", "/v1/users/ann?limit=2"), "\"limit\"");
    // Invalid input is refused before anyone is asked.
    expect_bad(answer("POST", "/v1/rooms/q/join", R"({"user":""})"), "user");
    EXPECT_TRUE(asked.empty());
}

} // namespace
