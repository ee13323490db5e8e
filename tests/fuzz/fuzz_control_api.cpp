// The control API (control_api.h) as one request: routes, path parameters,
// query and body parsers, over a real Gateway holding three connections
// (no lws: the gateway is never attached, so every call takes the queued
// path and nothing touches a socket).
//
// Input: byte 0 picks the method (and bit 7 a wrong token), then the path up
// to '\n', the query up to '\n', and the rest is the body.
#include "control/control_api.h"
#include "control/control_json.h"
#include "fuzz_common.h"
#include "gateway/gateway.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

using namespace wshost;

namespace
{

const char *const kToken = "fuzz-token";
const char *const kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get"};

struct Fixture {
    WebSocketConfig ws;
    ControlConfig config;
    std::unique_ptr<Gateway> gateway;
    std::unique_ptr<ControlApi> api;

    Fixture()
    {
        ws.send_queue_max_messages = 8; // slow-consumer handling gets reached
        ws.send_queue_max_bytes = 4096;
        config.max_body_bytes = 8192;
        config.tokens = {{kToken, {"push", "admin", "metrics"}, {}}, {"push-only", {"push"}, {}}};
        gateway = std::make_unique<Gateway>(ws);
        const char *users[] = {"42", "alice", ""};
        for (const char *user : users) {
            Connection *c = gateway->add(nullptr, "127.0.0.1", {{"language", "FR"}});
            if (*user)
                gateway->set_user(c->id, user);
        }
        ControlHooks hooks;
        hooks.ready = [] { return true; };
        hooks.plugins_json = [] { return std::string(R"([{"name":"echo","actions":["echo"]}])"); };
        hooks.reload_status = [] { return std::string(R"({"generation":1,"status":"ok"})"); };
        hooks.reload_start = [](std::function<void(bool, std::string)> done) {
            done(true, R"({"generation":2,"status":"ok"})");
        };
        api = std::make_unique<ControlApi>(*gateway, config, hooks);
    }
};

void check_response(const ControlResponse &r)
{
    FUZZ_CHECK(r.status >= 200 && r.status <= 599);
    if (r.content_type == "application/json") {
        control::JsonValue v;
        std::string why;
        FUZZ_CHECK(control::parse_json(r.body, v, why));
        FUZZ_CHECK(v.is(control::JsonValue::Type::object) || v.is(control::JsonValue::Type::array));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    static std::unique_ptr<Fixture> fx;
    static unsigned runs = 0;
    if (!fx || ++runs % 2048 == 0) // state (rooms, queues) must not pile up across runs
        fx = std::make_unique<Fixture>();
    if (size < 1)
        return 0;
    std::string_view in(reinterpret_cast<const char *>(data + 1), size - 1);
    ControlRequest r;
    r.method = kMethods[data[0] & 7];
    r.authorization = std::string("Bearer ") + ((data[0] & 0x80)   ? "wrong"
                                                : (data[0] & 0x40) ? "push-only"
                                                                   : kToken);
    std::size_t nl = in.find('\n');
    r.path = std::string(in.substr(0, nl));
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    nl = in.find('\n');
    r.query = std::string(in.substr(0, nl));
    r.body = nl == std::string_view::npos ? std::string() : std::string(in.substr(nl + 1));

    if (std::optional<ControlResponse> early = fx->api->precheck(r))
        check_response(*early);
    ControlResponse resp = fx->api->handle(r);
    if (resp.defer) {
        ControlResponse later;
        bool answered = false;
        resp.defer([&](ControlResponse x) {
            later = std::move(x);
            answered = true;
        });
        FUZZ_CHECK(answered); // reload_start above answers at once
        check_response(later);
    } else {
        check_response(resp);
    }
    return 0;
}
