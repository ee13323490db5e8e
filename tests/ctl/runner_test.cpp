// The flows of the runner and their exit codes, with a scripted transport.
#include "ctl_test_util.h"
#include "exit_codes.h"
#include "runner.h"

#include <deque>

namespace wshost::ctl::test
{
namespace
{

// Answers requests from a script and records them.
struct Script {
    std::deque<Exchange> answers;
    std::vector<Request> seen;

    void ok(int status, std::string body)
    {
        answers.push_back(Exchange{true, make_response(status, std::move(body)), {}});
    }
    void down(std::string why) { answers.push_back(Exchange{false, {}, std::move(why)}); }
    Transport transport()
    {
        return [this](const Request &r) {
            seen.push_back(r);
            if (answers.empty())
                return Exchange{false, {}, "script exhausted"};
            Exchange e = std::move(answers.front());
            answers.pop_front();
            return e;
        };
    }
};

const char *delivery = R"({"status":"success","delivery":{"matched":1,"enqueued":1,"dropped":0}})";
const char *refusal =
    R"({"status":"error","error":{"code":"invalid_control_request","message":"no such room"}})";

TEST(CtlExitCodes, StatusMapping)
{
    EXPECT_EQ(exit_code_for_status(200), exit_ok);
    EXPECT_EQ(exit_code_for_status(204), exit_ok);
    EXPECT_EQ(exit_code_for_status(400), exit_refused);
    EXPECT_EQ(exit_code_for_status(503), exit_refused);
    EXPECT_EQ(exit_ok, 0);
    EXPECT_EQ(exit_refused, 1);
    EXPECT_EQ(exit_usage, 2);
    EXPECT_EQ(exit_unreachable, 3);
}

TEST(CtlRunner, SingleSuccessRefusalUnreachable)
{
    Plan plan = plan_of({"send-text", "42", "hi"});
    Script s;
    s.ok(200, delivery);
    Outcome o = run_plan(plan, {}, s.transport());
    EXPECT_EQ(o.exit_code, exit_ok);
    EXPECT_EQ(o.out, "delivered: matched 1, enqueued 1, dropped 0\n");
    EXPECT_EQ(o.err, "");

    s.ok(400, refusal);
    o = run_plan(plan, {}, s.transport());
    EXPECT_EQ(o.exit_code, exit_refused);
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err, "wshostctl: HTTP 400: no such room (invalid_control_request)\n");

    s.down("cannot connect to http://127.0.0.1:1: Connection refused");
    o = run_plan(plan, {}, s.transport());
    EXPECT_EQ(o.exit_code, exit_unreachable);
    EXPECT_EQ(o.err, "wshostctl: cannot connect to http://127.0.0.1:1: Connection refused\n");
}

TEST(CtlRunner, JsonPrintsBodiesVerbatim)
{
    Plan plan = plan_of({"send-text", "42", "hi"});
    Script s;
    s.ok(200, delivery);
    s.ok(400, refusal);
    RunOptions json{.json = true};
    Outcome o = run_plan(plan, json, s.transport());
    EXPECT_EQ(o.out, std::string(delivery) + "\n");
    o = run_plan(plan, json, s.transport());
    EXPECT_EQ(o.exit_code, exit_refused);
    EXPECT_EQ(o.out, std::string(refusal) + "\n");
    EXPECT_NE(o.err.find("no such room"), std::string::npos);
}

TEST(CtlRunner, PaginationFollowsNextCursor)
{
    Plan plan = plan_of({"connections", "--all", "--limit", "2"});
    Script s;
    s.ok(200, R"({"connections":[{"id":"1"},{"id":"2"}],"next_cursor":"c/2"})");
    s.ok(200, R"({"connections":[{"id":"3"}],"next_cursor":""})");
    Outcome o = run_plan(plan, {}, s.transport());
    EXPECT_EQ(o.exit_code, exit_ok) << o.err;
    ASSERT_EQ(s.seen.size(), 2u);
    EXPECT_EQ(s.seen[0].target, "/v1/connections?limit=2");
    EXPECT_EQ(s.seen[1].target, "/v1/connections?cursor=c%2F2&limit=2");
    EXPECT_EQ(o.out, "ID\n1\n2\n3\n");

    // A server that repeats its cursor does not loop forever.
    Script loop;
    loop.ok(200, R"({"connections":[],"next_cursor":"same"})");
    loop.ok(200, R"({"connections":[],"next_cursor":"same"})");
    o = run_plan(plan, {}, loop.transport());
    EXPECT_EQ(o.exit_code, exit_unreachable);
    EXPECT_EQ(loop.seen.size(), 2u);

    // Without --all a single page is fetched, the cursor is shown.
    Script one;
    one.ok(200, R"({"connections":[{"id":"1"}],"next_cursor":"n"})");
    o = run_plan(plan_of({"connections"}), {}, one.transport());
    EXPECT_EQ(one.seen.size(), 1u);
    EXPECT_EQ(o.out, "ID\n1\nmore: --cursor n (or --all)\n");
}

TEST(CtlRunner, WithCursor)
{
    EXPECT_EQ(with_cursor("/v1/connections", "a b"), "/v1/connections?cursor=a%20b");
    EXPECT_EQ(with_cursor("/v1/connections?cursor=old&limit=5", "new"), "/v1/connections?cursor=new&limit=5");
}

TEST(CtlRunner, ReloadWaitsWhileRunning)
{
    Plan plan = plan_of({"reload"});
    Script s;
    s.ok(202, R"({"generation":5,"status":"running"})");
    s.ok(200, R"({"generation":4,"status":"ok"})"); // an older generation: keep polling
    s.ok(200, R"({"generation":5,"status":"running"})");
    s.ok(200, R"({"generation":5,"status":"ok","errors":[]})");
    RunOptions fast{.reload_poll_ms = 1};
    Outcome o = run_plan(plan, fast, s.transport());
    EXPECT_EQ(o.exit_code, exit_ok) << o.err;
    ASSERT_EQ(s.seen.size(), 4u);
    EXPECT_EQ(s.seen[0], (Request{"POST", "/v1/reload", "{}", 60000}));
    EXPECT_EQ(s.seen[1], (Request{"GET", "/v1/reload", ""}));
    EXPECT_EQ(o.out, "reload generation 5: ok\n");
}

TEST(CtlRunner, ReloadFailureExitsOne)
{
    Script s;
    s.ok(
        200,
        R"({"generation":6,"status":"failed","errors":[{"file":"a.toml","line":1,"col":2,"message":"bad"}]})");
    RunOptions json{.json = true};
    Outcome o = run_plan(plan_of({"reload"}), json, s.transport());
    EXPECT_EQ(o.exit_code, exit_refused);
    EXPECT_EQ(
        o.out,
        R"({"generation":6,"status":"failed","errors":[{"file":"a.toml","line":1,"col":2,"message":"bad"}]})"
        "\n");
    EXPECT_NE(o.err.find("reload failed"), std::string::npos);

    // reload-status only reports.
    Script t;
    t.ok(200, R"({"generation":6,"status":"failed","errors":[]})");
    EXPECT_EQ(run_plan(plan_of({"reload-status"}), {}, t.transport()).exit_code, exit_ok);
}

// The server answers 422 with the reload status (not the error shape) when the attempt failed.
TEST(CtlRunner, ReloadRefusedWithItsErrors)
{
    std::string failed =
        R"({"generation":2,"status":"failed","started":"2026-01-01T00:00:00Z","finished":"2026-01-01T00:00:01Z","errors":[{"file":"/etc/wshost.toml","line":3,"col":1,"message":"unknown key 'x'"}],"restart_required":[]})";
    Script s;
    s.ok(422, failed);
    Outcome o = run_plan(plan_of({"reload"}), {}, s.transport());
    EXPECT_EQ(o.exit_code, exit_refused);
    EXPECT_EQ(o.out, "reload generation 2: failed\n"
                     "  started: 2026-01-01T00:00:00Z\n"
                     "  finished: 2026-01-01T00:00:01Z\n"
                     "  errors:\n"
                     "    /etc/wshost.toml:3:1: unknown key 'x'\n");
    EXPECT_EQ(o.err, "wshostctl: the reload failed (HTTP 422); the running generation is unchanged\n");
    EXPECT_EQ(s.seen.size(), 1u);

    // An ordinary refusal (no reload support) keeps the error shape.
    Script t;
    t.ok(
        501,
        R"({"status":"error","error":{"code":"not_implemented","message":"configuration reload is not available"}})");
    o = run_plan(plan_of({"reload"}), {}, t.transport());
    EXPECT_EQ(o.exit_code, exit_refused);
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err, "wshostctl: HTTP 501: configuration reload is not available (not_implemented)\n");
}

TEST(CtlRunner, ReloadStillRunningTimesOut)
{
    Script s;
    for (int i = 0; i < 100; ++i)
        s.ok(200, R"({"generation":7,"status":"running"})");
    RunOptions quick{.reload_wait_ms = 20, .reload_poll_ms = 1};
    Outcome o = run_plan(plan_of({"reload"}), quick, s.transport());
    EXPECT_EQ(o.exit_code, exit_unreachable);
    EXPECT_NE(o.err.find("still running"), std::string::npos);
}

TEST(CtlRunner, StatusAsksBothProbes)
{
    Script s;
    s.ok(200, "ok");
    s.ok(503, "not ready");
    Outcome o = run_plan(plan_of({"status"}), {}, s.transport());
    ASSERT_EQ(s.seen.size(), 2u);
    EXPECT_EQ(s.seen[0].target, "/healthz");
    EXPECT_EQ(s.seen[1].target, "/readyz");
    EXPECT_EQ(o.exit_code, exit_refused);
    EXPECT_EQ(o.out, "health: ok (HTTP 200)\nready:  no (HTTP 503): not ready\n");

    Script up;
    up.ok(200, "");
    up.ok(200, "");
    EXPECT_EQ(run_plan(plan_of({"status"}), {}, up.transport()).exit_code, exit_ok);
}

} // namespace
} // namespace wshost::ctl::test
