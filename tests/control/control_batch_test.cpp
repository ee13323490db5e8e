// POST /v1/send-batch: several /v1/send bodies in one request (control_batch.cpp).
#include "control_fixture.h"

#include <string>

namespace
{

TEST_F(ControlApiTest, BatchQueuesEveryMessageInOrderWithReceipts)
{
    Connection *a = connect("42"), *b = connect("43"), *anon = connect("");
    ControlResponse r = call("POST", "/v1/send-batch",
                             R"({"messages":[{"to":{"user":"42"},"text":"one"},)"
                             R"({"to":{"all":true},"except":{"users":["42"]},"binary":"AP8="},)"
                             R"({"to":{"users":["42","43"]},"text":"two"},)"
                             R"({"to":{"room":"nobody"},"text":"lost"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, R"({"status":"success","delivery":{"matched":5,"enqueued":5,"dropped":0},)"
                      R"("deliveries":[{"matched":1,"enqueued":1,"dropped":0},)"
                      R"({"matched":2,"enqueued":2,"dropped":0},{"matched":2,"enqueued":2,"dropped":0},)"
                      R"({"matched":0,"enqueued":0,"dropped":0}]})");
    ASSERT_EQ(a->queue.size(), 2u);
    EXPECT_EQ(a->queue[0].frame->payload(), "one");
    EXPECT_EQ(a->queue[1].frame->payload(), "two");
    ASSERT_EQ(b->queue.size(), 2u);
    EXPECT_EQ(b->queue[0].frame->payload(), std::string("\x00\xff", 2));
    EXPECT_TRUE(b->queue[0].frame->binary());
    EXPECT_EQ(b->queue[1].frame->payload(), "two");
    ASSERT_EQ(anon->queue.size(), 1u);
    EXPECT_TRUE(anon->queue[0].frame->binary());
}

TEST_F(ControlApiTest, BatchWithOneInvalidMessagePushesNothing)
{
    Connection *c = connect("42");
    expect_bad(
        call("POST", "/v1/send-batch", R"({"messages":[{"to":{"all":true},"text":"x"},{"text":"y"}]})"),
        "messages[1]: missing required field \"to\"");
    expect_bad(call("POST", "/v1/send-batch",
                    R"({"messages":[{"to":{"all":true},"text":"x"},{"to":{"all":false},"text":"y"}]})"),
               "messages[1]: \"to.all\"");
    expect_bad(call("POST", "/v1/send-batch", R"({"messages":[{"to":{"all":true},"text":"x","extra":1}]})"),
               "messages[0]: ");
    expect_bad(call("POST", "/v1/send-batch", R"({"messages":[{"to":{"all":true},"text":"x"},"y"]})"),
               "messages[1]: must be an object");
    expect_bad(call("POST", "/v1/send-batch", R"({"messages":[]})"), "\"messages\"");
    expect_bad(call("POST", "/v1/send-batch", R"({"messages":{"to":{"all":true},"text":"x"}})"),
               "\"messages\"");
    expect_bad(call("POST", "/v1/send-batch", R"({})"), "\"messages\"");
    expect_bad(call("POST", "/v1/send-batch", R"({"messages":[],"to":{"all":true}})"), "\"to\"");
    EXPECT_EQ(queued(c), 0u);
}

TEST_F(ControlApiTest, BatchIsLimitedToAThousandMessages)
{
    ControlConfig big = config;
    big.max_body_bytes = 1 << 20;
    ControlApi wide(*gateway, big, ControlHooks{});
    Connection *c = connect("42");
    auto batch = [](int n) {
        std::string body = R"({"messages":[)";
        for (int i = 0; i < n; ++i)
            body += std::string(i ? "," : "") + R"({"to":{"user":"42"},"text":"m"})";
        return body + "]}";
    };
    auto post = [&](int n) {
        ControlRequest r{"POST", "/v1/send-batch", "", batch(n), "Bearer push-secret"};
        return wide.handle(r);
    };
    ControlResponse over = post(1001);
    EXPECT_EQ(over.status, 400) << over.body;
    EXPECT_NE(over.body.find("1 to 1000"), std::string::npos) << over.body;
    EXPECT_EQ(queued(c), 0u);
    ControlResponse full = post(1000);
    ASSERT_EQ(full.status, 200) << full.body.substr(0, 200);
    EXPECT_EQ(queued(c), 1000u);
}

TEST_F(ControlApiTest, BatchNeedsThePushScope)
{
    EXPECT_EQ(
        call("POST", "/v1/send-batch", R"({"messages":[{"to":{"all":true},"text":"x"}]})", "admin-secret")
            .status,
        403);
    EXPECT_EQ(call("POST", "/v1/send-batch", R"({"messages":[{"to":{"all":true},"text":"x"}]})", "").status,
              401);
    EXPECT_EQ(call("GET", "/v1/send-batch").status, 405);
}

} // namespace
