// ControlApi against a real Gateway, without a listener: auth, routing,
// validation (nothing is pushed by a rejected request) and push receipts.
#include "control_fixture.h"

namespace
{

// --- auth, routing ---------------------------------------------------------

TEST_F(ControlApiTest, HealthAndReadinessNeedNoToken)
{
    ControlResponse r = call("GET", "/healthz", "", "");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"status":"ok","cluster":"none"})");
    EXPECT_EQ(call("GET", "/readyz", "", "").status, 200);
    ready = false;
    r = call("GET", "/readyz", "", "");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"status":"not_ready"})");
    EXPECT_EQ(call("GET", "/readyz", "", "wrong").status, 503); // a bad token does not matter here
    r = call("POST", "/healthz", "", "");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(header(r, "Allow"), "GET");
}

TEST_F(ControlApiTest, MissingOrWrongTokenIs401WithChallenge)
{
    for (const char *auth : {"", "Bearer wrong", "Bearer ", "Basic YWxsLXNlY3JldA==", "all-secret",
                             "Bearer all-secret2", "Bearer all-secre"}) {
        ControlRequest r{"GET", "/v1/rooms", "", "", auth};
        ControlResponse resp = api->handle(r);
        EXPECT_EQ(resp.status, 401) << auth;
        EXPECT_EQ(header(resp, "WWW-Authenticate"), "Bearer");
        EXPECT_EQ(json(resp).find("error")->find("code")->text, "invalid_control_request");
    }
    // Also on unknown paths: without a token the API cannot be mapped.
    EXPECT_EQ(call("GET", "/nowhere", "", "").status, 401);
    // The scheme is case-insensitive (RFC 7235).
    EXPECT_EQ(api->handle({"GET", "/v1/rooms", "", "", "bearer all-secret"}).status, 200);
}

TEST_F(ControlApiTest, WrongScopeIs403)
{
    EXPECT_EQ(call("GET", "/v1/rooms", "", "push-secret").status, 403);
    EXPECT_EQ(call("GET", "/metrics", "", "admin-secret").status, 403);
    ControlResponse r = call("POST", "/send-text", R"({"userId":"1","payload":"x"})", "admin-secret");
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("\\\"push\\\" scope"), std::string::npos) << r.body;
    EXPECT_EQ(call("POST", "/send-text", R"({"userId":"1","payload":"x"})", "push-secret").status, 200);
    EXPECT_EQ(call("GET", "/metrics", "", "metrics-secret").status, 200);
    EXPECT_EQ(call("GET", "/v1/rooms", "", "admin-secret").status, 200);
}

// GET /v1/nodes takes either the admin or the metrics scope; without a
// cluster (no hook: engine "none") it lists no nodes.
TEST_F(ControlApiTest, NodesTakeAdminOrMetrics)
{
    ControlResponse r = call("GET", "/v1/nodes", "", "push-secret");
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("\\\"admin\\\" or \\\"metrics\\\" scope"), std::string::npos) << r.body;
    for (const char *token : {"admin-secret", "metrics-secret"}) {
        r = call("GET", "/v1/nodes", "", token);
        EXPECT_EQ(r.status, 200) << token;
        EXPECT_EQ(r.body, R"({"status":"success","cluster":"none","nodes":[]})");
    }
}

TEST_F(ControlApiTest, UnknownPathIs404AndWrongMethodIs405WithAllow)
{
    EXPECT_EQ(call("GET", "/v1/nothing").status, 404);
    EXPECT_EQ(call("GET", "/v1/rooms/").status, 404);
    EXPECT_EQ(call("GET", "/send-text/").status, 404);
    ControlResponse r = call("GET", "/send-text");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(header(r, "Allow"), "POST");
    r = call("DELETE", "/v1/reload");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(header(r, "Allow"), "POST, GET");
    EXPECT_EQ(json(r).find("error")->find("code")->text, "invalid_control_request");
}

TEST_F(ControlApiTest, OversizedBodyIs413AndListenerErrorsShareTheShape)
{
    ControlResponse r = call("POST", "/v1/send", std::string(4097, ' '));
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(json(r).find("error")->find("code")->text, "invalid_control_request");
    r = api->reject({"POST", "/v1/send", "", "", ""}, 411, "chunked");
    EXPECT_EQ(r.status, 411);
    EXPECT_EQ(r.body, R"({"status":"error","error":{"code":"invalid_control_request","message":"chunked"}})");
}

TEST_F(ControlApiTest, PrecheckRefusesBeforeTheBody)
{
    EXPECT_FALSE(api->precheck({"POST", "/v1/send", "", "", "Bearer push-secret"}));
    EXPECT_EQ(api->precheck({"POST", "/v1/send", "", "", "Bearer nope"})->status, 401);
    EXPECT_EQ(api->precheck({"POST", "/v1/send", "", "", "Bearer admin-secret"})->status, 403);
    EXPECT_EQ(api->precheck({"PUT", "/v1/send", "", "", "Bearer push-secret"})->status, 405);
}

// --- validation: the whole body first, nothing pushed on error ---------------

TEST_F(ControlApiTest, BodiesMustBeStrictJsonObjects)
{
    expect_bad(call("POST", "/v1/send", ""), "empty");
    expect_bad(call("POST", "/v1/send", "[]"), "JSON object");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":true},"text":"x"} trailing)"), "not valid JSON");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":true},"text":"x","text":"y"})"),
               "duplicate key \"text\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":true},"text":"x","extra":1})"), "\"extra\"");
}

TEST_F(ControlApiTest, InvalidFieldsAreNamedAndNothingIsPushed)
{
    Connection *c = connect("42");
    expect_bad(call("POST", "/send-text", R"({"payload":"x"})"), "\"userId\"");
    expect_bad(call("POST", "/send-text", R"({"userId":4.2,"payload":"x"})"), "\"userId\"");
    expect_bad(call("POST", "/send-text", R"({"userId":4e1,"payload":"x"})"), "\"userId\"");
    expect_bad(call("POST", "/send-text", R"({"userId":"","payload":"x"})"), "\"userId\"");
    expect_bad(call("POST", "/send-text", R"({"userId":"42"})"), "\"payload\"");
    expect_bad(call("POST", "/send-text", R"({"userId":"42","payload":{"a":1}})"), "\"payload\"");
    expect_bad(call("POST", "/send-binary", R"({"userId":"42","payload":"aGk"})"), "\"payload\"");
    expect_bad(call("POST", "/send-binary", R"({"userId":"42","payload":"a!k="})"), "\"payload\"");
    // One bad entry in a list refuses the whole request.
    expect_bad(call("POST", "/multicast-text", R"({"userIds":["42",true],"payload":"x"})"), "\"userIds[1]\"");
    expect_bad(call("POST", "/broadcast-text", R"({"payload":"x","excludedUserIds":"42"})"),
               "\"excludedUserIds\"");
    expect_bad(call("POST", "/publish", R"({"tags":{},"payload":"x"})"), "\"tags\"");
    expect_bad(call("POST", "/publish", R"({"tags":{"lang":1},"payload":"x"})"), "\"tags.lang\"");
    expect_bad(call("POST", "/v1/send", R"({"text":"x"})"), "\"to\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"user":"42","room":"r"},"text":"x"})"), "\"to\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"planet":"x"},"text":"x"})"), "\"to.planet\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":false},"text":"x"})"), "\"to.all\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"connection":"017"},"text":"x"})"), "\"to.connection\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"connection":18446744073709551616},"text":"x"})"),
               "\"to.connection\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":true},"except":{"connections":["x"]},"text":"x"})"),
               "\"except.connections[0]\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":true},"except":{"rooms":[]},"text":"x"})"),
               "\"except.rooms\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":true}})"), "\"text\" or \"binary\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":true},"text":"x","binary":"eA=="})"), "\"binary\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"all":true},"binary":"eA="})"), "\"binary\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"room":""},"text":"x"})"), "\"to.room\"");
    expect_bad(call("POST", "/v1/send", R"({"to":{"user":"a\u0000b"},"text":"x"})"), "\"to.user\"");
    EXPECT_EQ(queued(c), 0u);
}

// --- pushes -----------------------------------------------------------------

TEST_F(ControlApiTest, PushesToNobodyMatchZero)
{
    expect_receipt(call("POST", "/send-text", R"({"userId":"ghost","payload":"x"})"), 0, 0);
    expect_receipt(call("POST", "/send-binary", R"({"userId":7,"payload":""})"), 0, 0);
    expect_receipt(call("POST", "/multicast-text", R"({"userIds":[],"payload":"x"})"), 0, 0);
    expect_receipt(call("POST", "/multicast-binary", R"({"userIds":["a",1],"payload":"eA=="})"), 0, 0);
    expect_receipt(call("POST", "/broadcast-text", R"({"payload":"x"})"), 0, 0);
    expect_receipt(call("POST", "/broadcast-binary", R"({"payload":"eA==","excludedUserIds":["a"]})"), 0, 0);
    expect_receipt(call("POST", "/publish", R"({"tags":{"language":"FR"},"payload":"x"})"), 0, 0);
    expect_receipt(call("POST", "/v1/send", R"({"to":{"connection":"17"},"text":"x"})"), 0, 0);
    expect_receipt(call("POST", "/v1/send", R"({"to":{"room":"r"},"binary":""})"), 0, 0);
}

TEST_F(ControlApiTest, SeedEndpointsReachUsers)
{
    Connection *a1 = connect("42"), *a2 = connect("42"), *b = connect("9007199254740993"),
               *anon = connect("");
    expect_receipt(call("POST", "/send-text", R"({"userId":42,"payload":"hello"})"), 2, 2);
    EXPECT_EQ(last_payload(a1), "hello");
    EXPECT_EQ(last_payload(a2), "hello");
    EXPECT_FALSE(a1->queue.back().frame->binary());
    // A JSON integer past 2^53 is read as its exact decimal text.
    expect_receipt(call("POST", "/send-binary", R"({"userId":9007199254740993,"payload":"AP8="})"), 1, 1);
    EXPECT_EQ(last_payload(b), std::string("\x00\xff", 2));
    EXPECT_TRUE(b->queue.back().frame->binary());
    expect_receipt(
        call("POST", "/multicast-text", R"({"userIds":["42","42","9007199254740993","x"],"payload":"m"})"), 3,
        3);
    expect_receipt(call("POST", "/broadcast-text", R"({"payload":"all","excludedUserIds":[42]})"), 2, 2);
    EXPECT_EQ(last_payload(anon), "all");
    EXPECT_EQ(last_payload(a1), "m");
    EXPECT_EQ(queued(a1), 2u);
}

TEST_F(ControlApiTest, PublishAndGenericSendTargets)
{
    Connection *fr = connect("1", {{"language", "FR"}}), *en = connect("2", {{"language", "EN"}}),
               *c3 = connect("3");
    expect_receipt(call("POST", "/publish", R"({"tags":{"language":"FR"},"payload":"bonjour"})"), 1, 1);
    EXPECT_EQ(last_payload(fr), "bonjour");
    expect_receipt(call("POST", "/v1/send", R"({"to":{"tags":{"language":"EN"}},"text":"hi"})"), 1, 1);
    EXPECT_EQ(last_payload(en), "hi");
    std::string id3 = std::to_string(c3->id);
    expect_receipt(call("POST", "/v1/send", R"({"to":{"connection":")" + id3 + R"("},"text":"one"})"), 1, 1);
    expect_receipt(call("POST", "/v1/send", R"({"to":{"connection":)" + id3 + R"(},"text":"two"})"), 1, 1);
    EXPECT_EQ(last_payload(c3), "two");
    expect_receipt(call("POST", "/v1/send", R"({"to":{"users":["1",2]},"text":"u"})"), 2, 2);
    expect_receipt(
        call("POST", "/v1/send",
             R"({"to":{"all":true},"except":{"users":["1"],"connections":[")" + id3 + R"("]},"text":"e"})"),
        1, 1);
    EXPECT_EQ(last_payload(en), "e");
    ASSERT_EQ(call("POST", "/v1/rooms/lobby/join", R"({"user":"3"})").status, 200);
    expect_receipt(call("POST", "/v1/send", R"({"to":{"room":"lobby"},"binary":"cm9vbQ=="})"), 1, 1);
    EXPECT_EQ(last_payload(c3), "room");
    expect_receipt(call("POST", "/v1/send", R"({"to":{"user":"1"},"text":"\u00e9\ud83d\ude00"})"), 1, 1);
    EXPECT_EQ(last_payload(fr), "\xc3\xa9\xf0\x9f\x98\x80");
}

} // namespace
