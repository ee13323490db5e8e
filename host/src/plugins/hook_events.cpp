#include "plugins/hook_events.h"

#include <vector>

namespace wshost
{
namespace
{

wsh_str str(std::string_view s)
{
    return {s.data(), s.size()};
}

wsh_event event(wsh_hook_kind kind, wsh_conn_id conn)
{
    wsh_event ev{};
    ev.struct_size = sizeof ev;
    ev.kind = kind;
    ev.conn = conn;
    return ev;
}

void fire(const PluginSet &set, const wsh_event &ev)
{
    for (const auto &hook : set.hooks(ev.kind))
        hook.fn(&ev, hook.user_data);
}

void fire_room_change(const PluginSet &set, const RoomEvent &room)
{
    wsh_event ev = event(room.joined ? WSH_HOOK_ROOM_JOINED : WSH_HOOK_ROOM_LEFT, room.connection);
    ev.user_id = str(room.user_id);
    ev.room = str(room.room);
    fire(set, ev);
}

// WSH_HOOK_ROOM_CREATED / _DESTROYED: the connection whose join or leave did it.
void fire_room_edge(const PluginSet &set, wsh_hook_kind kind, const RoomEvent &room)
{
    wsh_event ev = event(kind, room.connection);
    ev.user_id = str(room.user_id);
    ev.room = str(room.room);
    fire(set, ev);
}

} // namespace

void fire_authenticated(const PluginSet &set, wsh_conn_id conn, std::string_view user_id, const Tags &tags,
                        std::string_view endpoint, std::string_view subprotocol)
{
    if (set.hooks(WSH_HOOK_AUTHENTICATED).empty())
        return; // spares the tag list
    std::vector<wsh_tag> list;
    list.reserve(tags.size());
    for (const auto &[key, value] : tags)
        list.push_back({str(key), str(value)});
    wsh_event ev = event(WSH_HOOK_AUTHENTICATED, conn);
    ev.user_id = str(user_id);
    ev.tags = list.data();
    ev.tags_count = list.size();
    ev.endpoint = str(endpoint);
    ev.subprotocol = str(subprotocol);
    fire(set, ev);
}

void fire_disconnected(const PluginSet &set, wsh_conn_id conn, std::string_view user_id, int close_code)
{
    wsh_event ev = event(WSH_HOOK_DISCONNECTED, conn);
    ev.user_id = str(user_id);
    ev.close_code = close_code;
    fire(set, ev);
}

void fire_invalid_message(const PluginSet &set, wsh_conn_id conn, std::string_view user_id,
                          std::string_view error_code, std::string_view message, std::string_view data)
{
    wsh_event ev = event(WSH_HOOK_INVALID_MESSAGE, conn);
    ev.user_id = str(user_id);
    ev.error_code = str(error_code);
    ev.message = str(message);
    ev.data = str(data.substr(0, kInvalidMessageDataBytes));
    fire(set, ev);
}

void fire_unhandled_exception(const PluginSet &set, wsh_conn_id conn, std::string_view action,
                              std::string_view message)
{
    wsh_event ev = event(WSH_HOOK_UNHANDLED_EXCEPTION, conn);
    ev.action = str(action);
    ev.message = str(message);
    fire(set, ev);
}

void fire_room_event(const PluginSet &set, const RoomEvent &room)
{
    // A room is created before its first member's joined hook and destroyed
    // after its last member's left hook.
    if (room.edge && room.joined)
        fire_room_edge(set, WSH_HOOK_ROOM_CREATED, room);
    fire_room_change(set, room);
    if (room.edge && !room.joined)
        fire_room_edge(set, WSH_HOOK_ROOM_DESTROYED, room);
}

void fire_control_frame(const PluginSet &set, wsh_hook_kind kind, wsh_conn_id conn, std::string_view user_id,
                        std::string_view payload)
{
    if (set.hooks(kind).empty())
        return; // the common case: nobody asked
    wsh_event ev = event(kind, conn);
    ev.user_id = str(user_id);
    ev.data = str(payload);
    fire(set, ev);
}

} // namespace wshost
