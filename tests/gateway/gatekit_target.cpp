// gatekit's target spec: parsing and sending.
#include "gatekit_target.h"
#include "gatekit_json.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gatekit
{

wshost::Receipt TargetSpec::send(const wshost::Host &host, std::string_view data, bool binary) const
{
    wshost::Receipt out;
    wsh_receipt r{};
    r.struct_size = sizeof r;
    if (target) {
        wshost::GatewayApi gw(host);
        return gw.send(*target, data, binary);
    }
    std::vector<wsh_tag> tags;
    for (const auto &[k, v] : tag_pairs)
        tags.push_back({wshost::to_wsh(k), wshost::to_wsh(v)});
    std::vector<wsh_str> xu;
    for (const auto &u : except_users)
        xu.push_back(wshost::to_wsh(u));
    wsh_target t{};
    t.struct_size = sizeof t;
    t.kind = WSH_TARGET_TAGS;
    t.tags = tags.data();
    t.tags_count = tags.size();
    t.except_users = xu.data();
    t.except_users_count = xu.size();
    t.except_conns = except_conns.data();
    t.except_conns_count = except_conns.size();
    out.status = host.api()->send(host.handle(), &t, wshost::to_wsh(data), binary ? 1 : 0, &r);
    out.matched = r.matched;
    out.enqueued = r.enqueued;
    out.dropped = r.dropped;
    return out;
}

TargetSpec parse_target(const cJSON *payload, wsh_conn_id self)
{
    TargetSpec spec;
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(payload, "to");
    if (!cJSON_IsObject(to) || !to->child || to->child->next)
        bad("'to' must be an object with exactly one member");
    const std::string kind = to->child->string ? to->child->string : "";
    const cJSON *v = to->child;
    if (kind == "connection") {
        spec.target = wshost::Target::connection(conn_from(v, self));
    } else if (kind == "user" || kind == "user_base64") {
        spec.target = wshost::Target::user(str_member(to, "user", true));
    } else if (kind == "users") {
        spec.target = wshost::Target::users(string_list(v, "to.users"));
    } else if (kind == "room" || kind == "room_base64") {
        spec.target = wshost::Target::room(str_member(to, "room", true));
    } else if (kind == "tags") {
        if (cJSON_IsObject(v)) {
            std::map<std::string, std::string> tags;
            for (const cJSON *e = v->child; e; e = e->next) {
                if (!cJSON_IsString(e))
                    bad("'to.tags' values must be strings");
                tags[e->string] = e->valuestring;
            }
            spec.target = wshost::Target::tags(std::move(tags));
        } else if (cJSON_IsArray(v)) {
            for (const cJSON *e = v->child; e; e = e->next) {
                if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsString(e->child) ||
                    !cJSON_IsString(e->child->next))
                    bad("'to.tags' pairs must be [\"key\",\"value\"]");
                spec.tag_pairs.emplace_back(e->child->valuestring, e->child->next->valuestring);
            }
        } else {
            bad("'to.tags' must be an object or an array of pairs");
        }
    } else if (kind == "all") {
        if (!cJSON_IsTrue(v))
            bad("'to.all' must be true");
        spec.target = wshost::Target::all();
    } else {
        bad("unknown target '" + kind + "'");
    }

    if (const cJSON *ex = opt_member(payload, "except")) {
        if (!cJSON_IsObject(ex))
            bad("'except' must be an object");
        for (const cJSON *e = ex->child; e; e = e->next) {
            std::string_view name(e->string ? e->string : "");
            if (name == "users") {
                spec.except_users = string_list(e, "except.users");
            } else if (name == "connections") {
                if (!cJSON_IsArray(e))
                    bad("'except.connections' must be an array");
                for (const cJSON *c = e->child; c; c = c->next)
                    spec.except_conns.push_back(conn_from(c, self));
            } else {
                bad("unknown member of 'except': '" + std::string(name) + "'");
            }
        }
    }
    if (spec.target) {
        for (const auto &u : spec.except_users)
            spec.target->except_user(u);
        for (wsh_conn_id c : spec.except_conns)
            spec.target->except_connection(c);
    }
    return spec;
}

} // namespace gatekit
