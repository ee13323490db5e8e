// Control API: the push endpoints (seed-compatible, gomoob publish, /v1/send).
// Each one reads and checks the whole body first; the gateway is called only
// when every field is valid, so a rejected request pushes nothing.
#include "control/control_internal.h"

namespace wshost::control
{
namespace
{

// The payload field: text (any JSON string) or binary (base64).
void read_payload(Reader &r, const JsonValue &body, std::string_view key, bool binary, std::string &out)
{
    const std::string field(key);
    if (const JsonValue *v = r.get(body, key, field, true))
        binary ? r.base64(*v, field, out) : r.text(*v, field, out);
}

// This node's delivery at once; with a cluster, the answer waits for the
// publish's reply, to say how many other nodes it reached.
ControlResponse deliver(const Call &call, const Reader &r, const Target &target, std::string_view data,
                        bool binary)
{
    if (!r.ok())
        return bad_request(r.error());
    const Receipt local = call.gateway.send_local(target, data, binary);
    if (!call.hooks.cluster_send)
        return push_receipt(local);
    ControlResponse answer;
    answer.defer = [send = call.hooks.cluster_send, target, data = std::string(data), binary,
                    local](std::function<void(ControlResponse)> reply) {
        send(target, data, binary,
             [local, reply = std::move(reply)](std::uint64_t nodes, std::uint64_t failed) {
                 reply(push_receipt(local, ClusterReach{nodes, failed}));
             });
    };
    return answer;
}

// A seed-compatible push route: "payload" and one target field, read in the
// order of `keys`. Reader keeps the first error, so that order decides which
// error a client with two bad fields sees.
struct SeedRoute {
    std::string_view keys[2]; // "payload" and the target field
    Target::Kind kind;
    bool target_required;
    void (*read_target)(Reader &r, const JsonValue &v, const std::string &field, Target &t);
};

// POST /send-text, /send-binary {"userId","payload"}
constexpr SeedRoute kToUser{
    {"userId", "payload"},
    Target::Kind::user,
    true,
    [](Reader &r, const JsonValue &v, const std::string &field, Target &t) { r.user(v, field, t.user); }};
// POST /multicast-text, /multicast-binary {"userIds":[...],"payload"}
constexpr SeedRoute kToUsers{
    {"userIds", "payload"},
    Target::Kind::users,
    true,
    [](Reader &r, const JsonValue &v, const std::string &field, Target &t) { r.users(v, field, t.users); }};
// POST /broadcast-text, /broadcast-binary {"payload","excludedUserIds":[...]}
constexpr SeedRoute kToAll{{"payload", "excludedUserIds"},
                           Target::Kind::all,
                           false,
                           [](Reader &r, const JsonValue &v, const std::string &field, Target &t) {
                               std::vector<std::string> excluded;
                               if (r.users(v, field, excluded))
                                   t.except_users.insert(excluded.begin(), excluded.end());
                           }};
// POST /publish {"tags":{...},"payload":"..."} (gomoob style: text)
constexpr SeedRoute kToTags{
    {"tags", "payload"},
    Target::Kind::tags,
    true,
    [](Reader &r, const JsonValue &v, const std::string &field, Target &t) { r.tags(v, field, t.tags); }};

ControlResponse seed_push(const Call &call, const SeedRoute &route, bool binary)
{
    Reader r;
    Target t;
    std::string data;
    r.only_keys(call.body, "", {route.keys[0], route.keys[1]});
    t.kind = route.kind;
    for (std::string_view key : route.keys) {
        if (key == "payload")
            read_payload(r, call.body, key, binary, data);
        else if (const JsonValue *v = r.get(call.body, key, key, route.target_required))
            route.read_target(r, *v, std::string(key), t);
    }
    return deliver(call, r, t, data, binary);
}

// The "to" object of /v1/send: exactly one selector.
void read_to(Reader &r, const JsonValue &to, Target &t)
{
    static constexpr const char *kShape =
        "\"to\" must be an object with exactly one of \"connection\", \"user\", "
        "\"users\", \"room\", \"tags\", \"all\"";
    if (!to.is(JsonValue::Type::object)) {
        r.fail(kShape);
        return;
    }
    if (!r.only_keys(to, "to.", {"connection", "user", "users", "room", "tags", "all"}))
        return;
    if (to.members.size() != 1) {
        r.fail(kShape);
        return;
    }
    const auto &[key, v] = to.members.front();
    const std::string field = "to." + key;
    if (key == "connection") {
        t.kind = Target::Kind::connection;
        r.connection(v, field, t.connection);
    } else if (key == "user") {
        t.kind = Target::Kind::user;
        r.user(v, field, t.user);
    } else if (key == "users") {
        t.kind = Target::Kind::users;
        r.users(v, field, t.users);
    } else if (key == "room") {
        t.kind = Target::Kind::room;
        r.name(v, field, t.room);
    } else if (key == "tags") {
        t.kind = Target::Kind::tags;
        r.tags(v, field, t.tags);
    } else { // "all"
        t.kind = Target::Kind::all;
        if (!v.is(JsonValue::Type::boolean) || !v.boolean)
            r.fail("\"to.all\" must be true");
    }
}

void read_except(Reader &r, const JsonValue &except, Target &t)
{
    if (!except.is(JsonValue::Type::object)) {
        r.fail("\"except\" must be an object with optional \"users\" and \"connections\" arrays");
        return;
    }
    if (!r.only_keys(except, "except.", {"users", "connections"}))
        return;
    if (const JsonValue *v = except.find("users")) {
        std::vector<std::string> users;
        if (r.users(*v, "except.users", users))
            t.except_users.insert(users.begin(), users.end());
    }
    if (const JsonValue *v = except.find("connections")) {
        std::vector<wsh_conn_id> ids;
        if (r.connections(*v, "except.connections", ids))
            t.except_connections.insert(ids.begin(), ids.end());
    }
}

} // namespace

ControlResponse send_text(const Call &call)
{
    return seed_push(call, kToUser, false);
}
ControlResponse send_binary(const Call &call)
{
    return seed_push(call, kToUser, true);
}
ControlResponse multicast_text(const Call &call)
{
    return seed_push(call, kToUsers, false);
}
ControlResponse multicast_binary(const Call &call)
{
    return seed_push(call, kToUsers, true);
}
ControlResponse broadcast_text(const Call &call)
{
    return seed_push(call, kToAll, false);
}
ControlResponse broadcast_binary(const Call &call)
{
    return seed_push(call, kToAll, true);
}
ControlResponse publish(const Call &call)
{
    return seed_push(call, kToTags, false);
}

bool read_send(Reader &r, const JsonValue &body, Target &t, std::string &data, bool &binary)
{
    r.only_keys(body, "", {"to", "except", "text", "binary"});
    if (const JsonValue *to = r.get(body, "to", "to", true))
        read_to(r, *to, t);
    if (const JsonValue *except = body.find("except"))
        read_except(r, *except, t);
    const JsonValue *text = body.find("text");
    const JsonValue *bin = body.find("binary");
    binary = bin != nullptr;
    if (text && bin)
        r.fail("give exactly one of \"text\" or \"binary\", not both");
    else if (!text && !bin)
        r.fail("missing required field \"text\" or \"binary\"");
    else if (text)
        r.text(*text, "text", data);
    else
        r.base64(*bin, "binary", data);
    return r.ok();
}

// POST /v1/send {"to":{...},"except":{...},"text"|"binary"}
ControlResponse generic_send(const Call &call)
{
    Reader r;
    Target t;
    std::string data;
    bool binary = false;
    read_send(r, call.body, t, data, binary);
    return deliver(call, r, t, data, binary);
}

} // namespace wshost::control
