// Human output of known and unknown response shapes, and error lines.
#include "ctl_test_util.h"
#include "output.h"

namespace wshost::ctl::test
{
namespace
{

template <class Fn> std::string render(Fn printer, std::vector<Response> responses)
{
    std::string out;
    printer(std::span<const Response>(responses), out);
    return out;
}

TEST(CtlOutput, Delivery)
{
    EXPECT_EQ(render(print_delivery,
                     {make_response(
                         200, R"({"status":"success","delivery":{"matched":3,"enqueued":3,"dropped":0}})")}),
              "delivered: matched 3, enqueued 3, dropped 0\n");
    EXPECT_EQ(render(print_delivery,
                     {make_response(200, R"({"status":"success","delivery":{"matched":1,)"
                                         R"("enqueued":1,"dropped":0,"nodes":2,"publish_failed":1}})")}),
              "delivered: matched 1, enqueued 1, dropped 0; other nodes 2, publish failed 1\n");
    // Unknown shapes: nothing lost.
    EXPECT_EQ(render(print_delivery, {make_response(200, R"({"status":"success","sent":2})")}), "sent: 2\n");
    EXPECT_EQ(
        render(print_delivery, {make_response(200, R"({"status":"queued","delivery":{"matched":"x"}})")}),
        "{\n  \"status\": \"queued\",\n  \"delivery\": {\n    \"matched\": \"x\"\n  }\n}\n");
}

TEST(CtlOutput, Generic)
{
    EXPECT_EQ(render(print_generic, {make_response(200, R"({"status":"success"})")}), "ok\n");
    // Flat results of join/leave/disconnect: "key: value" lines, the success status left out.
    EXPECT_EQ(
        render(print_generic, {make_response(200, R"({"status":"success","room":"lobby","changed":1})")}),
        "room: lobby\nchanged: 1\n");
    EXPECT_EQ(render(print_generic, {make_response(200, R"({"status":"success","connection":{"id":"17"}})")}),
              "{\n  \"connection\": {\n    \"id\": \"17\"\n  }\n}\n");
    EXPECT_EQ(render(print_generic, {make_response(204, "")}), "ok\n");
    EXPECT_EQ(render(print_generic, {make_response(200, "plain text")}), "plain text\n");
    EXPECT_EQ(render(print_generic, {make_response(200, R"({"user":"42","connections":["1","2"]})")}),
              "{\n  \"user\": \"42\",\n  \"connections\": [\"1\", \"2\"]\n}\n");
    // Terminal escapes from the server are neutralised.
    EXPECT_EQ(render(print_generic, {make_response(200, "a\x1b[2Jb")}), "a?[2Jb\n");
}

TEST(CtlOutput, TableOfObjects)
{
    std::string body = R"({"connections":[
        {"id":"17","user":"42","tags":{"language":"FR","tier":"gold"},"rooms":["lobby","b"]},
        {"id":"18","user":"alice","peer":"127.0.0.1","rooms":[]}],
        "count":2,"next_cursor":"abc"})";
    EXPECT_EQ(render(print_table, {make_response(200, body)}),
              "count: 2\n"
              "ID  USER   TAGS                   ROOMS    PEER\n"
              "17  42     language=FR,tier=gold  lobby,b  -\n"
              "18  alice  -                      -        127.0.0.1\n"
              "more: --cursor abc (or --all)\n");
}

// The shapes the control API answers today (host/src/control/control_admin.cpp).
TEST(CtlOutput, ServerShapes)
{
    EXPECT_EQ(render(print_table,
                     {make_response(200, R"({"status":"success","rooms":[{"room":"lobby","count":2}]})")}),
              "ROOM   COUNT\nlobby  2\n");
    EXPECT_EQ(
        render(
            print_table,
            {make_response(
                200,
                R"({"status":"success","room":"lobby","count":2,"members":[{"connection":"17","user":"42"},{"connection":"18","user":null}]})")}),
        "room: lobby\ncount: 2\nCONNECTION  USER\n17          42\n18          -\n");
    EXPECT_EQ(
        render(
            print_table,
            {make_response(
                200,
                R"({"status":"success","user":"42","connections":[{"id":"17","user":"42","peer":"127.0.0.1","tags":{},"rooms":[],"queued_messages":0,"queued_bytes":0,"dropped":0}]})")}),
        "user: 42\n"
        "ID  USER  PEER       TAGS  ROOMS  QUEUED_MESSAGES  QUEUED_BYTES  DROPPED\n"
        "17  42    127.0.0.1  -     -      0                0             0\n");
    EXPECT_EQ(render(print_table, {make_response(200, R"({"status":"success","plugins":[]})")}), "(none)\n");
    EXPECT_EQ(
        render(print_table,
               {make_response(200, R"({"status":"success","connections":[{"id":"1"}],"next_cursor":null})")}),
        "ID\n1\n");
}

TEST(CtlOutput, TableAcrossPages)
{
    std::string out =
        render(print_table, {make_response(200, R"({"connections":[{"id":"1"}],"next_cursor":"x"})"),
                             make_response(200, R"({"connections":[{"id":"2"}],"next_cursor":null})")});
    EXPECT_EQ(out, "ID\n1\n2\n");
}

TEST(CtlOutput, ListsAndFallbacks)
{
    EXPECT_EQ(render(print_table, {make_response(200, R"({"rooms":["a","b"]})")}), "a\nb\n");
    EXPECT_EQ(render(print_table, {make_response(200, R"([{"name":"echo","version":"1.0"}])")}),
              "NAME  VERSION\necho  1.0\n");
    EXPECT_EQ(render(print_table, {make_response(200, R"({"plugins":[]})")}), "(none)\n");
    EXPECT_EQ(
        render(print_table, {make_response(200, R"({"room":"lobby","members":["17","18"],"count":2})")}),
        "room: lobby\ncount: 2\n17\n18\n");
    // No array at all: pretty JSON; not JSON: text.
    EXPECT_EQ(render(print_table, {make_response(200, R"({"rooms":{"a":1}})")}),
              "{\n  \"rooms\": {\n    \"a\": 1\n  }\n}\n");
    EXPECT_EQ(render(print_table, {make_response(200, "x")}), "x\n");
}

TEST(CtlOutput, Reload)
{
    EXPECT_EQ(
        render(
            print_reload,
            {make_response(
                200,
                R"({"generation":3,"status":"ok","started":"2024-05-01T10:00:00Z","finished":"2024-05-01T10:00:01Z","errors":[]})")}),
        "reload generation 3: ok\n  started: 2024-05-01T10:00:00Z\n  finished: 2024-05-01T10:00:01Z\n");
    EXPECT_EQ(
        render(
            print_reload,
            {make_response(
                200,
                R"({"generation":4,"status":"failed","errors":[{"file":"/etc/wshost.toml","line":12,"col":3,"message":"unknown key 'x'"},{"message":"plugin echo: init failed"}]})")}),
        "reload generation 4: failed\n  errors:\n    /etc/wshost.toml:12:3: unknown key 'x'\n"
        "    plugin echo: init failed\n");
}

TEST(CtlOutput, ReloadBeforeAnyAttempt)
{
    EXPECT_EQ(
        render(
            print_reload,
            {make_response(
                200,
                R"({"generation":1,"status":"ok","started":"","finished":"","errors":[],"restart_required":[]})")}),
        "reload generation 1: ok\n");
    EXPECT_EQ(
        render(print_reload,
               {make_response(
                   200, R"({"generation":3,"status":"ok","errors":[],"restart_required":["server.port"]})")}),
        "reload generation 3: ok\n  restart_required: server.port\n");
}

TEST(CtlOutput, Status)
{
    EXPECT_EQ(render(print_status, {make_response(200, R"({"status":"ok"})"), make_response(200, "ok\n")}),
              "health: ok (HTTP 200)\nready:  yes (HTTP 200)\n");
    // /healthz's cluster state, when the node is in a cluster (DESIGN §10).
    EXPECT_EQ(render(print_status, {make_response(200, R"({"status":"ok","cluster":"down"})"),
                                    make_response(200, R"({"status":"ready"})")}),
              "health: ok (HTTP 200): cluster down\nready:  yes (HTTP 200)\n");
    EXPECT_EQ(render(print_status, {make_response(200, R"({"status":"ok","cluster":"none"})"),
                                    make_response(200, R"({"status":"ready"})")}),
              "health: ok (HTTP 200)\nready:  yes (HTTP 200)\n");
    EXPECT_EQ(render(print_status,
                     {make_response(200, ""),
                      make_response(
                          503, R"({"status":"error","error":{"code":"not_ready","message":"draining"}})")}),
              "health: ok (HTTP 200)\nready:  no (HTTP 503): draining\n");
}

TEST(CtlOutput, Raw)
{
    EXPECT_EQ(render(print_raw, {make_response(200, "# HELP x\nx 1\n")}), "# HELP x\nx 1\n");
}

TEST(CtlOutput, Errors)
{
    Response r = make_response(
        400,
        R"({"status":"error","error":{"code":"invalid_control_request","message":"userId must be a string"}})");
    r.reason = "Bad Request";
    EXPECT_EQ(format_error(r, true),
              "HTTP 400 Bad Request: userId must be a string (invalid_control_request)\n");

    Response unauthorized =
        make_response(401, R"({"status":"error","error":{"code":"unauthorized","message":"missing token"}})",
                      {{"www-authenticate", "Bearer"}});
    std::string no_token = format_error(unauthorized, false);
    EXPECT_NE(no_token.find("missing token"), std::string::npos);
    EXPECT_NE(no_token.find("bearer token: pass --token"), std::string::npos);
    EXPECT_NE(format_error(unauthorized, true).find("refused the token"), std::string::npos);
    EXPECT_NE(format_error(make_response(403, ""), true).find("scope"), std::string::npos);
    EXPECT_EQ(format_error(make_response(502, "<html>bad gateway</html>\nmore"), true),
              "HTTP 502: <html>bad gateway</html>\n");
}

} // namespace
} // namespace wshost::ctl::test
