// Shared fixture of the ControlApi tests: a real Gateway, no listener.
//
// Connections are added with a null wsi. The gateway is attached to a small
// lws context from another thread, so every call from the test thread takes
// the "off the service thread" path: queue, wake list, lws_cancel_service().
// Nothing else of lws runs.
#pragma once

#include "control/control_api.h"
#include "control/control_json.h"
#include "gateway/gateway.h"
#include "base/metrics.h"

#include <libwebsockets.h>

#include <gtest/gtest.h>

#include <memory>
#include <thread>

using namespace wshost;
using control::JsonValue;

inline lws_context *test_context()
{
    static lws_context *context = [] {
        lws_set_log_level(LLL_ERR, nullptr);
        lws_context_creation_info info{};
        info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
        lws_context *c = lws_create_context(&info);
        static lws_protocols protocols[] = {{"dummy", lws_callback_http_dummy, 0, 0, 0, nullptr, 0},
                                            {nullptr, nullptr, 0, 0, 0, nullptr, 0}};
        lws_context_creation_info vi{};
        vi.port = CONTEXT_PORT_NO_LISTEN; // the vhost only makes sure the event pipe exists
        vi.protocols = protocols;
        lws_create_vhost(c, &vi);
        return c;
    }();
    return context;
}

class ControlApiTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        metrics::reset_for_tests();
        config.max_body_bytes = 4096;
        config.tokens = {{"push-secret", {"push"}, {}},
                         {"admin-secret", {"admin"}, {}},
                         {"metrics-secret", {"metrics"}, {}},
                         {"all-secret", {"push", "admin", "metrics"}, {}}};
        gateway = std::make_unique<Gateway>(WebSocketConfig{});
        // Attached on a thread of its own: this one is never the service thread.
        std::thread([this] { loop.attach(test_context()); }).join();
        gateway->attach(loop);
        ControlHooks hooks;
        hooks.ready = [this] { return ready; };
        hooks.plugins_json = [this] { return plugins; };
        api = std::make_unique<ControlApi>(*gateway, config, hooks);
    }

    ControlResponse call(std::string method, std::string path, std::string body = {},
                         std::string token = "all-secret")
    {
        ControlRequest r;
        r.method = std::move(method);
        std::size_t q = path.find('?');
        r.path = path.substr(0, q);
        if (q != std::string::npos)
            r.query = path.substr(q + 1);
        r.body = std::move(body);
        if (!token.empty())
            r.authorization = "Bearer " + token;
        return api->handle(r);
    }

    static JsonValue json(const ControlResponse &r)
    {
        JsonValue v;
        std::string why;
        EXPECT_TRUE(control::parse_json(r.body, v, why)) << why << ": " << r.body;
        return v;
    }

    // 400 whose message names `field`, and nothing pushed.
    void expect_bad(const ControlResponse &r, std::string_view field)
    {
        EXPECT_EQ(r.status, 400) << r.body;
        JsonValue v = json(r);
        ASSERT_TRUE(v.find("error"));
        EXPECT_EQ(v.find("status")->text, "error");
        EXPECT_EQ(v.find("error")->find("code")->text, "invalid_control_request");
        EXPECT_NE(v.find("error")->find("message")->text.find(field), std::string::npos)
            << "message should name " << field << ": " << r.body;
    }

    static std::string header(const ControlResponse &r, std::string_view name)
    {
        for (const auto &[k, v] : r.headers)
            if (k == name)
                return v;
        return {};
    }

    static void expect_receipt(const ControlResponse &r, uint64_t matched, uint64_t enqueued,
                               uint64_t dropped = 0)
    {
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.body, "{\"status\":\"success\",\"delivery\":{\"matched\":" + std::to_string(matched) +
                              ",\"enqueued\":" + std::to_string(enqueued) +
                              ",\"dropped\":" + std::to_string(dropped) + "}}");
    }

    Connection *connect(const std::string &user, Tags tags = {})
    {
        Connection *c = gateway->add(nullptr, "127.0.0.1", std::move(tags));
        if (!user.empty())
            gateway->set_user(c->id, user);
        return c;
    }

    std::size_t queued(const Connection *c) { return gateway->snapshot(c->id)->queued_messages; }
    std::string last_payload(const Connection *c) { return std::string(c->queue.back().frame->payload()); }

    ControlConfig config;
    ServiceLoop loop; // never run: what the gateway posts only queues
    std::unique_ptr<Gateway> gateway;
    std::unique_ptr<ControlApi> api;
    bool ready = true;
    std::string plugins =
        R"([{"name":"echo","version":"1.0.0","path":"/p/echo.so","blocking":false,"actions":["echo"]}])";
};
