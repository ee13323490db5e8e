// gatekit actions on one connection: gk_whoami, gk_send, gk_set_user, gk_tag,
// gk_info.
#include "gatekit.h"
#include "gatekit_target.h"

#include <cstddef>
#include <string>
#include <vector>

namespace gatekit
{

Reply Gatekit::whoami(const Request &req, const cJSON *)
{
    Json r = object();
    add_id(r.get(), "connection", req.conn);
    return reply_success(print(r.get()));
}

Reply Gatekit::send(const Request &req, const cJSON *payload)
{
    TargetSpec target = parse_target(payload, req.conn);
    std::string data;
    bool binary = false;
    const cJSON *text = opt_member(payload, "text");
    const cJSON *bin = opt_member(payload, "binary");
    const cJSON *raw = opt_member(payload, "text_base64");
    if ((text != nullptr) + (bin != nullptr) + (raw != nullptr) != 1)
        bad("exactly one of 'text', 'binary', 'text_base64' is required");
    if (text) {
        if (!cJSON_IsString(text))
            bad("'text' must be a string");
        data = text->valuestring;
    } else {
        const cJSON *b64 = bin ? bin : raw;
        if (!cJSON_IsString(b64))
            bad("base64 data must be a string");
        data = base64_decode(b64->valuestring);
        binary = bin != nullptr;
    }
    wshost::Receipt r = target.send(host_, data, binary);
    if (r.status != WSH_OK)
        return status_error(r.status);
    return reply_success(print(receipt_json(r.matched, r.enqueued, r.dropped).get()));
}

Reply Gatekit::set_user(const Request &req, const cJSON *payload)
{
    wsh_conn_id conn = conn_member(payload, "connection", req.conn);
    std::string user = str_member(payload, "user", true);
    int st = gw_.set_user(conn, user);
    if (st != WSH_OK)
        return status_error(st);
    Json r = object();
    add_id(r.get(), "connection", conn);
    cJSON_AddStringToObject(r.get(), "user", user.c_str());
    return reply_success(print(r.get()));
}

Reply Gatekit::tag(const Request &req, const cJSON *payload)
{
    wsh_conn_id conn = conn_member(payload, "connection", req.conn);
    const cJSON *set = opt_member(payload, "set");
    const cJSON *remove = opt_member(payload, "remove");
    if (set && !cJSON_IsObject(set))
        bad("'set' must be an object of strings");
    std::vector<std::string> removes;
    if (remove)
        removes = string_list(remove, "remove");
    if (set)
        for (const cJSON *e = set->child; e; e = e->next) {
            if (!cJSON_IsString(e))
                bad("'set' must be an object of strings");
            int st = gw_.set_tag(conn, e->string, e->valuestring);
            if (st != WSH_OK)
                return status_error(st);
        }
    for (const auto &k : removes) {
        int st = gw_.remove_tag(conn, k);
        if (st != WSH_OK)
            return status_error(st);
    }
    Json r = object();
    add_id(r.get(), "connection", conn);
    return reply_success(print(r.get()));
}

Reply Gatekit::info(const Request &req, const cJSON *payload)
{
    wsh_conn_id conn = conn_member(payload, "connection", req.conn);
    std::vector<wshost::ConnInfo> out;
    int st = host_.api()->connection_info(host_.handle(), conn, &collect, &out);
    if (st != WSH_OK)
        return status_error(st);
    if (out.size() != 1)
        return reply_error("host_error",
                           "connection_info delivered " + std::to_string(out.size()) + " infos");
    Json r = object();
    add_info(r.get(), out.front());
    return reply_success(print(r.get()));
}

void Gatekit::collect(const wsh_conn_info *infos, size_t n, void *user_data) noexcept
{
    auto &out = *static_cast<std::vector<wshost::ConnInfo> *>(user_data);
    try {
        for (size_t i = 0; i < n; ++i) {
            const wsh_conn_info &in = infos[i];
            wshost::ConnInfo c;
            c.conn = in.conn;
            c.user_id.assign(wshost::to_view(in.user_id));
            c.peer.assign(wshost::to_view(in.peer));
            for (size_t t = 0; t < in.tags_count; ++t)
                c.tags.emplace(wshost::to_view(in.tags[t].key), wshost::to_view(in.tags[t].value));
            for (size_t r = 0; r < in.rooms_count; ++r)
                c.rooms.emplace_back(wshost::to_view(in.rooms[r]));
            if (WSH_STRUCT_HAS(wsh_conn_info, &in, dropped)) {
                c.queued_messages = in.queued_messages;
                c.queued_bytes = in.queued_bytes;
                c.queued_bytes_peak = in.queued_bytes_peak;
                c.dropped = in.dropped;
            }
            out.push_back(std::move(c));
        }
    } catch (...) {
    }
}

std::optional<wshost::ConnInfo> Gatekit::conn_info(wsh_conn_id conn) const
{
    std::vector<wshost::ConnInfo> out;
    if (host_.api()->connection_info(host_.handle(), conn, &collect, &out) != WSH_OK || out.size() != 1)
        return std::nullopt;
    return std::move(out.front());
}

} // namespace gatekit
