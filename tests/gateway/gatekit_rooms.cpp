// gatekit's room actions: gk_join, gk_leave, gk_members, gk_count.
#include "gatekit.h"

#include <algorithm>
#include <string>
#include <vector>

namespace gatekit
{

Reply Gatekit::join_or_leave(const Request &req, const cJSON *payload, bool join)
{
    std::string room = str_member(payload, "room", true);
    if (opt_member(payload, "user") || opt_member(payload, "user_base64")) {
        const std::string user = str_member(payload, "user", true);
        size_t changed = 0;
        const wsh_host_api *api = host_.api();
        int st = (join ? api->join_room_user : api->leave_room_user)(host_.handle(), wshost::to_wsh(user),
                                                                     wshost::to_wsh(room), &changed);
        if (st != WSH_OK)
            return status_error(st);
        Json r = object();
        add_u64(r.get(), "changed", changed);
        return reply_success(print(r.get()));
    }
    wsh_conn_id conn = conn_member(payload, "connection", req.conn);
    int st = join ? gw_.join_room(conn, room) : gw_.leave_room(conn, room);
    Json r = object();
    if (st == WSH_OK)
        cJSON_AddStringToObject(r.get(), "result", join ? "joined" : "left");
    else if (st == WSH_E_EXISTS && join)
        cJSON_AddStringToObject(r.get(), "result", "exists");
    else
        return status_error(st);
    return reply_success(print(r.get()));
}

Reply Gatekit::join(const Request &req, const cJSON *payload)
{
    return join_or_leave(req, payload, true);
}

Reply Gatekit::leave(const Request &req, const cJSON *payload)
{
    return join_or_leave(req, payload, false);
}

Reply Gatekit::members(const Request &, const cJSON *payload)
{
    std::string room = str_member(payload, "room", true);
    std::vector<wshost::ConnInfo> out;
    int st = host_.api()->room_members(host_.handle(), wshost::to_wsh(room), &collect, &out);
    if (st != WSH_OK)
        return status_error(st);
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.conn < b.conn; });
    Json r = object();
    cJSON_AddStringToObject(r.get(), "room", room.c_str());
    cJSON *list = cJSON_AddArrayToObject(r.get(), "members");
    for (const auto &m : out) {
        cJSON *o = cJSON_CreateObject();
        add_info(o, m);
        cJSON_AddItemToArray(list, o);
    }
    return reply_success(print(r.get()));
}

Reply Gatekit::count(const Request &, const cJSON *payload)
{
    std::string room = str_member(payload, "room", true);
    size_t n = 0;
    int st = host_.api()->room_count(host_.handle(), wshost::to_wsh(room), &n);
    if (st != WSH_OK)
        return status_error(st);
    Json r = object();
    cJSON_AddStringToObject(r.get(), "room", room.c_str());
    add_u64(r.get(), "count", n);
    return reply_success(print(r.get()));
}

} // namespace gatekit
