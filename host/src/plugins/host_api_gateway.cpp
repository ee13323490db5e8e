// The gateway part of the plugin function table: converts the C structs into
// the gateway's C++ types, validating everything the plugin hands over.
#include "plugins/host_api_internal.h"

#include "base/close_codes.h"
#include "gateway/gateway.h"
#include "json/json_scan.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace wshost::abi
{
namespace
{

template <typename T> bool valid_array(const T *items, std::size_t count)
{
    return items || count == 0;
}

// Converts a wsh_target; false when it is malformed.
bool to_target(const wsh_target *in, Target &out)
{
    if (!in || in->struct_size < sizeof(wsh_target) ||
        !valid_array(in->except_users, in->except_users_count) ||
        !valid_array(in->except_conns, in->except_conns_count))
        return false;
    // A C plugin may store any number in the enum: read it as the integer it
    // is (loading an out-of-range enum is undefined in C++).
    std::underlying_type_t<wsh_target_kind> kind;
    std::memcpy(&kind, &in->kind, sizeof kind);
    switch (kind) {
    case WSH_TARGET_CONNECTION:
        out.kind = Target::Kind::connection;
        out.connection = in->conn;
        break;
    case WSH_TARGET_USER:
        if (!valid_name(in->user))
            return false;
        out.kind = Target::Kind::user;
        out.user.assign(view(in->user));
        break;
    case WSH_TARGET_USERS:
        if (!valid_array(in->users, in->users_count))
            return false;
        out.kind = Target::Kind::users;
        for (std::size_t i = 0; i < in->users_count; ++i) {
            if (!valid_name(in->users[i]))
                return false;
            out.users.emplace_back(view(in->users[i]));
        }
        break;
    case WSH_TARGET_ROOM:
        if (!valid_name(in->room))
            return false;
        out.kind = Target::Kind::room;
        out.room.assign(view(in->room));
        break;
    case WSH_TARGET_TAGS:
        if (!valid_array(in->tags, in->tags_count) || in->tags_count == 0)
            return false;
        out.kind = Target::Kind::tags;
        for (std::size_t i = 0; i < in->tags_count; ++i) {
            if (!valid_name(in->tags[i].key) || !valid_name(in->tags[i].value))
                return false;
            auto [it, fresh] = out.tags.emplace(view(in->tags[i].key), view(in->tags[i].value));
            if (!fresh && it->second != view(in->tags[i].value))
                return false; // key=a AND key=b can never match: refuse rather than guess
        }
        break;
    case WSH_TARGET_ALL:
        out.kind = Target::Kind::all;
        break;
    default:
        return false;
    }
    for (std::size_t i = 0; i < in->except_users_count; ++i)
        if (valid(in->except_users[i]))
            out.except_users.emplace(view(in->except_users[i]));
    out.except_connections.insert(in->except_conns, in->except_conns + in->except_conns_count);
    return true;
}

// Calls `fn` with snapshots converted to wsh_conn_info (no lock held).
void deliver_infos(const std::vector<ConnectionSnapshot> &snaps, wsh_conn_info_fn fn, void *user_data)
{
    std::vector<std::vector<wsh_tag>> tags(snaps.size());
    std::vector<std::vector<wsh_str>> rooms(snaps.size());
    std::vector<wsh_conn_info> infos(snaps.size());
    for (std::size_t i = 0; i < snaps.size(); ++i) {
        const ConnectionSnapshot &s = snaps[i];
        for (const auto &[k, v] : s.tags)
            tags[i].push_back({str(k), str(v)});
        for (const std::string &r : s.rooms)
            rooms[i].push_back(str(r));
        wsh_conn_info &info = infos[i];
        info.struct_size = sizeof(wsh_conn_info);
        info.conn = s.id;
        info.user_id = str(s.user_id);
        info.peer = str(s.peer);
        info.tags = tags[i].data();
        info.tags_count = tags[i].size();
        info.rooms = rooms[i].data();
        info.rooms_count = rooms[i].size();
        info.queued_messages = s.queued_messages;
        info.queued_bytes = s.queued_bytes;
        info.queued_bytes_peak = s.queued_bytes_peak;
        info.dropped = s.dropped;
        info.endpoint = str(s.endpoint);
        info.subprotocol = str(s.subprotocol);
    }
    fn(infos.data(), infos.size(), user_data);
}

// The shape of every gateway call: WSH_E_INVALID for a handle the host did not
// give out, WSH_E_GONE without a gateway (--check-config), WSH_E_INVALID when
// `args_ok` is false, WSH_E_NOMEM when `call` throws.
template <typename Call> int with_gateway(wsh_host *host, bool args_ok, Call &&call) noexcept
{
    if (!known(host))
        return WSH_E_INVALID;
    Gateway *g = gateway_of(host);
    if (!g)
        return WSH_E_GONE;
    if (!args_ok)
        return WSH_E_INVALID;
    try {
        return call(*g);
    } catch (...) {
        return WSH_E_NOMEM;
    }
}

int change_user_rooms(wsh_host *host, wsh_str user, wsh_str room, size_t *changed,
                      Gateway::RoomChange change) noexcept
{
    return with_gateway(host, valid_name(user) && valid_name(room), [&](Gateway &g) {
        std::size_t n = g.change_user_rooms(view(user), view(room), change);
        if (changed)
            *changed = n;
        return WSH_OK;
    });
}

} // namespace

int gw_send(wsh_host *host, const wsh_target *target, wsh_str data, int binary, wsh_receipt *receipt) noexcept
{
    return with_gateway(host, true, [&](Gateway &g) {
        Target t; // converting allocates: inside the try
        if (!to_target(target, t) || !valid(data) || (!binary && !json::valid_utf8(view(data))))
            return WSH_E_INVALID;
        Receipt r = g.send(t, view(data), binary != 0);
        if (receipt && receipt->struct_size >= sizeof(wsh_receipt)) {
            receipt->matched = r.matched;
            receipt->enqueued = r.enqueued;
            receipt->dropped = r.dropped;
        }
        return WSH_OK;
    });
}

int gw_close_connection(wsh_host *host, wsh_conn_id conn, int code, wsh_str reason) noexcept
{
    const bool ok = close_code::application_may_send(code) && valid(reason) &&
                    reason.len <= close_code::max_reason_bytes && json::valid_utf8(view(reason));
    return with_gateway(
        host, ok, [&](Gateway &g) { return g.close(conn, code, view(reason), true) ? WSH_OK : WSH_E_GONE; });
}

int gw_set_user(wsh_host *host, wsh_conn_id conn, wsh_str user) noexcept
{
    return with_gateway(host, user.len == 0 || valid_name(user),
                        [&](Gateway &g) { return g.set_user(conn, view(user)) ? WSH_OK : WSH_E_GONE; });
}

int gw_set_tag(wsh_host *host, wsh_conn_id conn, wsh_str key, wsh_str value) noexcept
{
    return with_gateway(host, valid_name(key) && valid_name(value), [&](Gateway &g) {
        return g.set_tag(conn, view(key), view(value)) ? WSH_OK : WSH_E_GONE;
    });
}

int gw_remove_tag(wsh_host *host, wsh_conn_id conn, wsh_str key) noexcept
{
    return with_gateway(host, valid_name(key),
                        [&](Gateway &g) { return g.remove_tag(conn, view(key)) ? WSH_OK : WSH_E_GONE; });
}

int gw_join_room(wsh_host *host, wsh_conn_id conn, wsh_str room) noexcept
{
    return with_gateway(host, valid_name(room), [&](Gateway &g) {
        auto joined = g.change_room(conn, view(room), Gateway::RoomChange::join);
        return !joined ? WSH_E_GONE : *joined ? WSH_OK : WSH_E_EXISTS;
    });
}

int gw_leave_room(wsh_host *host, wsh_conn_id conn, wsh_str room) noexcept
{
    return with_gateway(host, valid_name(room), [&](Gateway &g) {
        auto left = g.change_room(conn, view(room), Gateway::RoomChange::leave);
        if (!left)
            return WSH_E_GONE;
        if (*left)
            return WSH_OK;
        // WSH_E_NOT_MEMBER is 1.1; a 1.0 plugin was promised WSH_E_GONE.
        return host->plugin->abi_minor() >= 1 ? WSH_E_NOT_MEMBER : WSH_E_GONE;
    });
}

int gw_join_room_user(wsh_host *host, wsh_str user, wsh_str room, size_t *changed) noexcept
{
    return change_user_rooms(host, user, room, changed, Gateway::RoomChange::join);
}

int gw_leave_room_user(wsh_host *host, wsh_str user, wsh_str room, size_t *changed) noexcept
{
    return change_user_rooms(host, user, room, changed, Gateway::RoomChange::leave);
}

int gw_room_count(wsh_host *host, wsh_str room, size_t *count) noexcept
{
    return with_gateway(host, valid_name(room) && count, [&](Gateway &g) {
        *count = g.room_size(view(room));
        return WSH_OK;
    });
}

int gw_room_members(wsh_host *host, wsh_str room, wsh_conn_info_fn fn, void *user_data) noexcept
{
    return with_gateway(host, valid_name(room) && fn, [&](Gateway &g) {
        deliver_infos(g.room_members(view(room)), fn, user_data);
        return WSH_OK;
    });
}

int gw_connection_info(wsh_host *host, wsh_conn_id conn, wsh_conn_info_fn fn, void *user_data) noexcept
{
    return with_gateway(host, fn != nullptr, [&](Gateway &g) {
        auto snap = g.snapshot(conn);
        if (!snap)
            return WSH_E_GONE;
        deliver_infos({*snap}, fn, user_data);
        return WSH_OK;
    });
}

} // namespace wshost::abi
