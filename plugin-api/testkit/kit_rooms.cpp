// Connection and room state of the fake host, and the hooks it implies
// (plugin.h, "Hooks"): CREATED just before a room's first JOINED, DESTROYED
// just after its last LEFT, every LEFT of a closing connection before its
// DISCONNECTED. Callers hold kit->mu.
#include "kit_state.h"

namespace wshost::testkit
{

void queue_hook_locked(wsh_testkit *kit, HookItem item)
{
    kit->hook_queue.push_back(std::move(item));
    kit->cv.notify_all();
}

namespace
{

void queue_room_hook(wsh_testkit *kit, wsh_hook_kind kind, const Conn &c, const std::string &room)
{
    HookItem item;
    item.kind = kind;
    item.conn = c.id;
    item.user = c.user;
    item.room = room;
    queue_hook_locked(kit, std::move(item));
}

} // namespace

bool join_locked(wsh_testkit *kit, Conn &c, const std::string &room)
{
    if (!c.rooms.insert(room).second)
        return false;
    std::set<wsh_conn_id> &members = kit->rooms[room];
    if (members.empty())
        queue_room_hook(kit, WSH_HOOK_ROOM_CREATED, c, room);
    members.insert(c.id);
    queue_room_hook(kit, WSH_HOOK_ROOM_JOINED, c, room);
    return true;
}

bool leave_locked(wsh_testkit *kit, Conn &c, const std::string &room)
{
    if (!c.rooms.erase(room))
        return false;
    auto it = kit->rooms.find(room);
    it->second.erase(c.id);
    queue_room_hook(kit, WSH_HOOK_ROOM_LEFT, c, room);
    if (it->second.empty()) {
        kit->rooms.erase(it);
        queue_room_hook(kit, WSH_HOOK_ROOM_DESTROYED, c, room);
    }
    return true;
}

void drop_conn_locked(wsh_testkit *kit, wsh_conn_id conn, int close_code)
{
    auto it = kit->conns.find(conn);
    if (it == kit->conns.end())
        return;
    Conn &c = it->second;
    const std::set<std::string> rooms = c.rooms;
    for (const std::string &room : rooms)
        leave_locked(kit, c, room);
    HookItem item;
    item.kind = WSH_HOOK_DISCONNECTED;
    item.conn = conn;
    item.user = c.user;
    item.close_code = close_code;
    queue_hook_locked(kit, std::move(item));
    kit->conns.erase(it);
}

Conn &admit_locked(wsh_testkit *kit, wsh_conn_id id, const std::string &user,
                   const std::vector<std::pair<std::string, std::string>> &tags, const std::string &endpoint,
                   const std::string &subprotocol, const std::string &peer)
{
    Conn &c = kit->conns[id];
    c.id = id;
    c.user = user;
    for (auto &t : tags)
        c.tags[t.first] = t.second; // one value per key: the last wins
    c.endpoint = endpoint.empty() ? "/" : endpoint;
    c.subprotocol = subprotocol;
    c.peer = peer.empty() ? "127.0.0.1" : peer;
    HookItem item;
    item.kind = WSH_HOOK_AUTHENTICATED;
    item.conn = id;
    item.user = user;
    item.tags.assign(c.tags.begin(), c.tags.end());
    item.endpoint = c.endpoint;
    item.subprotocol = c.subprotocol;
    queue_hook_locked(kit, std::move(item));
    return c;
}

} // namespace wshost::testkit
